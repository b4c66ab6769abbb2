import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { resolveConstant } from '../../../../src/core/passes/prune/constants';
import { magnitudePrune } from '../../../../src/core/passes/prune/magnitude';
import { PruneError } from '../../../../src/core/passes/prune/common';
import { makeNode, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { buildModel, FIXTURES, modelBytes, onnxCheckerError, fmnistTop1 } from './helpers';

const CNN = path.join(FIXTURES, 'fmnist_cnn.onnx');

function zerosIn(model: ReturnType<typeof loadModel>, tensorName: string): { zeros: number; total: number } {
  const c = resolveConstant(model.graph, tensorName)!;
  const w = model.tensorData(c.tensor) as Float32Array;
  let zeros = 0;
  for (const v of w) if (v === 0) zeros++;
  return { zeros, total: w.length };
}

describe('prune/magnitude', () => {
  it('zeroes at least half of the prunable weights at 50% and the gzip size drops', async () => {
    const model = loadModel(CNN);
    const { model: pruned, report } = magnitudePrune(model, { sparsity: 0.5 });
    // Count zeros in the written weights themselves, not in the report.
    let zeros = 0;
    let total = 0;
    for (const l of report.layers) {
      const z = zerosIn(pruned, l.weight);
      zeros += z.zeros;
      total += z.total;
      assert.equal(z.zeros, l.zerosAfter, `${l.node}: report matches the data`);
    }
    assert.ok(zeros / total >= 0.5, `zero share ${zeros / total}`);
    assert.deepEqual(report.skipped.map((s) => s.node), ['/0/Conv', '/9/Gemm'], 'first and last layers stay dense');
    assert.equal(zerosIn(pruned, '0.weight').zeros, 0);
    assert.ok(report.sizeAfter!.gzipBytes < report.sizeBefore!.gzipBytes * 0.7, `gzip ${report.sizeBefore!.gzipBytes} -> ${report.sizeAfter!.gzipBytes}`);
    assert.match(report.note, /no faster/);
    // The input model is untouched.
    assert.equal(zerosIn(model, '7.weight').zeros, 0);
    assert.equal(onnxCheckerError(modelBytes(pruned)), '');
    const before = await fmnistTop1(model);
    const after = await fmnistTop1(pruned);
    console.log(`      magnitude 50%: top-1 on 1k ${before.toFixed(3)} -> ${after.toFixed(3)}, gzip ${report.sizeBefore!.gzipBytes} -> ${report.sizeAfter!.gzipBytes} bytes`);
  });

  it('per-layer scope gives every pruned layer the target sparsity', () => {
    const { report } = magnitudePrune(loadModel(CNN), { sparsity: 0.3, scope: 'per-layer', measureSizes: false });
    for (const l of report.layers) assert.equal(l.zerosAfter, Math.round(0.3 * l.params), l.node);
  });

  it('leaves excluded nodes dense, and can prune the first and last layers on request', () => {
    const { report } = magnitudePrune(loadModel(CNN), { sparsity: 0.5, exclude: ['/7/Gemm'], skipFirstLast: false, measureSizes: false });
    assert.deepEqual(report.layers.map((l) => l.node), ['/0/Conv', '/3/Conv', '/9/Gemm']);
    assert.equal(report.skipped[0].reason, 'excluded by request');
  });

  it('rejects a sparsity outside (0, 1) and a model with nothing to prune', () => {
    for (const s of [0, 1, -0.2, 1.5, NaN]) assert.throws(() => magnitudePrune(loadModel(CNN), { sparsity: s }), PruneError);
    const plain = buildModel([makeNode('Relu', ['x'], ['y'])], [], [makeValueInfo('x', 'float32', [1, 4])], [makeValueInfo('y', 'float32', [1, 4])]);
    assert.throws(() => magnitudePrune(plain, { sparsity: 0.5 }), /nothing to prune/);
  });
});
