/**
 * dist/layout-snapshot.js, run once by `node --build-snapshot` (snapshot-blob.ts): loads elkjs
 * and warms it up, and V8 keeps that heap in a startup snapshot. A layout process started from it
 * (channel.ts) skips elkjs's loading and most of its first-layout set-up (its static state),
 * which a fresh layout thread spends at every cold open: ready about 90 ms after its fork, it had
 * laid out the CNN's first screen 198-211 ms after it, against 103-111 and 246-272 ms for a thread
 * with its code cache (scratch, 3 each, idle).
 */
import * as v8 from 'node:v8';
import { elkEngine } from './elk-engine';
import { LAYOUT_DATA_ENV, type LayoutThreadData, type ToLayoutThread } from './messages';
import { serveLayouts, warmUp } from './server';

if (!v8.startupSnapshot?.isBuildingSnapshot()) {
  process.stderr.write('dist/layout-snapshot.js is run by node --build-snapshot, then started from the snapshot\n');
  process.exit(2);
}

const elk = elkEngine();
let warmed = false;
void warmUp(elk).then(() => { warmed = true; });

v8.startupSnapshot.setDeserializeMainFunction(() => {
  if (!process.send) {
    process.stderr.write('the layout process is started with an IPC channel (child_process.fork)\n');
    process.exit(2);
  }
  if (!warmed) process.stderr.write('the layout snapshot was taken before elkjs had warmed up\n');
  const data = JSON.parse(process.env[LAYOUT_DATA_ENV] ?? '{}') as LayoutThreadData;
  serveLayouts({
    post: (m) => process.send!(m),
    onMessage: (receive) => process.on('message', (m) => receive(m as ToLayoutThread)),
  }, data, elk, [], false);
  // The worker went away: nobody is left to answer.
  process.on('disconnect', () => process.exit(0));
});
