/**
 * Undo/redo of an edit on a 10,000-node model, through the real path: a fresh worker process
 * (dist/worker.js) holds the edit session (src/extension/model-edits.ts makes the requests the
 * editor makes), the extension's relay (graph-session.ts) posts each version to the real webview
 * bundle in headless Chromium, which draws it keeping its open groups and view. Each figure is
 * from the call (undo/redo: EditGoToRequest with the version's view graph) to the frame that
 * shows that version; `viewMs` is the page's part (message received to frame drawn).
 *
 *   npm run bench:edit [-- --blocks 100 --repeat 7]
 *
 * The model is test/fixtures/deep-model.ts's (blocks x 100 nodes, scoped), written to a temp dir.
 * Target (issue 20): under 200 ms on 10,000 nodes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveModel } from '../src/core/formats/onnx/io';
import { GraphSession } from '../src/extension/graph-session';
import { ModelEdits } from '../src/extension/model-edits';
import { WorkerClient } from '../src/extension/worker-client';
import type { EditedVersion } from '../src/worker/protocol';
import type { HostToWebview } from '../webview/messages';
import { deepModel } from '../test/fixtures/deep-model';
import { DIST, launchChromium, prepareGraphPage, type GraphPage } from './page';

const TARGET_MS = 200;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const blocks = arg('blocks', 100), repeat = arg('repeat', 7), delta = !process.argv.includes('--whole');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-edit-'));
  const file = path.join(tmp, `deep_${blocks * 100}.onnx`);
  saveModel(deepModel(blocks), file);
  const browser = await launchChromium();
  const worker = new WorkerClient({ workerPath: path.join(DIST, 'worker.js') });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    let view: GraphPage | undefined;
    const pending: HostToWebview[] = [];
    let settled!: () => void;
    const drawn = new Promise<void>((r) => { settled = r; });
    const doc = new ModelEdits(file, worker);
    const blank = await prepareGraphPage(context, (m) => session.handle(m));
    const session: GraphSession = new GraphSession(file, worker, (m) => (view ? view.post(m) : pending.push(m)),
      { editable: true, editSession: () => (doc.hasSession ? doc.session : undefined), onDrawn: (t) => { if (t.view?.settledAt) settled(); } });
    view = blank.navigate();
    for (const m of pending.splice(0)) view.post(m);
    await drawn;
    const page = view.page;
    const nodes = await page.evaluate('globalThis.edgewise.metrics.nodes') as number;

    // One edit in the middle of the model, then undo and redo it, each shown by the page.
    const mid = Math.floor(blocks / 2);
    let shown = 0;
    const show = async (get: () => Promise<EditedVersion>): Promise<{ totalMs: number; workerMs: number; viewMs: number }> => {
      const t0 = performance.now();
      const v = await get();
      const t1 = performance.now();
      // As graph-panel.ts does: the delta when it came (the page shows its `from`).
      if (v.delta) session.showDelta(v.delta, v.summary!);
      else session.showVersion(v.graph!, v.summary!);
      shown++;
      // A string evaluated through the debugger protocol (the page's CSP forbids eval), polled each frame.
      await page.evaluate(`new Promise((r) => { const f = () => (globalThis.edgewise.versions.shown >= ${shown} ? r(null) : requestAnimationFrame(f)); f(); })`);
      const viewMs = await page.evaluate('globalThis.edgewise.versions.ms') as number;
      return { totalMs: performance.now() - t0, workerMs: t1 - t0, viewMs };
    };
    const edit = await show(async () => (await doc.apply({ kind: 'bypass', node: `/encoder/block.${mid}/unit.3/Identity` }, delta)).after);
    const undo: ReturnType<typeof show> extends Promise<infer T> ? T[] : never = [], redo: typeof undo = [];
    for (let i = 0; i < repeat; i++) {
      undo.push(await show(() => doc.goTo(0, delta)));
      redo.push(await show(() => doc.goTo(1, delta)));
    }
    const pick = (xs: typeof undo) => ({ totalMs: Math.round(median(xs.map((x) => x.totalMs))), workerMs: Math.round(median(xs.map((x) => x.workerMs))), viewMs: Math.round(median(xs.map((x) => x.viewMs))) });
    const out = { model: path.basename(file), nodes, sent: delta ? 'delta' : 'whole graph', visibleItems: await page.evaluate('globalThis.edgewise.scene.items.length'), repeat,
      editMs: Math.round(edit.totalMs), undo: pick(undo), redo: pick(redo), targetMs: TARGET_MS, load: os.loadavg().map((x) => x.toFixed(2)).join(' ') };
    console.log(JSON.stringify(out));
    console.log(`undo ${out.undo.totalMs} ms, redo ${out.redo.totalMs} ms (median of ${repeat}; target < ${TARGET_MS} ms) on ${nodes} nodes`);
    doc.close();
    session.dispose();
  } finally {
    await browser.close();
    worker.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
