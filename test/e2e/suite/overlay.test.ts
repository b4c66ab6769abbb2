import * as assert from 'node:assert/strict';
import { ViewGraphRequest } from '../../../src/worker/protocol';
import { closeAllEditors, edgewise, hasUiBridge, openGraph, screenshot, untilInGraphWebview } from './helpers';

describe('features reach the graph through GraphPanels', () => {
  before(function () {
    if (!hasUiBridge()) this.skip(); // these look at the webview, which only the Playwright runner can
  });
  afterEach(closeAllEditors);

  it('shows a pushed overlay with its legend, and reveals a node', async () => {
    const api = await edgewise();
    const panel = await openGraph('fmnist_cnn.onnx');
    const graph = await api.worker.request(ViewGraphRequest.type, { file: panel.uri.fsPath });
    await untilInGraphWebview('() => (globalThis.edgewise?.metrics?.renderedAt ?? 0) > 0');
    // Per-node numbers as a later feature (benchmark, accuracy) would push them.
    const values = Object.fromEntries(graph.nodes.map((n, i) => [n.id, (i + 1) * 0.25]));
    assert.equal(api.panels.pushOverlay(panel.uri, { id: 'e2e-latency', label: 'E2E latency', unit: 'ms', values, scale: 'linear' }), 1);
    const active = await untilInGraphWebview<string>(
      `() => globalThis.edgewise?.activeOverlay === 'e2e-latency' && document.querySelector('.overlay-select')?.selectedOptions[0]?.textContent`);
    assert.equal(active, 'E2E latency');
    await screenshot('overlay');

    const gemm = graph.nodes.filter((n) => n.opType === 'Gemm').pop()!;
    await api.panels.reveal(panel.uri, gemm.id);
    const title = await untilInGraphWebview<string>(`() => globalThis.edgewise?.selected && document.querySelector('.inspector h2')?.textContent`);
    assert.match(title, /^Gemm/);
    await screenshot('reveal');

    api.panels.removeOverlay(panel.uri, 'e2e-latency');
    await untilInGraphWebview(`() => !globalThis.edgewise?.overlays.has('e2e-latency')`);
  });
});
