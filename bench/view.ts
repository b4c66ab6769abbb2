/**
 * Graph view benchmark for one model (any registered format), through the real path: a fresh
 * worker process (dist/worker.js) decodes it and lays it out, the extension's relay
 * (src/extension/graph-session.ts) passes it to the real webview bundle in headless Chromium.
 * Prints JSON {nodes, edges, groups, firstFrameMs, settledMs, renderAfterDataMs, layoutMs,
 * expandAllMs, fps, ...}:
 *   firstFrameMs       open -> the first frame with the graph drawn (cold: worker not running, fresh page);
 *   settledMs          open -> the background expansion after it drawn too;
 *   renderAfterDataMs  only from the model message reaching the loaded page to that frame: it
 *                      leaves out worker start, decode and page load (bench/open.ts has them all);
 *   expandAllMs        from the call to the frame that shows every group open.
 *
 *   npm run bench:view -- MODEL [--screenshot out.png [--fit]] [--expand-all] [--light] [--select OP] [--constants] [--overlay weight-bytes]
 *
 * --fit takes the screenshot with the whole graph in view (default: the start view).
 * --constants draws Constant nodes too (hidden by default, as in the view's default).
 *
 * MODEL defaults to bench/models/transformer_100x64.onnx (make it with
 * `/usr/bin/python3 bench/models/make_models.py`). Run `npm run build` first (the npm script does).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { GraphSession } from '../src/extension/graph-session';
import { openBreakdown, type OpenTiming } from '../src/extension/open-timing';
import { WorkerClient } from '../src/extension/worker-client';
import type { HostToWebview } from '../webview/messages';
import { DIST, launchChromium, prepareGraphPage, type GraphPage } from './page';

interface Args { fit?: boolean; overlay?: string; model: string; screenshot?: string; expandAll: boolean; light: boolean; constants?: boolean; select?: string; fpsSeconds: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { model: 'bench/models/transformer_100x64.onnx', expandAll: false, light: false, fpsSeconds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--screenshot') a.screenshot = argv[++i];
    else if (x === '--expand-all') a.expandAll = true;
    else if (x === '--light') a.light = true;
    else if (x === '--constants') a.constants = true;
    else if (x === '--fit') a.fit = true;
    else if (x === '--overlay') a.overlay = argv[++i];
    else if (x === '--select') a.select = argv[++i];
    else if (x === '--fps-seconds') a.fpsSeconds = Number(argv[++i]);
    else if (x === '--help' || x === '-h') { console.log(fs.readFileSync(__filename, 'utf8').split('*/')[0]); process.exit(0); }
    else if (x.startsWith('--')) throw new Error(`unknown option ${x}`);
    else a.model = x;
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const file = path.resolve(args.model);
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file (make the benchmark models with /usr/bin/python3 bench/models/make_models.py)`);
  const browser = await launchChromium();
  const worker = new WorkerClient({ workerPath: path.join(DIST, 'worker.js'), log: (l) => { if (/error|fail/i.test(l)) process.stderr.write(`${l}\n`); } });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, colorScheme: args.light ? 'light' : 'dark' });
    let view: GraphPage | undefined;
    let session: GraphSession | undefined;
    const pending: HostToWebview[] = [];
    let settled!: (t: OpenTiming) => void;
    const done = new Promise<OpenTiming>((r) => { settled = r; });
    const blank = await prepareGraphPage(context, (m) => {
      // The page says 'ready' before its app exists (webview/early.ts): constants are switched on before the model is sent.
      if (m.type === 'ready' && args.constants && view) {
        const page = view.page;
        void page.waitForFunction('globalThis.edgewise').then(() => page.evaluate('globalThis.edgewise.showConstants = true')).then(() => session?.handle(m));
      } else session?.handle(m);
    }, args.light);
    session = new GraphSession(file, worker, (m) => (view ? view.post(m) : pending.push(m)), { onDrawn: (t) => { if (t.view?.settledAt) settled(t); } });
    view = blank.navigate();
    for (const m of pending.splice(0)) view.post(m);
    const page = view.page;
    const timing = await done;
    const b = openBreakdown(timing);
    const v = timing.view!;
    process.stderr.write(`first frame ${b.firstFrameMs?.toFixed(0)} ms after the open (${v.firstItems} items), settled ${b.settledMs?.toFixed(0)} ms (${v.settledItems} items)\n`);
    const metrics = await page.evaluate('globalThis.edgewise.metrics') as { nodes: number; edges: number; groups: number; layoutMs: number };

    let expandAllMs: number | null = null;
    if (args.expandAll) {
      expandAllMs = await page.evaluate(`(async () => {
        const t = performance.now();
        await globalThis.edgewise.expandAll();
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return performance.now() - t;
      })()`) as number;
      process.stderr.write(`expand-all ${expandAllMs.toFixed(0)} ms\n`);
    }
    const visibleNodes = await page.evaluate('globalThis.edgewise.scene.items.length') as number;
    const fps = await measureFps(page, args.fpsSeconds);
    process.stderr.write(`pan/zoom: ${JSON.stringify(fps)}\n`);

    if (args.screenshot) {
      await page.evaluate(args.fit ? 'globalThis.edgewise.viewport.fit()' : 'globalThis.edgewise.viewport.fitOrStart(globalThis.edgewise.direction)');
      if (args.select) await selectOp(page, args.select);
      if (args.overlay) await page.evaluate(`globalThis.edgewise.setOverlay(${JSON.stringify(args.overlay)})`);
      await page.waitForTimeout(400);
      fs.mkdirSync(path.dirname(path.resolve(args.screenshot)), { recursive: true });
      await page.screenshot({ path: args.screenshot });
      process.stderr.write(`screenshot ${args.screenshot}\n`);
    }
    const round = (x: number | null): number | null => (x === null ? null : Math.round(x));
    console.log(JSON.stringify({
      model: path.basename(file),
      nodes: metrics.nodes,
      edges: metrics.edges,
      groups: metrics.groups,
      visibleNodes,
      firstFrameMs: round(b.firstFrameMs),
      firstItems: v.firstItems,
      settledMs: round(b.settledMs),
      settledItems: v.settledItems,
      renderAfterDataMs: Math.round(v.paintedAt - v.receivedAt),
      breakdown: Object.fromEntries(Object.entries(b).map(([k, x]) => [k, round(x)])),
      layoutMs: Math.round(metrics.layoutMs),
      expandAllMs: round(expandAllMs),
      fps: fps.overall,
      fpsByPhase: fps.phases,
      drawMsP95: fps.drawP95,
    }));
  } finally {
    await browser.close();
    worker.dispose();
  }
}

/** Frames per second while a script pans and zooms: zoomed out, zooming in, then panning at reading zoom. */
async function measureFps(page: Page, seconds: number): Promise<{ overall: number; phases: Record<string, number>; drawP95: number }> {
  // A string, so the bundler's helpers do not leak into the page.
  return page.evaluate(`(async (secs) => {
    const vp = globalThis.edgewise.viewport;
    vp.fit();
    const phases = {};
    const draws = [];
    vp.onFrame = (ms) => draws.push(ms);
    const run = (name, ms, step) => new Promise((resolve) => {
      const start = performance.now();
      let frames = 0;
      const tick = () => {
        const k = (performance.now() - start) / ms;
        if (k >= 1) { phases[name] = Math.round((frames * 1000) / (performance.now() - start)); resolve(); return; }
        step(k);
        frames++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const third = (secs * 1000) / 3;
    await run('zoomedOutPan', third, (k) => vp.panBy(Math.sin(k * 20) * 8, Math.cos(k * 20) * 8));
    await run('zoomIn', third, () => vp.zoomAt(vp.width / 2, vp.height / 2, 1.03));
    if (vp.scale < 0.8) vp.zoomAt(vp.width / 2, vp.height / 2, 0.8 / vp.scale);
    await run('readingZoomPan', third, () => vp.panBy(-6, -14));
    vp.onFrame = undefined;
    draws.sort((a, b) => a - b);
    return { overall: Math.min(...Object.values(phases)), phases, drawP95: Math.round(draws[Math.floor(draws.length * 0.95)] * 10) / 10 };
  })(${seconds})`);
}

async function selectOp(page: Page, op: string): Promise<void> {
  await page.evaluate(`(() => {
    const app = globalThis.edgewise;
    let best = null, bytes = -1;
    for (const leaf of app.model.leaves.values()) {
      if (leaf.kind !== 'node' || leaf.label !== ${JSON.stringify(op)}) continue;
      const n = app.frame.graph.nodes[leaf.index];
      if (n.weightBytes > bytes) { bytes = n.weightBytes; best = leaf.id; }
    }
    if (best) app.select(best, true);
  })()`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
