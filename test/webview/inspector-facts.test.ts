/**
 * The inspector's memory and source sections in a real browser (headless Chromium, the real
 * bundle), on a model laid out as PyTorch's exporter writes one: groups by module, each node's
 * activation memory beside the measured peak RSS (or that none was measured), and "Go to source"
 * posting the frame for the extension to open.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { OnnxReader } from '../../src/core/formats/onnx/reader';
import { saveModel } from '../../src/core/formats/onnx/io';
import { formatBytes } from '../../src/core/base/units';
import { runNodeDetailsJob } from '../../src/core/jobs/inspect';
import type { WebviewToHost } from '../../webview/messages';
import { tempDir } from '../helpers/onnx-models';
import { HEAD_LINE, torchExportedModel } from '../fixtures/torch-exported';
import { buildWorker } from '../worker/build-worker';
import { launchChromium, openGraph, until, type OpenedGraph } from './graph-page';

interface PageApp {
  model: { hierarchy: { groups: Map<string, { label: string }> } };
  revealNode(id: string): Promise<void>;
}
const app = (): PageApp => (globalThis as unknown as { edgewise: PageApp }).edgewise;

describe('inspector: memory and source of a PyTorch-exported node, in Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let g: OpenedGraph | undefined;
  const dir = tempDir();
  const source = path.join(dir, 'model.py');
  const file = path.join(dir, 'model.onnx');
  const reader = new OnnxReader(torchExportedModel(source));

  before(async () => {
    buildWorker();
    saveModel(reader.model, file);
    browser = await launchChromium();
  });
  afterEach(async () => { await g?.close(); g = undefined; });
  after(async () => { await browser?.close(); });

  /** Selects a node and answers the page's details request as the extension does. */
  async function select(nodeId: string, peakRss?: { bytes: number; how: string }): Promise<string> {
    const asked = (): Extract<WebviewToHost, { type: 'nodeDetails' }> | undefined =>
      g!.posted.filter((m): m is Extract<WebviewToHost, { type: 'nodeDetails' }> => m.type === 'nodeDetails').find((m) => m.nodeId === nodeId);
    await g!.page.evaluate((id) => (globalThis as unknown as { edgewise: PageApp }).edgewise.revealNode(id), nodeId);
    for (let i = 0; i < 100 && !asked(); i++) await new Promise((r) => setTimeout(r, 50));
    const request = asked();
    assert.ok(request, `the page asked for ${nodeId}'s details`);
    g!.post({ type: 'nodeDetails', requestId: request.requestId, details: await runNodeDetailsJob(file, nodeId, request.graphPath, () => reader), peakRss });
    return until(g!.page, () => document.querySelector('.node-facts')?.textContent);
  }

  it('groups the graph by module and shows a node\'s memory, its module and Go to source', async () => {
    g = await openGraph(browser, { file }, 1000, 760);
    const groups = await g.page.evaluate(() => [...(globalThis as unknown as { edgewise: PageApp }).edgewise.model.hierarchy.groups.entries()].map(([id, v]) => `${id}=${v.label}`).sort());
    assert.deepEqual(groups, ['=', 'encoder/0=0', 'encoder/2=2', 'encoder=encoder', 'head=head']);

    const details = await runNodeDetailsJob(file, 'node_linear_2', [], () => reader);
    const text = await select('node_linear_2');
    const m = details.memory!;
    assert.ok(text.includes(`Output${formatBytes(m.outputBytes)}`), text);
    assert.ok(text.includes(`Live activations${formatBytes(m.liveBytes)}`), text);
    assert.ok(text.includes('Measured peak RSSnot measured: Benchmark Model measures it'), text);
    assert.ok(text.includes('Modulehead (Linear)'), text);
    assert.ok(text.includes(`Go to source (model.py:${HEAD_LINE})`), text);
    assert.ok(text.includes('Symbolic dimensions counted as 1: batch.'), text);
    // Not at the peak: the peak's tensors are listed all the same.
    assert.ok(text.includes(`Tensors at the peak${m.peakTensors.map((t) => `${t.name}${formatBytes(t.bytes)}`).join('')}`), text);
    await g.page.click('.go-to-source');
    const opened = await until(g.page, () => ((globalThis as unknown as { edgewiseOutbox: WebviewToHost[] }).edgewiseOutbox).find((o) => o.type === 'openSource'));
    assert.deepEqual(opened, { type: 'openSource', file: source, line: HEAD_LINE }, 'the user\'s own frame, not torch\'s linear.py');
    // Each frame opens too: the library one as well, if the user asks.
    assert.equal(await g.page.locator('ol.frames li').count(), 2);
    await g.page.locator('ol.frames li a').nth(1).click();
    const library = await until(g.page, () => ((globalThis as unknown as { edgewiseOutbox: WebviewToHost[] }).edgewiseOutbox).filter((o) => o.type === 'openSource')[1]);
    assert.deepEqual(library, { type: 'openSource', file: '/usr/lib/python3/dist-packages/torch/nn/modules/linear.py', line: 125 });
    // The head's MatMul: its MACs (16 x 4 per sample) from the graph itself.
    await select('node_MatMul_4');
    assert.match((await g.page.textContent('.inspector table.kv')) ?? '', /MACs64 \(64\)/);
  });

  it('names the node at the peak with the tensors that make it, beside a measured peak RSS', async () => {
    g = await openGraph(browser, { file }, 1000, 760);
    const peakNode = (await runNodeDetailsJob(file, 'node_relu', [], () => reader)).memory!.peakNode!;
    const text = await select(peakNode, { bytes: 52_428_800, how: 'last benchmark, 1 thread' });
    assert.ok(text.includes(', while this node runs'), text);
    assert.ok(text.includes('Measured peak RSS50 MiB (last benchmark, 1 thread; weights, runtime and buffers too)'), text);
    const tensors = await g.page.$$eval('table.peak-tensors tr', (rows) => rows.map((r) => r.textContent));
    const p = (await runNodeDetailsJob(file, peakNode, [], () => reader)).memory!;
    assert.deepEqual(tensors, p.peakTensors.map((t) => `${t.name}${formatBytes(t.bytes)}`));
  });
});
