// UI checks in the real workbench: what a user does, with a screenshot after each step.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STEP_TIMEOUT_MS, clearNotifications, closeAllEditors, contextMenu, explorerRow, runCommand, settled, shownExplorerRow, waitForExtension } from './workbench.mjs';

/** The graph webview of the active editor (webviews are two nested iframes). */
function graphFrame(page) {
  return page.frameLocator('iframe.webview:visible').frameLocator('#active-frame');
}

/**
 * Polls `fn` (run inside the graph webview, where the app is `globalThis.edgewise`) until it
 * returns a truthy value; `{fatal: message}` fails at once.
 */
async function poll(frame, fn, what, arg) {
  const root = frame.locator('#edgewise-root');
  await root.waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  const end = Date.now() + STEP_TIMEOUT_MS;
  let last;
  while (Date.now() < end) {
    last = await root.evaluate(fn, arg).catch((e) => ({ error: e.message }));
    if (last?.fatal) throw new Error(last.fatal);
    if (last && !last.error) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Polls `fn` in every frame of the page (webviews of several editors) until one returns a value. */
async function pollFrames(page, fn, what) {
  const end = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      const v = await f.evaluate(fn).catch(() => null);
      if (v) return v;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Waits until the graph of `file` (a file name) is drawn; fails at once with the page's error
 * message if one shows. The file check skips a previous editor's webview that is still going away.
 */
async function waitForGraph(frame, file) {
  return poll(frame, (_root, name) => {
    const app = globalThis.edgewise;
    const err = document.querySelector('.message.error:not([hidden])');
    if (err && err.textContent.includes(name)) return { fatal: `the editor shows an error: ${err.textContent}` };
    const m = app?.metrics;
    return app?.file?.endsWith(`/${name}`) && m && m.renderedAt > 0 ? m : null;
  }, `the first render of ${file}`, file);
}

/**
 * Clicks an export button in the graph toolbar and accepts the save dialog (VS Code's own file
 * dialog in the browser) at its default, next to the model; checks the file that arrives.
 */
async function exportView(page, frame, format, ws) {
  const out = path.join(ws, `fmnist_cnn.${format}`);
  fs.rmSync(out, { force: true });
  // Export is one of the less used actions: in the toolbar's More actions menu.
  await frame.locator('vscode-toolbar-button[label="More actions"]').click();
  await frame.locator(`vscode-context-menu-item[label="Export ${format.toUpperCase()}"]`).click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const end = Date.now() + 10_000;
  while (!(await input.inputValue()).endsWith(`fmnist_cnn.${format}`)) {
    if (Date.now() > end) throw new Error(`the save dialog proposes ${await input.inputValue()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await input.press('Enter');
  const until = Date.now() + STEP_TIMEOUT_MS;
  while (!fs.existsSync(out)) {
    if (Date.now() > until) throw new Error(`${out} was not written`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const head = fs.readFileSync(out).subarray(0, 200);
  const ok = format === 'svg' ? /<svg[\s>]/.test(head.toString('utf8')) : head.readUInt32BE(0) === 0x89504e47;
  if (!ok) throw new Error(`${out} is not a ${format.toUpperCase()} file`);
}

export async function runUiChecks(page, url, shots, log, ws) {
  page.setDefaultTimeout(STEP_TIMEOUT_MS); // a loaded CI machine starts the workbench slowly
  const frame = () => graphFrame(page);
  const steps = [
    ['workbench-open', async () => {
      await page.goto(url, { timeout: STEP_TIMEOUT_MS });
      await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
      await waitForExtension(page);
      // The workbench reopens the side bar the suite left showing (the Edgewise view container).
      await runCommand(page, 'View: Show Explorer');
      await explorerRow(page, 'fmnist_cnn.onnx').waitFor({ timeout: STEP_TIMEOUT_MS });
      await closeAllEditors(page); // editors the suite left open are restored with the workspace
    }],
    ['prune-from-explorer', async () => {
      await closeAllEditors(page);
      await contextMenu(page, 'fmnist_cnn.onnx', 'Prune Model...');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Channel pruning' }).first().click();
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Channel pruning' }).waitFor();
      await page.locator('.quick-input-widget input').press('Enter'); // the proposed 0.3
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'No evaluation' }).first().click();
      // The result is a notification; a toast may have hidden already, the notification list keeps it.
      const text = 'fmnist_cnn.pruned.onnx: parameters';
      const toast = page.locator('.notification-toast .notification-list-item', { hasText: text }).first();
      if (!(await toast.waitFor({ timeout: STEP_TIMEOUT_MS }).then(() => true, () => false))) await runCommand(page, 'Notifications: Show Notifications');
      const item = page.locator('.notification-list-item', { hasText: text }).first();
      await item.waitFor({ timeout: 10_000 });
      log(`     ${(await item.locator('.notification-list-item-message').textContent()).trim()}`);
    }],
    ['pruned-graph-shows-channels-kept', async () => {
      const item = page.locator('.notification-list-item', { hasText: 'fmnist_cnn.pruned.onnx: parameters' }).first();
      await item.locator('.monaco-button', { hasText: 'Open Graph' }).first().click();
      const m = await waitForGraph(frame(), 'fmnist_cnn.pruned.onnx');
      if (m.nodes < 10) throw new Error(`only ${m.nodes} nodes in the pruned graph`);
      const kept = await poll(frame(), () => {
        const o = globalThis.edgewise?.overlays?.get('edgewise.prune.channelsKept');
        return o && globalThis.edgewise.activeOverlay === o.id ? o.values : null;
      }, 'the channels-kept overlay');
      log(`     channels kept: ${JSON.stringify(kept)}`);
      await clearNotifications(page);
    }, { keepNotifications: true }], // it opens the graph from the prune step's notification
    ['distill-quickpick-flow-and-chart', async (shot) => {
      // The whole flow a user goes through: Explorer menu, QuickPicks, live chart, then the result.
      await closeAllEditors(page);
      await contextMenu(page, 'fmnist_cnn.pruned.onnx', 'Distill Model...');
      const pick = async (placeHolder, row) => {
        await page.locator(`.quick-input-widget input[placeholder^="${placeHolder}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
        await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().click();
      };
      await pick('Training samples', 'fmnist_test1k_u8.npy');
      await pick('Labels of fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy');
      await pick('Teacher model', 'fmnist_cnn.onnx');
      await pick('Validation samples', 'fmnist_test1k_u8.npy');
      await pick('Labels of fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy');
      const input = page.locator('.quick-input-widget input');
      for (const prompt of ['Epochs', 'Learning rate']) {
        await page.locator('.quick-input-widget', { hasText: prompt }).waitFor({ timeout: STEP_TIMEOUT_MS });
        await input.press('Enter'); // the proposed 1 epoch, learning rate 0.001
      }
      const chart = await pollFrames(page, () => {
        const root = document.querySelector('#train-root');
        if (!root) return null;
        const rows = root.querySelectorAll('#epochs tbody tr').length;
        const canvases = root.querySelectorAll('.chart canvas').length;
        return rows === 1 && canvases >= 2 && !root.querySelector('#result').hidden
          ? { rows, canvases, status: root.querySelector('#status').textContent, result: root.querySelector('#result-text').textContent } : null;
      }, 'the training chart with its finished epoch');
      log(`     ${chart.result}`);
      await shot(); // the step's subject: the chart with its finished epoch
      // "Open Result" on the chart opens the distilled model's graph.
      for (const f of page.frames()) {
        const button = await f.$('#train-root #open').catch(() => null);
        if (button) { await button.click(); break; }
      }
      // The chart stays open beside the graph: look for the graph in every frame.
      const m = await pollFrames(page, () => {
        const app = globalThis.edgewise;
        return app?.file?.endsWith('/fmnist_cnn.pruned.distilled.onnx') && app.metrics?.renderedAt > 0 ? app.metrics : null;
      }, 'the graph of fmnist_cnn.pruned.distilled.onnx');
      if (m.nodes < 10) throw new Error(`only ${m.nodes} nodes in the distilled graph`);
    }],
    ['explorer-context-menu', async () => {
      await (await shownExplorerRow(page, 'fmnist_cnn.onnx')).click({ button: 'right' });
      await page.locator('.monaco-menu .action-item', { hasText: 'Open Model Graph' }).first().waitFor();
      await settled(page.locator('.context-view .monaco-menu').first());
    }],
    ['graph-renders', async () => {
      await page.locator('.monaco-menu .action-item', { hasText: 'Open Model Graph' }).first().click();
      const m = await waitForGraph(frame(), 'fmnist_cnn.onnx');
      if (m.nodes < 10) throw new Error(`only ${m.nodes} nodes in the view graph`);
      log(`     ${m.nodes} nodes, ${m.visibleNodes} drawn, first render ${Math.round(m.renderedAt - m.receivedAt)} ms after the data arrived`);
    }, { keepNotifications: true }], // the previous step's menu stays open for its click
    ['search-selects-node', async () => {
      await waitForGraph(frame(), 'fmnist_cnn.onnx');
      const field = frame().locator('vscode-textfield.search input');
      await field.fill('Conv');
      await field.press('Enter');
      await frame().locator('.search-count', { hasText: /^1 of \d+/ }).waitFor({ timeout: STEP_TIMEOUT_MS });
      await poll(frame(), () => globalThis.edgewise?.selected ?? null, 'a selected node');
    }],
    ['inspector-attributes', async () => {
      const inspector = frame().locator('.inspector');
      await inspector.locator('h2', { hasText: 'Conv' }).waitFor({ timeout: STEP_TIMEOUT_MS });
      await inspector.getByText('kernel_shape').first().waitFor();
      // Weight statistics come from the worker on demand (nodeDetails).
      await inspector.locator('.weights .histogram').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    }],
    ['export-svg', () => exportView(page, frame(), 'svg', ws)],
    ['export-png', () => exportView(page, frame(), 'png', ws)],
    ['benchmark-latency-overlay', async () => {
      // From the palette on the open graph: the overlay lands on the graph, the p50 in the status bar.
      await runCommand(page, 'Edgewise: Benchmark Model');
      const found = await pollFrames(page, () => {
        const app = globalThis.edgewise;
        const o = app?.overlays?.get('latency');
        return app && o && app.activeOverlay === 'latency' ? { nodes: Object.keys(o.values).length, label: o.label } : null;
      }, 'the latency overlay on the graph');
      if (found.nodes < 10) throw new Error(`latency for only ${found.nodes} nodes`);
      await page.locator('.statusbar-item', { hasText: /p50 [\d.]+ ms/ }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
      await pollFrames(page, () => document.querySelector('svg[aria-label="latency histogram"]') && document.querySelectorAll('.layers tr').length > 10 ? true : null, 'the results panel');
      // Side by side, both are narrow: the panel fits its column, the graph's toolbar keeps one row.
      const panelOverflow = await pollFrames(page, () => document.querySelector('svg[aria-label="latency histogram"]')
        ? { px: document.documentElement.scrollWidth - document.documentElement.clientWidth } : null, 'the results panel width');
      if (panelOverflow.px > 0) throw new Error(`the results panel is ${panelOverflow.px}px wider than its column`);
      // Two webviews show now (graph and panel): look in every frame for the graph's toolbar on screen.
      const bar = await pollFrames(page, () => {
        const r = document.querySelector('.toolbar-row');
        return r && r.clientWidth > 0 && globalThis.edgewise?.file?.endsWith('/fmnist_cnn.onnx')
          ? { h: r.getBoundingClientRect().height, clipped: r.scrollWidth - r.clientWidth, w: r.clientWidth } : null;
      }, 'the graph toolbar');
      log(`     graph toolbar beside the panel: ${bar.w}px wide, ${bar.h}px tall, ${bar.clipped}px cut off`);
      if (bar.h > 36 || bar.clipped > 0) throw new Error(`the graph toolbar beside the panel is ${bar.h}px tall (one row is 34), ${bar.clipped}px cut off`);
      log(`     ${found.nodes} nodes coloured by "${found.label}"`);
    }],
    ['large-model-opens', async () => {
      await closeAllEditors(page);
      await (await shownExplorerRow(page, 'deep_1200.onnx')).dblclick();
      const m = await waitForGraph(frame(), 'deep_1200.onnx');
      if (m.nodes !== 1200) throw new Error(`${m.nodes} nodes, expected 1200`);
      log(`     ${m.nodes} nodes, ${m.groups} groups, ${m.visibleNodes} drawn, first render ${Math.round(m.renderedAt - m.receivedAt)} ms after the data arrived`);
    }],
    ...(process.env.EDGEWISE_E2E_LARGE ? [['extra-large-model-opens', async () => {
      // Optional: EDGEWISE_E2E_LARGE=/work/models/transformer_100x64.onnx (not copied into git).
      const name = `large_${path.basename(process.env.EDGEWISE_E2E_LARGE)}`;
      fs.copyFileSync(process.env.EDGEWISE_E2E_LARGE, path.join(ws, name));
      await closeAllEditors(page);
      const t0 = Date.now();
      await explorerRow(page, name).dblclick({ timeout: STEP_TIMEOUT_MS });
      const m = await waitForGraph(frame(), name);
      log(`     ${name}: ${m.nodes} nodes, ${m.groups} groups, ${m.visibleNodes} drawn; ${Date.now() - t0} ms from double-click to first render`);
    }]] : []),
    ['palette-file-picker', async (shot) => {
      // No model editor active: the command lists the workspace's models (folder models too).
      await closeAllEditors(page);
      await runCommand(page, 'Edgewise: Open Model Graph');
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Open a model graph' }).waitFor({ timeout: STEP_TIMEOUT_MS });
      // The list only renders the rows on screen: filter first, then the model's row shows.
      await input.fill('fmnist_cnn.onnx');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'fmnist_cnn.onnx' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
      await settled(page.locator('.quick-input-widget'));
      await shot(); // the step's subject: the picker listing the workspace's models
      await input.press('Enter');
      const m = await waitForGraph(frame(), 'fmnist_cnn.onnx');
      if (m.nodes < 10) throw new Error(`only ${m.nodes} nodes in the view graph`);
    }],
    ['coreml-package-from-palette-and-explorer', async () => {
      // An .mlpackage is a folder: the palette lists it, and its folder's context menu opens it.
      await closeAllEditors(page);
      await runCommand(page, 'Edgewise: Open Model Graph');
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Open a model graph' }).waitFor({ timeout: STEP_TIMEOUT_MS });
      await input.fill('DTLN_AEC_128_Part1.mlpackage');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'DTLN_AEC_128_Part1.mlpackage' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
      await input.press('Enter');
      let m = await waitForGraph(frame(), 'DTLN_AEC_128_Part1.mlpackage');
      if (m.nodes !== 47) throw new Error(`${m.nodes} nodes, expected 47`);
      await closeAllEditors(page);
      const coreml = await shownExplorerRow(page, 'coreml');
      if (!(await explorerRow(page, 'DTLN_AEC_128_Part1.mlpackage').isVisible())) await coreml.click();
      await contextMenu(page, 'DTLN_AEC_128_Part1.mlpackage', 'Open Model Graph');
      m = await waitForGraph(frame(), 'DTLN_AEC_128_Part1.mlpackage');
      if (m.nodes !== 47) throw new Error(`${m.nodes} nodes, expected 47`);
    }],
    ['corrupt-model-error', async () => {
      await closeAllEditors(page);
      await (await shownExplorerRow(page, 'corrupt.onnx')).dblclick();
      await frame().locator('.message.error', { hasText: /corrupt\.onnx: .*truncated or corrupt/ }).waitFor({ timeout: STEP_TIMEOUT_MS });
      // The error alone: no toolbar or inspector of a graph that is not there.
      if (await frame().locator('.toolbar, .side').filter({ visible: true }).count()) throw new Error('the error view shows a toolbar or inspector');
    }],
    ['tflite-context-menu-graph', async () => {
      await closeAllEditors(page);
      await contextMenu(page, 'person_detect.tflite', 'Open Model Graph');
      const m = await waitForGraph(frame(), 'person_detect.tflite');
      if (m.nodes !== 31) throw new Error(`${m.nodes} nodes, expected 31`);
    }],
    ['tflite-inspector-quantization', async () => {
      const field = frame().locator('vscode-textfield.search input');
      await field.fill('DEPTHWISE_CONV_2D');
      await field.press('Enter');
      const inspector = frame().locator('.inspector');
      await inspector.locator('h2', { hasText: 'DEPTHWISE_CONV_2D' }).waitFor({ timeout: STEP_TIMEOUT_MS });
      await inspector.locator('h3', { hasText: 'Quantization' }).waitFor();
      // The filter's per-channel scales come with its statistics from the worker.
      await inspector.locator('.weights td', { hasText: /8 channels on axis 3: scale/ }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
      await inspector.locator('.weights .histogram').first().waitFor();
    }],
    ['tflite-all-models-render', async () => {
      const models = [['hello_world_float.tflite', 3], ['hello_world_int8.tflite', 3], ['micro_speech_quantized.tflite', 4],
        ['keyword_scrambled.tflite', 15], ['trained_lstm.tflite', 4], ['trained_lstm_int8.tflite', 4],
        ['person_detect.tflite', 31], ['dtln_noise_suppression.tflite', 4], ['mobilenet_v2_quantized_1x3x224x224.tflite', 84]];
      const drawn = [];
      for (const [name, nodes] of models) {
        // The 4 MB MobileNetV2 is copied from the shared fixtures beside the clone, when present.
        if (name.startsWith('mobilenet') && !fs.existsSync(path.join(ws, name))) { log(`     ${name}: not in the workspace, skipped`); continue; }
        await closeAllEditors(page);
        await (await shownExplorerRow(page, name)).dblclick();
        const m = await waitForGraph(frame(), name);
        if (m.nodes !== nodes) throw new Error(`${name}: ${m.nodes} nodes, expected ${nodes}`);
        drawn.push(`${name.replace('.tflite', '')} ${m.visibleNodes}`);
      }
      log(`     drawn items: ${drawn.join(', ')}`);
    }],
    ['tflite-corrupt-error', async () => {
      await closeAllEditors(page);
      await (await shownExplorerRow(page, 'corrupt.tflite')).dblclick();
      await frame().locator('.message.error', { hasText: /corrupt\.tflite: operator_codes offset at 52 points to 3132, outside the file/ }).waitFor({ timeout: STEP_TIMEOUT_MS });
    }],
  ];

  let passed = 0;
  let failed = 0;
  // Each step's screenshot is taken after it, or by the step itself (`shot()`) when its subject
  // (a picker, a chart) has gone by the end. Notifications of earlier steps are cleared first.
  for (const [i, [name, run, options]] of steps.entries()) {
    const file = path.join(shots, `${String(i + 1).padStart(2, '0')}-${name}.png`);
    let taken = false;
    const shot = async () => { taken = true; await page.screenshot({ path: file }).catch((e) => log(`no screenshot for ${name}: ${e.message}`)); };
    try {
      if (i > 0 && !options?.keepNotifications) await clearNotifications(page);
      await run(shot);
      passed++;
      log(`ok   ${name}`);
    } catch (e) {
      failed++;
      log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
    }
    if (!taken) await shot();
  }
  return { passed, failed };
}
