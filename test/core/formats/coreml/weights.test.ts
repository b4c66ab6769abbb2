import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreMLReader } from '../../../../src/core/formats/coreml/reader';
import { openModel } from '../../../../src/core/formats/open';
import { makeModels, type Expected } from './helpers';

/** Statistics match numpy's on the real (dequantized) values; float32 sums may differ in the last bits. */
function sameStats(actual: { min: number; max: number; mean: number } | null, e: Expected, what: string): void {
  assert.ok(actual, `${what}: no statistics`);
  assert.ok(Math.abs(actual.min - e.min) < 1e-5, `${what} min ${actual.min} vs ${e.min}`);
  assert.ok(Math.abs(actual.max - e.max) < 1e-5, `${what} max ${actual.max} vs ${e.max}`);
  assert.ok(Math.abs(actual.mean - e.mean) < 1e-5, `${what} mean ${actual.mean} vs ${e.mean}`);
}

describe('coreml: weights in every storage, statistics against numpy', () => {
  let dir: string;
  let expected: ReturnType<typeof makeModels>['expected'];
  before(() => ({ dir, expected } = makeModels()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('neural network: float32, float16, linear 8-bit per channel, palettized 4/2-bit, int8: types, bytes, dequantized values', () => {
    const reader = openModel(path.join(dir, 'quantized.mlmodel'));
    const g = reader.viewGraph();
    for (const n of g.nodes) {
      const w = n.weights[0];
      const e = expected[w.name];
      assert.deepEqual([w.dtype, w.bytes, w.elements, w.shape], [e.dtype, e.bytes, e.elements, [16, 16]], w.name);
      const d = reader.nodeDetails(n.id);
      sameStats(d.weights[0].stats, e, w.name);
      assert.equal(d.weights[0].stats!.histogram.counts.reduce((a, b) => a + b, 0), 256);
    }
    const linear = g.nodes.find((n) => n.id === 'fc_linear8')!.weights[0];
    assert.equal(linear.quant?.scale.length, 16, 'per-channel scale');
    const s = reader.summary();
    assert.deepEqual(s.bytesByDtype, { float32: 1024, float16: 512, 'linear 8-bit': 256, 'palettized 4-bit': 128, 'palettized 2-bit': 64, int8: 256 });
  });

  it('ML Program: blob weights read at their offsets, one blob at a time; compressed storage named in bytes by type', () => {
    const reader = openModel(path.join(dir, 'Blobs.mlpackage')) as CoreMLReader;
    const s = reader.summary();
    assert.equal(s.metadata['package root model'], 'Data/com.apple.CoreML/program.mlmodel', 'found through the manifest');
    assert.deepEqual(s.bytesByDtype, { float16: 8192, float32: 256, 'linear 8-bit': 4096, 'palettized 4-bit': 2048 });
    const g = reader.viewGraph();
    const blob = reader.model.blobs.opened()[0];
    const before = blob.bytesRead;
    const fc0 = g.nodes.find((n) => n.name === 'fc0')!;
    const d = reader.nodeDetails(fc0.id);
    assert.equal(blob.bytesRead - before, 8192, 'read exactly the one blob');
    sameStats(d.weights[0].stats, expected.w_fp16, 'w_fp16');
    for (const [op, weight] of [['deq', 'q_int8'], ['pal', 'lut_idx']]) {
      const n = g.nodes.find((x) => x.name === op)!;
      const w = reader.nodeDetails(n.id).weights[0];
      assert.equal(w.name, weight);
      assert.equal(w.dtype, expected[weight].dtype);
      sameStats(w.stats, expected[weight], weight);
    }
    assert.ok(blob.bytesRead < expected._weightFileBytes, 'never the whole weight file');
  });
});
