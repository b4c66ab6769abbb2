import { strict as assert } from 'node:assert';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { tensorArray } from '../../../../src/core/formats/onnx/tensor';
import { ioSignature } from '../../../../src/core/passes/common';
import { quantizeDynamic } from '../../../../src/core/passes/quantize/dynamic';
import { fusedOps } from '../../../../src/core/runtime/fused-ops';
import { buildModel, FIXTURES, onnxCheck, randomFloats, writeTemp } from '../../../helpers/onnx-models';

function matmulGemmModel() {
  const w1 = Float32Array.of(1, -2, 0.5, 4); // [2, 2]
  const w2 = randomFloats(3 * 2, 3); // Gemm B with transB=1: [N=3, K=2]
  return buildModel(
    [
      makeNode('MatMul', ['x', 'w1'], ['h'], {}, 'mm'),
      makeNode('Gemm', ['h', 'w2', 'b2'], ['y'], { transB: 1 }, 'gemm'),
      makeNode('Conv', ['img', 'k'], ['z'], {}, 'conv'),
    ],
    [makeValueInfo('x', 'float32', ['N', 2]), makeValueInfo('img', 'float32', [1, 1, 3, 3])],
    [makeValueInfo('y', 'float32', ['N', 3]), makeValueInfo('z', 'float32', [1, 1, 3, 3])],
    [makeTensor('w1', 'float32', [2, 2], w1), makeTensor('w2', 'float32', [3, 2], w2), makeTensor('b2', 'float32', [3], Float32Array.of(0.1, -0.2, 0.3)),
      makeTensor('k', 'float32', [1, 1, 1, 1], Float32Array.of(2))],
  );
}

describe('dynamic INT8', () => {
  it('quantizes MatMul/Gemm weights with hand-checkable values, leaves Conv float with the reason', async () => {
    const model = matmulGemmModel();
    const { model: q, report } = quantizeDynamic(model);
    assert.deepEqual(report.quantized.map((n) => n.node), ['mm', 'gemm']);
    assert.equal(report.skipped.length, 1);
    assert.match(report.skipped[0].reason, /ConvInteger/);
    const w1q = report.tensors.find((t) => t.float === 'w1')!;
    assert.equal(w1q.scales![0], Math.fround(8 / 254));
    const qt = q.graph.initializers().get(w1q.quantized)!;
    // 1/(4/127) = 31.75 -> 32; -2 -> -63.5 -> -64 (half to even); 0.5 -> 15.875 -> 16; 4 -> 127.
    assert.deepEqual([...tensorArray(qt)], [32, -64, 16, 127]);
    assert.equal(ioSignature(q), ioSignature(model));
    const file = writeTemp(q);
    onnxCheck(file);
    const float = await ort.InferenceSession.create(writeTemp(model));
    const quant = await ort.InferenceSession.create(file);
    const x = new ort.Tensor('float32', Float32Array.of(0.3, -0.7, 1.2, 0.05), [2, 2]);
    const img = new ort.Tensor('float32', new Float32Array(9).fill(1), [1, 1, 3, 3]);
    const a = (await float.run({ x, img })).y.data as Float32Array;
    const b = (await quant.run({ x, img })).y.data as Float32Array;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 0.05, `y[${i}] ${a[i]} vs ${b[i]}`);
  });

  it('per-channel scales per output column; com.microsoft form runs too', async () => {
    const model = matmulGemmModel();
    const pc = quantizeDynamic(model, { perChannel: true });
    const w1q = pc.report.tensors.find((t) => t.float === 'w1')!;
    assert.deepEqual(w1q.scales, [Math.fround(2 / 254), Math.fround(8 / 254)]);
    const ms = quantizeDynamic(model, { form: 'com.microsoft', excludeNodes: ['gemm'] });
    assert.deepEqual(ms.report.quantized.map((n) => n.node), ['mm']);
    assert.ok(ms.report.skipped.some((s) => s.node === 'gemm' && /excluded/.test(s.reason)));
    assert.equal(ms.model.opsetVersion('com.microsoft'), 1);
    const file = writeTemp(ms.model);
    onnxCheck(file);
    await ort.InferenceSession.create(file);
  });

  it('raises opset 10 to 11 for DynamicQuantizeLinear when safe, refuses when not', () => {
    const old = (extra: ReturnType<typeof makeNode>[]) => buildModel(
      [makeNode('MatMul', ['x', 'w'], ['h'], {}, 'mm'), ...extra],
      [makeValueInfo('x', 'float32', [1, 2])], [makeValueInfo(extra.length ? 'y' : 'h', 'float32', [1, 2])],
      [makeTensor('w', 'float32', [2, 2], Float32Array.of(1, 2, 3, 4))], 10);
    const up = quantizeDynamic(old([]));
    assert.equal(up.model.opsetVersion(''), 11);
    onnxCheck(writeTemp(up.model));
    assert.throws(() => quantizeDynamic(old([makeNode('Clip', ['h'], ['y'], { min: { float: 0 }, max: { float: 6 } })])), /opset 10 is below 11.*Clip/);
    assert.equal(quantizeDynamic(old([makeNode('Clip', ['h'], ['y'], { min: { float: 0 }, max: { float: 6 } })]), { form: 'com.microsoft' }).report.quantized.length, 1);
  });

  it('ORT fuses the MatMulInteger chain into DynamicQuantizeMatMul (fixture CNN)', async () => {
    const { model, report } = quantizeDynamic(loadModel(`${FIXTURES}/fmnist_cnn.onnx`));
    assert.equal(report.quantized.length, 2);
    assert.ok(report.weightBytesAfter < report.weightBytesBefore * 0.35);
    const f = await fusedOps(writeTemp(model));
    assert.equal(f.quantized.DynamicQuantizeMatMul, 2);
  });
});
