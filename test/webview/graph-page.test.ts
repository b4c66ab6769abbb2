/**
 * The graph view in a real browser (headless Chromium, the real bundle): what a user sees in a
 * narrow editor, in the inspector, after a search, on a model that does not open, at the first zoom.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveModel } from '../../src/core/formats/onnx/io';
import { deepModel } from '../fixtures/deep-model';
import type { Browser, Page } from 'playwright-core';
import type { ViewGraph, ViewNode } from '../../src/core/graph/types';
import type { ViewTiming } from '../../webview/messages';
import { openModel } from '../../src/core/formats/open';
import { FIRST_DIRECTION, firstScreen, firstScreenModel } from '../../src/core/graph/first-screen';
import { BUILT_IN_METRICS, TABLE_CHARS, type TextMetrics } from '../../src/core/graph/text-metrics';
import { buildWorker } from '../worker/build-worker';
import { launchChromium, openGraph, packedModel, pageAwaitingModel, until, type OpenedGraph } from './graph-page';
import { until as untilHeard } from '../helpers/until';
import type { Rehearsed } from '../../webview/rehearsal';

const CNN = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');
/** A first screen with a group of 300 members: more than the page's own layout takes (quick-layout.ts), so elkjs's is asked for. */
const WIDE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-page-')), 'wide_300.onnx');

/** The characters on each side of every line break inside `selector`'s text (e.g. '/C' for a break between / and C). */
async function lineBreaks(page: Page, selector: string): Promise<{ text: string; breaks: string[] }[]> {
  return page.$$eval(selector, (els) => els.map((el) => {
    const chars: { c: string; top: number; node: Text }[] = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
      for (let i = 0; i < n.data.length; i++) {
        const r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + 1);
        const rect = r.getClientRects()[0];
        if (rect && (rect.width > 0 || /\s/.test(n.data[i]))) chars.push({ c: n.data[i], top: Math.round(rect.top), node: n });
      }
    }
    const breaks: string[] = [];
    // Breaks inside one text (a name, a value), not between two elements.
    for (let i = 1; i < chars.length; i++) if (chars[i].node === chars[i - 1].node && chars[i].top > chars[i - 1].top + 2) breaks.push(chars[i - 1].c + chars[i].c);
    return { text: el.textContent ?? '', breaks };
  }));
}

function tfNode(name: string, opType: string, inputs: string[], outputs: string[]): ViewNode {
  return {
    id: name, name, opType, domain: '', inputs, outputs, weights: [], weightBytes: 0, subgraphs: [],
    scope: name.split('/').slice(0, -1),
    attributes: [{ name: 'fused_activation_function', type: 'string', value: 'RELU6' }, { name: 'padding', type: 'string', value: 'SAME' }],
  };
}

describe('graph view in Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  const open: OpenedGraph[] = [];
  const show = async (...args: Parameters<typeof openGraph> extends [unknown, ...infer R] ? R : never): Promise<OpenedGraph> => {
    const g = await openGraph(browser, ...args);
    open.push(g);
    return g;
  };

  before(async () => {
    buildWorker();
    saveModel(deepModel(300, 1), WIDE);
    browser = await launchChromium();
  });
  afterEach(async () => { for (const g of open.splice(0)) await g.close(); });
  after(async () => {
    await browser?.close();
    fs.rmSync(path.dirname(WIDE), { recursive: true, force: true });
  });

  it("says 'ready' before its bundle runs (the model travels meanwhile), starts the app as the bundle runs, and hands it the messages that came before it, in order", async () => {
    // When main.ts sets globalThis.edgewise (the app is built, its messages not yet handed over): was 'ready' posted, and a message
    // arriving now (dispatched synchronously) must be kept for the app.
    const g = await show({ file: CNN }, 1200, 800, `Object.defineProperty(globalThis, 'edgewise', { configurable: true, set(app) {
      Object.defineProperty(globalThis, 'edgewise', { value: app, writable: true, configurable: true });
      globalThis.readyBeforeApp = (globalThis.edgewiseOutbox ?? []).some((m) => m.type === 'ready');
      globalThis.documentAtApp = document.readyState;
      window.dispatchEvent(new MessageEvent('message', { data: { type: 'overlay', overlay: { id: 'early', label: 'Early', unit: 'ms', values: {}, scale: 'linear' } } }));
    } })`);
    assert.equal(await g.page.evaluate('globalThis.readyBeforeApp'), true);
    // The bundle is the body's last element: the app does not wait for DOMContentLoaded.
    assert.equal(await g.page.evaluate('globalThis.documentAtApp'), 'loading');
    assert.equal(g.posted.filter((m) => m.type === 'ready').length, 1);
    // Said by the page's head script, before the bundle started.
    const drawn = g.posted.find((m) => m.type === 'drawn');
    assert.ok(drawn && drawn.type === 'drawn' && drawn.timing.readyAt < drawn.timing.scriptAt, 'ready before the bundle ran');
    assert.equal(await g.page.evaluate("globalThis.edgewise.overlays.has('early')"), true);
    assert.ok(await g.page.evaluate('globalThis.edgewise.scene.items.length') as number > 0, 'the model is drawn');
  });

  it('rehearses a first frame on a built-in graph while the model is on its way, asking the host for nothing, then draws the model', async () => {
    const view = await pageAwaitingModel(browser, 1200, 800);
    open.push(view);
    const rehearsed = await until(view.page, () => (globalThis as { edgewiseRehearsed?: Rehearsed }).edgewiseRehearsed);
    assert.equal(rehearsed.steps, 4, 'unpacked, modelled, laid out and drawn');
    // Its 13 nodes, its input and its output, in its groups (all open, as a small model's first screen has them).
    assert.equal(rehearsed.items, 15);
    assert.deepEqual(view.posted.map((m) => m.type), ['ready'], 'no layout request, no label widths: the host hears nothing of it');
    assert.equal(await view.page.evaluate('globalThis.edgewise.scene'), null, 'nothing of it on the page\'s canvas');
    await view.send(CNN);
    assert.equal(await view.page.evaluate('globalThis.edgewise.metrics.nodes'), openModel(CNN).viewGraph().nodes.length, 'the model is what is drawn');
  });

  it('gives the graph\'s canvas no bitmap before the model (the page\'s background shows): its first context is the first frame\'s', async () => {
    // Counts the contexts asked of the graph's canvas (a canvas's first getContext makes its bitmap).
    const view = await pageAwaitingModel(browser, 1200, 800, `{ const get = HTMLCanvasElement.prototype.getContext; globalThis.graphContexts = 0;
      HTMLCanvasElement.prototype.getContext = function (...a) { if (this.classList.contains('graph')) globalThis.graphContexts++; return get.apply(this, a); }; }`);
    open.push(view);
    await until(view.page, () => (globalThis as { edgewiseRehearsed?: Rehearsed }).edgewiseRehearsed);
    // Frames pass (and the canvas's size is set) while the model is on its way.
    await view.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await view.page.evaluate('globalThis.graphContexts'), 0);
    await view.send(CNN);
    assert.equal(await view.page.evaluate('globalThis.graphContexts'), 1);
    // Drawn: the canvas's middle is not the background any more somewhere along its middle row.
    const drawn = await view.page.evaluate(() => {
      const c = document.querySelector('canvas.graph') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, Math.floor(c.height / 2), c.width, 1).data;
      return new Set(Array.from({ length: c.width }, (_, i) => px.slice(4 * i, 4 * i + 3).join())).size;
    });
    assert.ok(drawn > 1, `${drawn} colours along the middle row`);
  });

  it('does not rehearse once the model is here: the model is not kept waiting', async () => {
    // The model arrives as the app is built, before it takes its messages.
    const model = JSON.stringify(packedModel(CNN));
    const g = await show({ file: CNN }, 1200, 800, `Object.defineProperty(globalThis, 'edgewise', { configurable: true, set(app) {
      Object.defineProperty(globalThis, 'edgewise', { value: app, writable: true, configurable: true });
      window.dispatchEvent(new MessageEvent('message', { data: ${model} }));
    } })`);
    const rehearsed = await until(g.page, () => (globalThis as { edgewiseRehearsed?: Rehearsed }).edgewiseRehearsed);
    assert.deepEqual(rehearsed, { steps: 0, items: 0 });
  });

  it('draws the first frame before defining the toolbar\'s and side panel\'s components, which then appear without moving the canvas', async () => {
    // At the first frame (the app's first layout listener runs right after it is drawn): the components, and the canvas's size.
    const g = await show({ file: CNN }, 1200, 800, `Object.defineProperty(globalThis, 'edgewise', { configurable: true, set(app) {
      Object.defineProperty(globalThis, 'edgewise', { value: app, writable: true, configurable: true });
      app.whenLaidOut().then(() => {
        const c = document.querySelector('canvas.graph');
        globalThis.atFirstFrame = { defined: ['vscode-tabs', 'vscode-toolbar-button', 'vscode-textfield'].filter((t) => customElements.get(t)),
          codicons: performance.getEntriesByType('resource').filter((e) => e.name.includes('codicon')).length,
          chromeScript: performance.getEntriesByType('resource').filter((e) => e.name.includes('webview-chrome')).length,
          hidden: getComputedStyle(document.querySelector('vscode-tabs')).visibility, canvas: [c.clientWidth, c.clientHeight] };
      });
    } })`);
    const first = await g.page.evaluate('globalThis.atFirstFrame') as { defined: string[]; codicons: number; chromeScript: number; hidden: string; canvas: number[] };
    assert.deepEqual(first.defined, [], 'no component defined before the first frame');
    assert.equal(first.chromeScript, 0, 'their bundle (dist/webview-chrome.js) is not fetched before the first frame');
    assert.equal(first.codicons, 0, 'the icons\' stylesheet is not fetched before the first frame');
    assert.equal(first.hidden, 'hidden', 'undefined components are hidden, not shown unstyled');
    await until(g.page, () => !!customElements.get('vscode-tabs') && !!customElements.get('vscode-toolbar-button') &&
      [...document.styleSheets].some((s) => s.href?.includes('codicon')));
    const later = await g.page.evaluate(() => {
      const c = document.querySelector('canvas.graph')!;
      const fit = document.querySelector<HTMLElement>('.toolbar-row vscode-toolbar-button:not([hidden])')!;
      // The overlay list's icon, a codicon in the page's own DOM: drawn from the codicon font.
      const icon = document.querySelector('.overlay-label .codicon')!;
      return { canvas: [c.clientWidth, c.clientHeight], button: fit.getBoundingClientRect().width, visible: getComputedStyle(document.querySelector('vscode-tabs')!).visibility,
        iconFont: getComputedStyle(icon, '::before').fontFamily, iconWidth: icon.getBoundingClientRect().width };
    });
    assert.match(later.iconFont, /codicon/);
    assert.ok(later.iconWidth > 0, 'the icon has its glyph\'s width');
    assert.deepEqual(later.canvas, first.canvas, 'the canvas keeps its size when the chrome appears');
    assert.ok(later.button > 0, 'the toolbar buttons are drawn');
    assert.equal(later.visible, 'visible');
  });

  it('draws the graph and tells the host\'s log when the components\' bundle does not load', async () => {
    // The root names a bundle that is not there, as the page is parsed (before its script runs).
    const g = await show({ file: CNN }, 1200, 800, `new MutationObserver((_, o) => { const root = document.getElementById('edgewise-root');
      if (root) { root.dataset.chrome = location.origin + '/missing-chrome.js'; o.disconnect(); } }).observe(document, { childList: true, subtree: true })`);
    const log = await untilHeard(() => g.posted.find((m) => m.type === 'log'), 10_000);
    assert.ok(log?.type === 'log' && log.level === 'error' && /missing-chrome\.js did not load/.test(log.message), JSON.stringify(log));
    assert.equal(await g.page.evaluate(() => !!customElements.get('vscode-tabs')), false);
    assert.ok(await g.page.evaluate(() => (globalThis as { edgewise?: { metrics: { visibleNodes: number } | null } }).edgewise?.metrics?.visibleNodes), 'the graph is drawn');
  });

  it('fills the Model tab once the graph\'s first frame is on screen, not before it: then with the model\'s facts', async () => {
    // In the animation frame that shows the graph (the page's clock times its first frame there too): is the panel made yet?
    const g = await show({ file: CNN }, 1200, 800, `Object.defineProperty(globalThis, 'edgewise', { configurable: true, set(app) {
      Object.defineProperty(globalThis, 'edgewise', { value: app, writable: true, configurable: true });
      app.whenLaidOut().then(() => requestAnimationFrame(() => { globalThis.panelAtFrame = !!document.querySelector('.model-panel'); }));
    } })`);
    assert.equal(await g.page.evaluate('globalThis.panelAtFrame'), false, 'neither made nor laid out for the first frame');
    await until(g.page, () => document.querySelector('.model-panel'));
    const panel = await g.page.evaluate(() => ({ title: document.querySelector('.model-panel h2')?.textContent, ops: document.querySelectorAll('.model-panel table.ops tr').length }));
    const summary = openModel(CNN).summary();
    assert.deepEqual(panel, { title: path.basename(CNN), ops: Object.keys(summary.ops).length });
  });

  it('keeps the toolbar on one row from a wide editor to a narrow split, every button labelled', async () => {
    for (const width of [1400, 800, 560, 400]) {
      const { page } = await show({ file: CNN }, width, 600);
      const row = await page.$eval('.toolbar-row', (r) => {
        const shown = [...r.querySelectorAll<HTMLElement>(':scope > *, .search-box > *')].filter((e) => e.getClientRects().length > 0);
        const centres = shown.map((e) => { const b = e.getBoundingClientRect(); return b.top + b.height / 2; });
        const buttons = [...r.querySelectorAll('vscode-toolbar-button, select')];
        return {
          height: r.getBoundingClientRect().height,
          overflow: r.scrollWidth - r.clientWidth,
          spread: Math.max(...centres) - Math.min(...centres),
          unlabelled: buttons.filter((b) => !(b.getAttribute('title') && (b.getAttribute('label') || b.getAttribute('aria-label')))).map((b) => b.outerHTML),
          more: !!r.querySelector('vscode-toolbar-button[label="More actions"]')?.getClientRects().length,
        };
      });
      assert.ok(row.height <= 36, `${width}px: the toolbar is ${row.height}px tall (one row is 34)`);
      assert.ok(row.overflow <= 0, `${width}px: the row overflows by ${row.overflow}px`);
      assert.ok(row.spread <= 4, `${width}px: items sit on one line (centres spread ${row.spread}px)`);
      assert.deepEqual(row.unlabelled, [], `${width}px: every button has a label and a tooltip`);
      assert.ok(row.more, `${width}px: the More actions button shows`);
    }
  });

  it('has the less used actions in the More actions menu, which runs them (Export SVG)', async () => {
    const { page, posted } = await show({ file: CNN }, 420, 600);
    await page.click('vscode-toolbar-button[label="More actions"]');
    const items = page.locator('vscode-context-menu-item');
    await items.first().waitFor();
    const labels = await items.evaluateAll((els) => els.map((e) => e.getAttribute('label')));
    for (const l of ['Lay out left to right', 'Expand all groups', 'Collapse all groups', 'Show Constant nodes', 'Export PNG', 'Export SVG']) {
      assert.ok(labels.includes(l), `${l} in ${labels.join(', ')}`);
    }
    assert.ok(labels.includes('Benchmark model (latency overlay)'), `at 420px the benchmark button moved into the menu: ${labels.join(', ')}`);
    await page.locator('vscode-context-menu-item[label="Export SVG"]').click();
    await until(page, () => !(document.querySelector('vscode-context-menu') as unknown as { show: boolean }).show);
    const exported = posted.find((m) => m.type === 'export');
    assert.ok(exported && exported.type === 'export' && exported.format === 'svg' && exported.data.startsWith('<svg'), 'the item exported the SVG');
  });

  it('wraps inspector text at separators, never mid-word, and ellipsizes with the full text on hover', async () => {
    const long = `MobilenetV1/${Array.from({ length: 30 }, (_, i) => `Block_${i}`).join('/')}/Conv2D`;
    const graph: ViewGraph = {
      name: 'g',
      nodes: [
        tfNode('MobilenetV1/MobilenetV1/Conv2d_0/Conv2D_fused_activation_function', 'CONV_2D', ['input'], ['MobilenetV1/MobilenetV1/Conv2d_0/Relu6']),
        tfNode(long, 'DEPTHWISE_CONV_2D', ['MobilenetV1/MobilenetV1/Conv2d_0/Relu6'], ['out']),
      ],
      inputs: [{ name: 'input', dtype: 'float32', shape: [1, 96, 96, 1] }],
      outputs: [{ name: 'out', dtype: 'float32', shape: [1, 48, 48, 8] }],
      values: { 'MobilenetV1/MobilenetV1/Conv2d_0/Relu6': { name: 'MobilenetV1/MobilenetV1/Conv2d_0/Relu6', dtype: 'int8', shape: [1, 48, 48, 8] } },
    };
    const summary = openModel(CNN).summary();
    const { page } = await show({ file: '/ws/person_detect.tflite', graph, summary }, 900, 700);
    for (const node of ['N0', 'N1']) {
      await page.evaluate((id) => (globalThis as unknown as { edgewise: { select(id: string, reveal: boolean): void } }).edgewise.select(id, true), node);
      await page.waitForSelector('.inspector table.kv');
      for (const { text, breaks } of await lineBreaks(page, '.inspector table.kv td, .inspector table.kv th, .inspector h2')) {
        for (const b of breaks) assert.match(b, /^[/_.:,\s×›-]|^.[\s[(]/, `"${text}" breaks between ${JSON.stringify(b)}`);
      }
    }
    // The 30-block name is cut short with an ellipsis; hovering shows all of it.
    const cell = await page.$eval('.inspector table.kv td', (td: HTMLElement) => {
      const clip = td.querySelector<HTMLElement>('.clip') ?? td;
      return { title: clip.title || td.title, clipped: clip.scrollHeight > clip.clientHeight + 1, lines: clip.clientHeight / parseFloat(getComputedStyle(clip).lineHeight) };
    });
    assert.equal(cell.title, long);
    assert.ok(cell.clipped, 'the long name is clipped');
    assert.ok(cell.lines <= 4.1, `at most 4 lines (${cell.lines.toFixed(1)})`);
  });

  it('after a search scrolls to a match near the end, the graph still fills the view: no empty band', async () => {
    const { page } = await show({ file: CNN }, 900, 450);
    const state = await page.evaluate(async () => {
      const app = (globalThis as unknown as { edgewise: { search(q: string): void; searchStep(d: number): Promise<void>; matches: unknown[]; viewport: { worldView(): { x: number; y: number; w: number; h: number }; scale: number }; scene: { width: number; height: number } } }).edgewise;
      app.search('Gemm');
      await app.searchStep(1);
      await app.searchStep(1); // the last Gemm, just above the output
      await new Promise((r) => setTimeout(r, 600)); // the reveal animation
      const v = app.viewport.worldView();
      return { v, scale: app.viewport.scale, w: app.scene.width, h: app.scene.height, count: document.querySelector('.search-count')!.textContent, what: document.querySelector('.search-what')!.textContent };
    });
    assert.equal(state.count, '2 of 2');
    assert.equal(state.what, 'op Gemm');
    assert.ok(state.h * state.scale > 450, 'the graph is taller than the view at this zoom');
    const below = (state.v.y + state.v.h - state.h) * state.scale;
    const above = -state.v.y * state.scale;
    assert.ok(below <= 24, `${below.toFixed(0)}px of empty canvas below the graph`);
    assert.ok(above <= 24, `${above.toFixed(0)}px of empty canvas above the graph`);
  });

  it('keeps what was in the middle in view when the editor narrows (a results panel opens beside it)', async () => {
    const { page } = await show({ file: CNN }, 1400, 700);
    await page.evaluate(async () => {
      const app = (globalThis as unknown as { edgewise: { search(q: string): void; searchStep(d: number): Promise<void> } }).edgewise;
      app.search('Conv');
      await app.searchStep(1);
      await new Promise((r) => setTimeout(r, 600));
    });
    await page.setViewportSize({ width: 600, height: 700 });
    await new Promise((r) => setTimeout(r, 300));
    const seen = await page.evaluate(() => {
      const app = (globalThis as unknown as { edgewise: { selected: string; viewport: { worldView(): { x: number; y: number; w: number; h: number } }; scene: { byId: Map<string, { x: number; y: number; w: number; h: number }> } } }).edgewise;
      const b = app.scene.byId.get(app.selected)!;
      const v = app.viewport.worldView();
      return { inView: b.x >= v.x && b.x + b.w <= v.x + v.w && b.y >= v.y && b.y + b.h <= v.y + v.h, b, v };
    });
    assert.ok(seen.inView, `the selected Conv ${JSON.stringify(seen.b)} left the view ${JSON.stringify(seen.v)}`);
  });

  it('shows a broken model as an error alone: no toolbar or inspector of a graph that is not there', async () => {
    const { page } = await show({ file: '/ws/corrupt.onnx', error: 'the file is truncated or corrupt (cant skip wire type 4)' }, 900, 600);
    const seen = await page.evaluate(() => ({
      error: document.querySelector('.message.error')?.textContent,
      toolbar: document.querySelector('.toolbar')?.getClientRects().length,
      side: document.querySelector('.side')?.getClientRects().length,
      canvasFocusable: document.querySelector('canvas.graph')?.getClientRects().length,
    }));
    assert.match(seen.error ?? '', /corrupt\.onnx: the file is truncated/);
    assert.equal(seen.toolbar, 0, 'no toolbar');
    assert.equal(seen.side, 0, 'no inspector');
  });

  it('opens a small model at a zoom that shows op, main attribute and output shape (like Netron)', async () => {
    const { page } = await show({ file: CNN }, 1000, 700);
    const v = await page.evaluate(() => {
      const app = (globalThis as unknown as { edgewise: { viewport: { scale: number; worldView(): { x: number; y: number; w: number; h: number } }; scene: { items: { id: string; x: number; y: number; w: number; h: number }[] } } }).edgewise;
      const first = app.scene.items.find((it) => it.id.startsWith('N'))!;
      const view = app.viewport.worldView();
      return { scale: app.viewport.scale, firstInView: first.y >= view.y && first.y + first.h <= view.y + view.h };
    });
    // scene.ts draws the attribute line and the shape labels from this zoom on (DETAIL_SCALE).
    assert.ok(v.scale >= 0.8, `the first zoom is ${v.scale.toFixed(2)}`);
    assert.ok(v.firstInView, 'the first node is in view');
  });

  it('settles a view its own layout fits at the first frame, asking the host for no layout', async () => {
    const g = await show({ file: CNN }, 1000, 700);
    const end = Date.now() + 10_000;
    let settled: ViewTiming | undefined;
    while (!(settled = g.posted.flatMap((m) => (m.type === 'drawn' && m.timing.settledAt ? [m.timing] : []))[0]) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(settled && settled.paintedAt > 0 && settled.settledAt >= settled.paintedAt && settled.elkAskedAt === 0, JSON.stringify(settled));
    assert.equal(settled.settledItems, settled.firstItems);
    await g.page.evaluate(() => (globalThis as unknown as { edgewise: { expandAll(): Promise<number> } }).edgewise.expandAll());
    assert.equal(g.posted.filter((m) => m.type === 'layout').length, 0, 'no layout asked of the host, expand-all included');
  });

  it('draws the first frame and an expand-all with its own layout where a group is too large for it, asking the host only for elkjs\'s', async () => {
    const g = await show({ file: WIDE }, 1000, 700);
    // Opened and settled: the one layout asked of the host was elkjs's (a quick one was asked first before).
    const before = g.posted.filter((m) => m.type === 'layout').length;
    assert.equal(before, 1);
    assert.ok(g.posted.some((m) => m.type === 'drawn'));
    // Asked for before the first frame was drawn: the worker lays out while the page draws.
    const order = g.posted.map((m) => m.type);
    assert.ok(order.indexOf('layout') < order.indexOf('drawn'), `posted in this order: ${order.join(', ')}`);
    // The settled view's timing says when elkjs's layout was asked for (before the first frame) and was back.
    const end = Date.now() + 10_000;
    let settled: ViewTiming | undefined;
    while (!(settled = g.posted.flatMap((m) => (m.type === 'drawn' && m.timing.settledAt ? [m.timing] : []))[0]) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(settled && settled.elkAskedAt > 0 && settled.elkAskedAt <= settled.paintedAt, JSON.stringify(settled));
    assert.ok(settled.elkAskedAt < settled.elkAnsweredAt && settled.elkAnsweredAt <= settled.settledAt, JSON.stringify(settled));
    const shown = await g.page.evaluate(async () => {
      const app = (globalThis as unknown as { edgewise: { expandAll(): Promise<number>; scene: { items: unknown[] } } }).edgewise;
      await app.expandAll();
      return app.scene.items.length;
    });
    assert.ok(shown > 10, `expand-all drew ${shown} items`);
    // Drawn from the page's own layout: at most elkjs's refinement was asked for since.
    assert.ok(g.posted.filter((m) => m.type === 'layout').length <= before + 1);
  });

  it("asks for the first layout the worker laid out ahead (the same request from the host's label widths), and offers its own font's widths", async () => {
    const kept: TextMetrics = { font: 'Kept Sans', normal: BUILT_IN_METRICS.normal.map((w) => w * 1.2), bold: BUILT_IN_METRICS.bold.map((w) => w * 1.2) };
    const given = await show({ file: WIDE }, 1000, 700, undefined, kept);
    const plain = await show({ file: WIDE }, 1000, 700);
    const graph = openModel(WIDE).viewGraph();
    for (const [g, metrics] of [[given, kept], [plain, BUILT_IN_METRICS]] as const) {
      const asked = g.posted.find((m) => m.type === 'layout');
      assert.ok(asked?.type === 'layout');
      // As a message carries it (no undefined fields).
      assert.deepEqual(asked.root, JSON.parse(JSON.stringify(firstScreen(firstScreenModel(graph, metrics)).tree)), `the request the worker made ahead with ${metrics.font}'s widths`);
      assert.equal(asked.direction, FIRST_DIRECTION);
    }
    // After its first frame, a page whose font is not the table's measures its own, once; the built-in table is this font's already.
    await new Promise((r) => setTimeout(r, 2000));
    const offered = given.posted.filter((m) => m.type === 'textMetrics');
    assert.equal(offered.length, 1);
    assert.ok(offered[0].type === 'textMetrics');
    const own = offered[0].metrics;
    assert.equal(own.font, BUILT_IN_METRICS.font);
    assert.equal(own.normal.length, TABLE_CHARS.length);
    own.normal.forEach((w, i) => assert.ok(Math.abs(w - BUILT_IN_METRICS.normal[i]) <= 0.15 * BUILT_IN_METRICS.normal[i] + 0.5, `'${TABLE_CHARS[i]}': ${w} px here, ${BUILT_IN_METRICS.normal[i]} built in`));
    assert.ok(own.bold[TABLE_CHARS.indexOf('W')] > own.bold[TABLE_CHARS.indexOf('i')]);
    assert.equal(plain.posted.filter((m) => m.type === 'textMetrics').length, 0);
  });
});
