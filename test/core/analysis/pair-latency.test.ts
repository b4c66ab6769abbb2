import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { Model } from '../../../src/core/formats/onnx/model';
import { nodeIds } from '../../../src/core/formats/onnx/node-id';
import { modelToText } from '../../../src/core/formats/onnx/text';
import { analyzePair } from '../../../src/core/analysis/pair';
import { profilePair, quantToFloatIds } from '../../../src/core/analysis/pair-latency';
import { diagnose } from '../../../src/core/analysis/diagnostics';
import { analysisOverlays, annotateText } from '../../../src/core/analysis/annotations';
import { BenchmarkError } from '../../../src/core/runtime/types';
import { FIXTURES, FMNIST_MODEL, fmnistBatches } from '../../helpers/fmnist';
import { benchChildren, isAlive } from '../../helpers/processes';

const INT8_MODEL = path.join(FIXTURES, 'fmnist_mobilenet.int8.onnx');

describe('analysis/pair-latency (real onnxruntime, a benchmark child per model)', function () {
  this.timeout(60000);
  const float = loadModel(FMNIST_MODEL);
  const int8 = loadModel(INT8_MODEL);
  const floatIds = new Set(nodeIds(float.graph.nodes));

  it('matches the QDQ model\'s layers to the float model\'s nodes', () => {
    const map = quantToFloatIds(float, nodeIds(float.graph.nodes), int8);
    // Every node of the QDQ model but its Q/DQ pairs is a float node (Clips folded into uint8 Q nodes are gone).
    const kept = int8.graph.nodes.filter((n) => n.opType !== 'QuantizeLinear' && n.opType !== 'DequantizeLinear');
    assert.equal(new Set(map.values()).size, kept.length);
    assert.ok(kept.length >= 28, `${kept.length} nodes`);
    for (const [q, f] of map) assert.ok(floatIds.has(f), `${q} -> ${f}`);
  });

  it('profiles both files: consistent per-layer times, gains and shares', async () => {
    const messages: string[] = [];
    const fractions: number[] = [];
    const l = await profilePair(float, int8, { runs: 5, progress: (m, f) => { messages.push(m); if (f !== undefined) fractions.push(f); } });
    assert.equal(l.float.file, FMNIST_MODEL);
    assert.equal(l.quantized.file, INT8_MODEL);
    assert.ok(messages.some((m) => m.startsWith('profiling the float model')) && messages.some((m) => m.startsWith('profiling the quantized model')));
    assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1] - 1e-9)), 'progress only moves forward');
    // The fixture's 22 Convs, its ReduceMean and its Gemm are timed in both models.
    const weighted = float.graph.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm').map((n) => n.name);
    assert.equal(weighted.length, 23);
    for (const name of weighted) assert.ok(l.gains.some((g) => g.layer === name), `${name} timed in both models`);
    for (const g of l.gains) {
      assert.ok(floatIds.has(g.layer), g.layer);
      assert.ok(g.floatUs > 0 && g.int8Us > 0, `${g.layer}: ${g.floatUs} / ${g.int8Us}`);
      assert.equal(g.gainUs, g.floatUs - g.int8Us);
    }
    for (let i = 1; i < l.gains.length; i++) assert.ok(l.gains[i - 1].gainUs >= l.gains[i].gainUs, 'biggest saving first');
    const shareSum = l.shares.reduce((a, s) => a + s.share, 0);
    assert.ok(shareSum > 0.8 && shareSum <= 1 + 1e-9, `shares sum to ${shareSum}`);
    for (const s of l.shares) {
      assert.ok(s.meanUs > 0 && s.share > 0);
      assert.ok(Math.abs(s.share - s.meanUs / (l.float.kernelMs * 1000)) < 1e-12);
    }
    assert.ok(Math.abs(l.float.layersMs - l.shares.reduce((a, s) => a + s.meanUs, 0) / 1000) < 1e-9);
    // Per layer, the float time and its share are the same measurement.
    for (const g of l.gains) assert.equal(l.shares.find((s) => s.nodeId === g.layer)?.meanUs, g.floatUs);
    // Layers hold the kernels ORT kept of the model's own nodes: all but the layout nodes it added.
    assert.ok(l.float.layersMs <= l.float.kernelMs + 1e-9 && l.float.layersMs > 0.8 * l.float.kernelMs, `${l.float.layersMs} of ${l.float.kernelMs}`);
    assert.ok(l.quantized.layersMs <= l.quantized.kernelMs + 1e-9 && l.quantized.layersMs > 0.8 * l.quantized.kernelMs);
    assert.ok(l.float.kernelMs < l.float.runMs, 'kernels take part of a run');
    assert.ok(l.float.p50Ms > 0 && l.quantized.p50Ms > 0);
    assert.deepEqual(benchChildren(), [], 'no child left running');
  });

  it('feeds analyzePair: latency facts, overlays, CodeLens, and findings that fire by threshold', async () => {
    const { batches, labels } = fmnistBatches('tune500', 50, 50);
    // Thresholds every timed layer crosses: each gets a hot-layer finding, and an int8-slower one
    // where INT8 is slower beyond the run-to-run noise, an int8-within-noise one where the gap is noise.
    const r = await analyzePair(float, int8, { batches, labels }, { latency: { runs: 5 }, thresholds: { hotLayerShare: 0, int8SlowerUs: -1e9, minSqnrDb: -1e9 } });
    const l = r.latency!;
    assert.ok(l.gains.length >= 23);
    const codes = (code: string) => r.findings.filter((f) => f.code === code);
    assert.deepEqual(codes('int8-slower').map((f) => f.nodeId).sort(), l.gains.filter((g) => g.verdict === 'slower').map((g) => g.layer).sort());
    assert.deepEqual(codes('int8-within-noise').map((f) => f.nodeId).sort(), l.gains.filter((g) => g.verdict === 'within-noise').map((g) => g.layer).sort());
    assert.deepEqual(codes('hot-layer').map((f) => f.nodeId).sort(), l.shares.map((s) => s.nodeId).sort());
    assert.ok(codes('hot-layer').every((f) => f.severity === 'info') && codes('int8-slower').every((f) => f.severity === 'warning') && codes('int8-within-noise').every((f) => f.severity === 'info'));
    assert.equal(codes('low-sqnr').length, 0);
    // The costliest INT8 layer beyond the noise is the first int8-slower finding.
    const slower = l.gains.filter((g) => g.verdict === 'slower');
    if (slower.length) assert.equal(codes('int8-slower')[0].nodeId, slower[slower.length - 1].layer);
    // Thresholds nothing crosses: no latency findings from the same measurement.
    const none = diagnose({ latencyGains: l.gains, layerShares: l.shares }, { hotLayerShare: 1, int8SlowerUs: 1e9 });
    assert.deepEqual(none, []);
    // The real defaults: findings exactly where INT8 is slower beyond the noise, and where a layer is over 20% of the run.
    const byDefault = diagnose({ latencyGains: l.gains, layerShares: l.shares });
    assert.equal(byDefault.filter((f) => f.code === 'int8-slower').length, slower.length);
    assert.equal(byDefault.filter((f) => f.code === 'hot-layer').length, l.shares.filter((s) => s.share > 0.2).length);

    for (const g of l.gains) {
      const f = r.facts[g.layer];
      assert.equal(f.latencyUs, g.floatUs);
      assert.equal(f.gainUs, g.gainUs);
      assert.ok(f.share! > 0 && f.share! <= 1);
    }
    const overlays = analysisOverlays(r.facts);
    assert.deepEqual(overlays.map((o) => o.id), ['analysis.sqnr', 'analysis.gain', 'analysis.latency']);
    const gain = overlays.find((o) => o.id === 'analysis.gain')!;
    assert.equal(Object.keys(gain.values).length, l.gains.length);

    const text = modelToText(float);
    const a = annotateText(text, r.findings, r.facts);
    // The slowest layer (of layers timed alike, the first in the text) has the first lens, on its line.
    const slowest = l.shares.filter((s) => s.meanUs === l.shares[0].meanUs);
    const first = slowest.reduce((a, b) => (text.nodeLines[b.nodeId] < text.nodeLines[a.nodeId] ? b : a));
    assert.equal(first, slowest[0], 'ties in the shares keep the model\'s order, the text\'s');
    assert.equal(a.lenses[0].nodeId, first.nodeId);
    assert.equal(a.lenses[0].line, text.nodeLines[first.nodeId]);
    assert.match(a.lenses[0].title, /^#1 by time: [\d.]+ µs \(\d+\.\d%\)/);
    assert.match(a.hovers[text.nodeLines[l.gains[0].layer]], /\| latency \| [\d.]+ µs \(\d+\.\d% of the run\) \|\n\| INT8 vs float \| ((saves|costs) [\d.]+ µs|within noise of float \([\d.]+ µs apart\)) \|/);
  });

  it('profiles a model that has no file by writing it to a temp folder, then removes it', async () => {
    const inMemory = new Model(int8.proto);
    const l = await profilePair(float, inMemory, { runs: 3 });
    assert.match(l.quantized.file, /edgewise-pair-latency-.*quantized\.onnx$/);
    assert.ok(l.gains.length >= 23);
    // Its own folder is gone (counting all such folders in the shared tmpdir races with other runs).
    assert.ok(!fs.existsSync(path.dirname(l.quantized.file)));
  });

  it('with useFiles false profiles a pass\'s output itself, not the file it keeps from its input', async () => {
    const built = new Model(int8.proto, { file: float.source.file }); // what forkModel leaves on a pass's output
    const own = await profilePair(float, built, { runs: 3, useFiles: false });
    assert.notEqual(own.quantized.file, float.source.file);
    assert.equal(own.float.file.endsWith('float.onnx'), true);
    // The quantized model's kernels are not the float model's: some layer's time is its QLinear kernel.
    assert.ok(own.gains.some((g) => g.floatUs !== g.int8Us));
    assert.ok(!fs.existsSync(path.dirname(own.quantized.file)));
  });

  it('cancels: the running benchmark child is killed and the call rejects as cancelled', async () => {
    const controller = new AbortController();
    const seen = new Set<number>();
    const p = profilePair(float, int8, {
      runs: 2000,
      signal: controller.signal,
      progress: (m) => {
        for (const pid of benchChildren()) seen.add(pid);
        if (m.includes('timed runs')) controller.abort();
      },
    });
    await assert.rejects(p, (e: unknown) => e instanceof BenchmarkError && e.kind === 'cancelled');
    assert.ok(seen.size >= 1, 'a benchmark child was running');
    for (const pid of seen) assert.ok(!isAlive(pid), `child ${pid} was killed`);
    assert.deepEqual(benchChildren(), []);
  });
});
