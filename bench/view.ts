/**
 * Graph view benchmark: opens MODEL (any registered format) with core, loads the real webview bundle (dist/) in headless
 * Chromium, posts the view graph and prints JSON
 * {nodes, edges, groups, visibleNodes, firstRenderMs, settledMs, layoutMs, expandAllMs, fps}.
 * firstRenderMs: model posted -> first layout drawn; settledMs: until the background expansion
 * that follows it is drawn too.
 *
 *   npm run bench:view -- MODEL [--screenshot out.png [--fit]] [--expand-all] [--light] [--select OP] [--constants] [--overlay weight-bytes]
 *
 * --fit takes the screenshot with the whole graph in view (default: the start view).
 *
 * --constants draws Constant nodes too (hidden by default, as in the view's default).
 *
 * MODEL defaults to bench/models/transformer_100x64.onnx (make it with
 * `/usr/bin/python3 bench/models/make_models.py`). Run `npm run build` first (the npm script does).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Page } from 'playwright-core';
import { openModel } from '../src/core/formats/open';
import { renderWebviewHtml } from '../webview/html';
import type { HostToWebview, WebviewToHost } from '../webview/messages';

const ORIGIN = 'http://edgewise.test';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
  const dist = path.resolve(__dirname, '..', 'dist');
  if (!fs.existsSync(path.join(dist, 'webview.js'))) throw new Error(`${dist}/webview.js is missing: run npm run build`);

  const t0 = performance.now();
  const reader = openModel(file);
  const graph = reader.viewGraph();
  const summary = reader.summary();
  const decodeMs = performance.now() - t0;
  const message: HostToWebview = { type: 'model', file, graph, summary };
  process.stderr.write(`decoded ${path.basename(file)}: ${graph.nodes.length} nodes, view and summary in ${decodeMs.toFixed(0)} ms\n`);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, colorScheme: args.light ? 'light' : 'dark' });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`[page ${m.type()}] ${m.text()}\n`); });
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    await servePage(page, dist, args.light);
    // Answer the webview's host requests the way the extension would.
    await page.exposeFunction('edgewiseHost', (m: WebviewToHost) => {
      if (m.type !== 'nodeDetails') return;
      const details = reader.nodeDetails(m.nodeId, m.graphPath);
      const reply: HostToWebview = { type: 'nodeDetails', requestId: m.requestId, details };
      void page.evaluate(`window.postMessage(${JSON.stringify(reply)}, '*')`);
    });
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(() => 'edgewise' in globalThis);
    await page.evaluate("window.addEventListener('edgewise-host', (e) => globalThis.edgewiseHost(e.detail))");

    const workerStartMs = await page.evaluate('globalThis.edgewise.layout.warm') as number;
    process.stderr.write(`layout worker started in ${workerStartMs.toFixed(0)} ms\n`);
    if (args.constants) await page.evaluate('globalThis.edgewise.showConstants = true');
    await page.evaluate((msg) => { (globalThis as Record<string, unknown>).benchMessage = msg; }, message);
    const first = await page.evaluate(`(async () => {
      const app = globalThis.edgewise;
      const t = performance.now();
      const laidOut = app.whenLaidOut();
      window.postMessage(globalThis.benchMessage, '*');
      await laidOut;
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      return { ms: performance.now() - t, metrics: app.metrics };
    })()`) as { ms: number; metrics: { edges: number; groups: number; layoutMs: number; visibleNodes: number } };
    process.stderr.write(`first render ${first.ms.toFixed(0)} ms (${first.metrics.visibleNodes} items drawn)\n`);
    // The view opens more groups in the background right after the first layout.
    const settledMs = await page.evaluate(`(async () => {
      const app = globalThis.edgewise;
      if (app.metrics.settledAt === 0) await app.whenSettled();
      return app.metrics.settledAt - app.metrics.receivedAt;
    })()`) as number;
    const settledItems = await page.evaluate('globalThis.edgewise.scene.items.length') as number;
    process.stderr.write(`settled ${settledMs.toFixed(0)} ms after the model arrived (${settledItems} items drawn)\n`);

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
    console.log(JSON.stringify({
      model: path.basename(file),
      decodeMs: Math.round(decodeMs),
      nodes: graph.nodes.length,
      edges: first.metrics.edges,
      groups: first.metrics.groups,
      visibleNodes,
      firstRenderMs: Math.round(first.ms),
      firstItems: first.metrics.visibleNodes,
      settledMs: Math.round(settledMs),
      settledItems,
      layoutMs: Math.round(first.metrics.layoutMs),
      expandAllMs: expandAllMs === null ? null : Math.round(expandAllMs),
      fps: fps.overall,
      workerStartMs: Math.round(workerStartMs),
      fpsByPhase: fps.phases,
      drawMsP95: fps.drawP95,
    }));
  } finally {
    await browser.close();
  }
}

/** Serves dist/ and the page itself (the same HTML the extension renders) under a local origin. */
async function servePage(page: Page, dist: string, light: boolean): Promise<void> {
  const nonce = randomBytes(16).toString('base64');
  const html = renderWebviewHtml({
    scriptUri: `${ORIGIN}/webview.js`, layoutWorkerUri: `${ORIGIN}/layout-worker.js`, styleUri: `${ORIGIN}/webview.css`,
    codiconsUri: `${ORIGIN}/codicons/codicon.css`, cspSource: ORIGIN, nonce, title: 'Edgewise bench',
  }).replace('<body>', `<body class="${light ? 'vscode-light' : 'vscode-dark'}">`)
    .replace('</head>', `<style nonce="${nonce}">${themeVariables(light)}</style></head>`);
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html' };
  await page.route(`${ORIGIN}/**`, async (route) => {
    const rel = new URL(route.request().url()).pathname;
    if (rel === '/index.html') return route.fulfill({ body: html, contentType: 'text/html' });
    const f = path.join(dist, path.normalize(rel));
    if (!f.startsWith(dist) || !fs.existsSync(f)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ body: fs.readFileSync(f), contentType: types[path.extname(f)] ?? 'application/octet-stream' });
  });
}

/** A few of the colour variables VS Code sets on a webview, from its Light+/Dark+ themes. */
function themeVariables(light: boolean): string {
  const vars: Record<string, [string, string]> = {
    'editor-background': ['#ffffff', '#1e1e1e'], 'editor-foreground': ['#3b3b3b', '#cccccc'], foreground: ['#3b3b3b', '#cccccc'],
    descriptionForeground: ['#717171', '#9d9d9d'], 'sideBar-background': ['#f8f8f8', '#181818'], 'panel-border': ['#e5e5e5', '#2b2b2b'],
    'editorWidget-background': ['#f8f8f8', '#202020'], 'editorWidget-border': ['#c8c8c8', '#454545'], 'textLink-foreground': ['#005fb8', '#4daafc'],
    'dropdown-background': ['#ffffff', '#313131'], 'dropdown-foreground': ['#3b3b3b', '#cccccc'], 'dropdown-border': ['#cecece', '#3c3c3c'],
    'badge-background': ['#cccccc', '#616161'], 'badge-foreground': ['#3b3b3b', '#f8f8f8'],
    'input-background': ['#ffffff', '#313131'], 'input-foreground': ['#3b3b3b', '#cccccc'], 'input-border': ['#cecece', '#3c3c3c'],
    'icon-foreground': ['#3b3b3b', '#cccccc'], 'panelTitle-activeForeground': ['#3b3b3b', '#e7e7e7'],
    'panelTitle-inactiveForeground': ['#3b3b3b99', '#9d9d9d'], 'panelTitle-activeBorder': ['#005fb8', '#0078d4'],
  };
  return `body{${Object.entries(vars).map(([k, [l, d]]) => `--vscode-${k}:${light ? l : d}`).join(';')}}`;
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
