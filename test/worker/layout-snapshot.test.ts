import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError } from '../../src/core/base/cancel';
import { LayoutThread, type LayoutServerOptions } from '../../src/worker/layout/client';
import { buildLayoutSnapshot, layoutSnapshot, LAYOUT_PROCESS_FLAGS } from '../../src/worker/layout/snapshot-blob';
import { chain } from './layout-chain';
import { buildWorker, fixture, root, workerPath } from './build-worker';
import { WorkerClient } from '../../src/extension/worker-client';
import { LayoutRequest, OpenViewRequest } from '../../src/worker/protocol';
import { layoutResultOf } from '../../src/core/graph/layout/packed-result';
import { until } from '../helpers/until';

const script = path.join(root, 'dist', 'layout-thread.js');
const bundle = path.join(root, 'dist', 'layout-snapshot.js');

describe('layout process from the layout snapshot (worker/layout/snapshot-blob.ts, channel.ts)', function () {
  this.timeout(90_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-snapshot-'));
  const cacheBefore = process.env.EDGEWISE_CACHE_DIR;
  const servers: LayoutThread[] = [];
  const server = (options: LayoutServerOptions, startNow = false): LayoutThread => {
    const t = new LayoutThread({}, script, startNow, options);
    servers.push(t);
    return t;
  };

  before(async () => {
    buildWorker();
    process.env.EDGEWISE_CACHE_DIR = path.join(tmp, 'cache');
    // A bundle written in the last 2 s is not built from (snapshot-blob.ts).
    const age = Date.now() - fs.statSync(bundle).mtimeMs;
    if (age < 2500) await new Promise((r) => setTimeout(r, 2500 - age));
  });
  afterEach(async () => { await Promise.all(servers.splice(0).map((t) => t.dispose())); });
  after(() => {
    process.env.EDGEWISE_CACHE_DIR = cacheBefore;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('without a snapshot, serves from a thread and builds the snapshot for the next worker', async () => {
    assert.equal(layoutSnapshot(bundle).state, 'missing');
    const t = server({ snapshot: true, buildSnapshotAfterMs: 0 });
    const r = await t.layout(chain(4), 'DOWN');
    assert.equal(t.kind, 'thread');
    assert.equal(Object.keys(r.boxes).length, 4);
    await until(() => layoutSnapshot(bundle).state === 'ready' || undefined, 60_000);
    const snapshots = fs.readdirSync(path.join(tmp, 'cache', 'layout-snapshot'));
    assert.equal(snapshots.length, 1, `one snapshot, no temporary left: ${snapshots.join(', ')}`);
  });

  it('starts a layout process from it, ready before a layout comes, that lays out as the thread does', async () => {
    assert.equal(layoutSnapshot(bundle).state, 'ready');
    const p = server({ snapshot: true });
    p.prepare();
    assert.equal(p.kind, 'process');
    // elkjs was set up when the snapshot was built: no layout of its own ahead of the view's.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(p.primedMs, null);
    // It runs with the flags its snapshot was built with (a snapshot loads only with those).
    const args = fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of LAYOUT_PROCESS_FLAGS) assert.ok(args.includes(flag), args.join(' '));
    const fromProcess = await p.layout(chain(6, 100), 'DOWN');
    const fromThread = await server({ snapshot: false }).layout(chain(6, 100), 'DOWN');
    assert.deepEqual(fromProcess.boxes, fromThread.boxes);
    assert.deepEqual(fromProcess.edges, fromThread.edges);
    const th = fromProcess.thread!;
    assert.ok(p.startedAt <= th.readyAt && th.readyAt <= th.receivedAt && th.startAt <= th.endAt, JSON.stringify(th));
  });

  it('cancels the running layout by starting a new process, and still serves the queued ones', async () => {
    const p = server({ snapshot: true });
    // The process is up (its start can take longer than the wait below on a loaded machine, and a layout
    // cancelled before it began is dropped, not run on): the big layout runs as soon as it is sent.
    await p.layout(chain(2), 'DOWN');
    const controller = new AbortController();
    const running = p.layout(chain(1500), 'DOWN', controller.signal);
    assert.equal(p.kind, 'process');
    const queued = p.layout(chain(3), 'DOWN');
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await assert.rejects(running, CancelledError);
    assert.equal(Object.keys((await queued).boxes).length, 3);
    assert.equal(p.kind, 'process');
    assert.equal(p.restarts, 1, 'its one elkjs group ran on past the grace');
  });

  it('a worker starts no layout server for a view its page lays out, and a process from the snapshot at the first layout asked', async () => {
    const before = { trace: process.env.EDGEWISE_TRACE, snapshot: process.env.EDGEWISE_LAYOUT_SNAPSHOT };
    process.env.EDGEWISE_TRACE = '1';
    delete process.env.EDGEWISE_LAYOUT_SNAPSHOT;
    const lines: string[] = [];
    const worker = new WorkerClient({ workerPath, log: (l) => lines.push(l) });
    try {
      const open = await worker.request(OpenViewRequest.type, { file: fixture });
      assert.ok(open.nodes > 0);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!lines.some((l) => l.includes('layout: started')), lines.join('\n'));
      const r = layoutResultOf(await worker.request(LayoutRequest.type, { root: chain(5), direction: 'DOWN' }));
      assert.equal(Object.keys(r.boxes).length, 5);
      assert.equal(lines.filter((l) => l.includes('layout: started a process')).length, 1, lines.join('\n'));
      assert.ok(!lines.some((l) => l.includes('layout: started a thread')));
    } finally {
      worker.dispose();
      for (const [name, value] of [['EDGEWISE_TRACE', before.trace], ['EDGEWISE_LAYOUT_SNAPSHOT', before.snapshot]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('falls back to a thread when the snapshot does not start, and notes why for the next workers', async () => {
    const state = layoutSnapshot(bundle);
    assert.equal(state.state, 'ready');
    const file = state.state === 'ready' ? state.file : '';
    fs.writeFileSync(file, 'not a V8 snapshot');
    const t = server({ snapshot: true });
    // Asked at once: the layout waits for the process, then goes to the thread that replaces it.
    const r = await t.layout(chain(5), 'DOWN');
    assert.equal(Object.keys(r.boxes).length, 5);
    assert.equal(t.kind, 'thread');
    assert.equal(layoutSnapshot(bundle).state, 'unusable');
    assert.match(fs.readFileSync(`${file}.failed`, 'utf8'), /could not start a layout process from .*exit code/);
    assert.equal(fs.existsSync(file), false, 'the broken snapshot is removed');
    const next = server({ snapshot: true });
    next.prepare();
    assert.equal(next.kind, 'thread', 'the next worker does not try it');
  });

  it('notes why a bundle could not be built, and keeps no blob', async () => {
    const missing = path.join(tmp, 'no-such-bundle.js');
    assert.equal(await buildLayoutSnapshot(missing, path.join(tmp, 'x.blob')), false);
    fs.writeFileSync(path.join(tmp, 'throws.js'), 'throw new Error("no snapshot here")');
    const blob = path.join(tmp, 'cache', 'layout-snapshot', 'layout-throws-1.blob');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await buildLayoutSnapshot(path.join(tmp, 'throws.js'), blob), false);
    assert.match(fs.readFileSync(`${blob}.failed`, 'utf8'), /could not build the layout snapshot .*no snapshot here/s);
    assert.equal(fs.existsSync(blob), false);
  });
});
