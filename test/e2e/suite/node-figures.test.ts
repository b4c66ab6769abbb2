import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NodeFigures } from '../../../src/worker/figures-protocol';
import { closeAllEditors, edgewise, hasUiBridge, openGraph, screenshot, untilInGraphWebview } from './helpers';

describe('per-node memory and MACs overlays', () => {
  afterEach(closeAllEditors);

  it('Show Memory and MACs Overlays colours the graph by live activation bytes, with output bytes and MACs offered too', async () => {
    const api = await edgewise();
    const panel = await openGraph('fmnist_cnn.onnx');
    const f = await vscode.commands.executeCommand<NodeFigures>('edgewise.showNodeFigures', panel.uri);
    assert.ok(f, 'the worker answered');
    // The CNN: a 1x1x28x28 float input; peak while the first Conv's 32x28x28 output exists beside it.
    assert.ok(f.memory.peakBytes > 28 * 28 * 4, String(f.memory.peakBytes));
    assert.equal(f.memory.peakTensors.reduce((s, t) => s + t.bytes, 0), f.memory.peakBytes);
    const macs = Object.values(f.macs ?? {});
    assert.ok(macs.length >= 4 && macs.every((m) => m > 0), JSON.stringify(f.macs));
    assert.deepEqual(panel.overlayIds().filter((id) => ['activation-bytes', 'output-bytes', 'macs'].includes(id)).sort(), ['activation-bytes', 'macs', 'output-bytes']);
    if (hasUiBridge()) {
      const active = await untilInGraphWebview<string>(
        `() => globalThis.edgewise?.activeOverlay === 'activation-bytes' && document.querySelector('.overlay-select')?.selectedOptions[0]?.textContent`);
      assert.equal(active, 'Live activations');
      await screenshot('memory-overlay');
    }
  });
});
