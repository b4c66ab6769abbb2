import { strict as assert } from 'node:assert';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { ioSignature, PassError } from '../../../../src/core/passes/common';
import { quantizeBlocks, quantizeInt4, quantizeInt8Weights } from '../../../../src/core/passes/quantize/weight-only';
import { unpackInt4 } from '../../../../src/core/tensor/quant';
import { buildModel, FIXTURES, onnxCheck, randomFloats, writeTemp } from '../../../helpers/onnx-models';

const K = 48; // not a multiple of the block size: the last block is padded
const N = 3;

function matmulModel() {
  return buildModel(
    [makeNode('MatMul', ['x', 'w'], ['y'], {}, 'mm')],
    [makeValueInfo('x', 'float32', [2, K])], [makeValueInfo('y', 'float32', [2, N])],
    [makeTensor('w', 'float32', [K, N], randomFloats(K * N, 11))],
  );
}

/** Reference: dequantize the blocks by hand and multiply in float64. */
function referenceMatMul(x: Float32Array, bq: ReturnType<typeof quantizeBlocks>, blockSize: number, symmetric: boolean): Float64Array {
  const kBlocks = Math.ceil(K / blockSize);
  const w = new Float64Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < kBlocks; b++) {
      const q = unpackInt4(bq.packed.subarray((n * kBlocks + b) * blockSize / 2, (n * kBlocks + b + 1) * blockSize / 2), blockSize, false);
      const zp = symmetric ? 8 : unpackInt4(bq.zeroPoints!.subarray(n * Math.ceil(kBlocks / 2)), kBlocks, false)[b];
      for (let j = 0; j < blockSize && b * blockSize + j < K; j++) w[(b * blockSize + j) * N + n] = (q[j] - zp) * bq.scales[n * kBlocks + b];
    }
  }
  const y = new Float64Array(2 * N);
  for (let r = 0; r < 2; r++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) y[r * N + n] += x[r * K + k] * w[k * N + n];
  return y;
}

describe('INT4 weight-only (MatMulNBits)', () => {
  it('block-quantizes by hand-checkable rules (symmetric: q + 8, scale = absmax / 7)', () => {
    const w = new Float32Array(16 * 1);
    w[0] = 0.7; w[1] = -0.35; w[2] = 0.05; w[3] = 0.15; // absmax 0.7 -> scale 0.1
    const bq = quantizeBlocks(w, 16, 1, 16, true);
    assert.equal(bq.scales[0], Math.fround(1.4 / 14));
    const q = unpackInt4(bq.packed, 16, false);
    // 0.7/0.1 = 7 -> 15; -3.5 -> -4 (half to even) -> 4; 0.5 -> 0 -> 8; 1.5 -> 2 -> 10.
    assert.deepEqual([...q.subarray(0, 5)], [15, 4, 8, 10, 8]);
    assert.equal(bq.zeroPoints, undefined);
  });

  for (const symmetric of [true, false]) {
    it(`runs in ORT and matches the hand dequantized product (${symmetric ? 'symmetric' : 'asymmetric'})`, async () => {
      const model = matmulModel();
      const { model: q, report } = quantizeInt4(model, { blockSize: 16, symmetric, accuracyLevel: 0 });
      assert.equal(report.quantized.length, 1);
      assert.equal(ioSignature(q), ioSignature(model));
      const file = writeTemp(q);
      onnxCheck(file);
      const s = await ort.InferenceSession.create(file);
      const x = randomFloats(2 * K, 5);
      const y = (await s.run({ x: new ort.Tensor('float32', x, [2, K]) })).y.data as Float32Array;
      const bq = quantizeBlocks(randomFloats(K * N, 11), K, N, 16, symmetric);
      const ref = referenceMatMul(x, bq, 16, symmetric);
      for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(y[i] - ref[i]) < 1e-4, `y[${i}] ${y[i]} vs ${ref[i]}`);
    });
  }

  it('rejects a block size that is not a power of two >= 16', () => {
    assert.throws(() => quantizeInt4(matmulModel(), { blockSize: 24 }), PassError);
    assert.throws(() => quantizeInt4(matmulModel(), { blockSize: 8 }), /power of two >= 16/);
  });
});

describe('INT8 weight-only', () => {
  it('int8 weights behind DequantizeLinear, float math, loads in ORT, keeps outputs close', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const { model: q, report } = quantizeInt8Weights(model);
    assert.equal(report.quantized.length, 4);
    assert.ok(report.weightBytesAfter < report.weightBytesBefore * 0.3);
    assert.equal(ioSignature(q), ioSignature(model));
    const file = writeTemp(q);
    onnxCheck(file);
    await ort.InferenceSession.create(file);
  });

  it('refuses a model without float weights', () => {
    const noWeights = buildModel([makeNode('Relu', ['x'], ['y'])], [makeValueInfo('x', 'float32', [1])], [makeValueInfo('y', 'float32', [1])]);
    assert.throws(() => quantizeInt8Weights(noWeights), /no MatMul, Gemm or Conv with a constant float32 weight/);
    assert.throws(() => quantizeInt4(noWeights), /no MatMul or Gemm with a constant float32 weight/);
  });
});
