import { strict as assert } from 'node:assert';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { attrInt } from '../../../../src/core/formats/onnx/model';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { tensorArray } from '../../../../src/core/formats/onnx/tensor';
import { ioSignature, PassError } from '../../../../src/core/passes/common';
import { EntropyCalibrator } from '../../../../src/core/passes/calibrate/entropy';
import { MinMaxCalibrator } from '../../../../src/core/passes/calibrate/minmax';
import { quantizeStatic, staticCalibrationTensors } from '../../../../src/core/passes/quantize/static';
import { compareModels } from '../../../../src/core/analysis/accuracy';
import { calibrate } from '../../../../src/core/runtime/calibration-run';
import { loadDataset } from '../../../../src/core/runtime/data';
import { loadLabels } from '../../../../src/core/runtime/data-labels';
import { fusedOps } from '../../../../src/core/runtime/fused-ops';
import { buildModel, FIXTURES, onnxCheck, randomFloats, writeTemp } from '../../../helpers/onnx-models';

/** x[1,1,2,2] -> Conv(2 out channels, 1x1, bias) -> Relu -> y */
function convModel(opset = 17, extra: Parameters<typeof makeNode>[] = []) {
  return buildModel(
    [makeNode('Conv', ['x', 'w', 'b'], ['c'], {}, 'conv'), makeNode('Relu', ['c'], ['r'], {}, 'relu'),
      makeNode('Add', ['r', 'r'], ['y'], {}, 'add'), ...extra.map((a) => makeNode(...a))],
    [makeValueInfo('x', 'float32', [1, 1, 2, 2])],
    [makeValueInfo('y', 'float32', [1, 2, 2, 2])],
    [makeTensor('w', 'float32', [2, 1, 1, 1], Float32Array.of(0.5, -1)), makeTensor('b', 'float32', [2], Float32Array.of(0.1, 0.25))],
    opset,
  );
}

const RANGES = { x: { min: -1, max: 1.55 }, r: { min: 0, max: 2.55 } };

describe('static INT8 (QDQ)', () => {
  it('writes hand-computed scales, zero points, int8 weights (axis 0) and int32 bias', async () => {
    const model = convModel();
    const { model: q, report } = quantizeStatic(model, { ranges: RANGES, perChannel: true });
    assert.deepEqual(report.foldedRelus, ['relu']);
    assert.deepEqual(report.quantized.map((n) => n.node), ['conv', 'add']);
    const init = (n: string) => tensorArray(q.graph.initializers().get(n)!);
    const x = report.tensors.find((t) => t.float === 'x')!;
    // [-1, 1.55] uint8: scale 2.55/255 = 0.01, zp = round(0 + 1/0.01) = 100.
    assert.equal(x.scales![0], Math.fround(2.55 / 255));
    assert.equal(x.zeroPoints![0], 100);
    const r = report.tensors.find((t) => t.float === 'r')!;
    assert.equal(r.zeroPoints![0], 0);
    const w = report.tensors.find((t) => t.float === 'w')!;
    assert.equal(w.axis, 0);
    assert.deepEqual([...init(w.quantized)], [127, -127]);
    assert.deepEqual(w.scales, [Math.fround(1 / 254), Math.fround(2 / 254)]);
    const dqW = q.graph.nodes.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === w.quantized)!;
    assert.equal(attrInt(dqW, 'axis', -1), 0);
    const b = report.tensors.find((t) => t.kind === 'bias')!;
    const sIn = Math.fround(2.55 / 255);
    const s0 = Math.fround(sIn * Math.fround(1 / 254));
    const s1 = Math.fround(sIn * Math.fround(2 / 254));
    assert.deepEqual([...init(b.quantized)], [Math.round(0.1 / s0), Math.round(0.25 / s1)]);
    assert.equal(ioSignature(q), ioSignature(model));
    assert.ok(!q.graph.nodes.some((n) => n.opType === 'Relu'));
    const file = writeTemp(q);
    onnxCheck(file);
    const s = await ort.InferenceSession.create(file);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 0, 0.5, 1.5), [1, 1, 2, 2]) });
    const y = out.y.data as Float32Array;
    // Float: 2 * relu(0.5x + 0.1) and 2 * relu(-x + 0.25); quantized within a few steps of 0.01.
    const want = [-1, 0, 0.5, 1.5].flatMap((v) => [0.5 * v + 0.1]).concat([-1, 0, 0.5, 1.5].map((v) => -v + 0.25)).map((v) => 2 * Math.max(0, v));
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(y[i] - want[i]) < 0.05, `y[${i}] = ${y[i]}, want ${want[i]}`);
  });

  it('gives Softmax outputs the fixed 1/256 scale that ORT\'s fused QLinearSoftmax assumes', async () => {
    // Near-uniform attention: softmax over 64 logits close to 0, every probability about 1/64.
    const w1 = randomFloats(64 * 64, 3).map((v) => v * 0.01);
    const w2 = randomFloats(64 * 8, 5);
    const model = buildModel(
      [makeNode('MatMul', ['x', 'w1'], ['m'], {}, 'scores'), makeNode('Softmax', ['m'], ['s'], { axis: -1 }, 'softmax'),
        makeNode('MatMul', ['s', 'w2'], ['y'], {}, 'mix')],
      [makeValueInfo('x', 'float32', [1, 4, 64])], [makeValueInfo('y', 'float32', [1, 4, 8])],
      [makeTensor('w1', 'float32', [64, 64], w1), makeTensor('w2', 'float32', [64, 8], w2)],
    );
    const ranges = { x: { min: -1, max: 1 }, m: { min: -0.1, max: 0.1 }, s: { min: 0, max: 0.0165 }, y: { min: -0.3, max: 0.3 } };
    const { model: q, report } = quantizeStatic(model, { ranges });
    const s = report.tensors.find((t) => t.float === 's')!;
    assert.deepEqual([s.scales![0], s.zeroPoints![0]], [1 / 256, 0]);
    const x = new ort.Tensor('float32', randomFloats(4 * 64, 11), [1, 4, 64]);
    const run = async (m: typeof model) => (await (await ort.InferenceSession.create(writeTemp(m))).run({ x })).y.data as Float32Array;
    const [want, got] = [await run(model), await run(q)];
    let signal = 0, noise = 0;
    for (let i = 0; i < want.length; i++) { signal += want[i] ** 2; noise += (want[i] - got[i]) ** 2; }
    // With the calibrated scale (0.0165/255) the fused kernel returned zeros: SQNR 0 dB.
    assert.ok(10 * Math.log10(signal / noise) > 20, `output SQNR ${10 * Math.log10(signal / noise)} dB`);
  });

  it('folds Clip(0, 6) like Relu, and honours include/exclude lists', () => {
    const clip = buildModel(
      [makeNode('Conv', ['x', 'w'], ['c'], {}, 'conv'), makeNode('Clip', ['c', 'lo', 'hi'], ['r'], {}, 'relu6'), makeNode('Add', ['r', 'r'], ['y'], {}, 'add')],
      [makeValueInfo('x', 'float32', [1, 1, 2, 2])], [makeValueInfo('y', 'float32', [1, 2, 2, 2])],
      [makeTensor('w', 'float32', [2, 1, 1, 1], Float32Array.of(0.5, -1)), makeTensor('lo', 'float32', [], Float32Array.of(0)), makeTensor('hi', 'float32', [], Float32Array.of(6))],
    );
    const folded = quantizeStatic(clip, { ranges: RANGES });
    assert.deepEqual(folded.report.foldedRelus, ['relu6']);
    onnxCheck(writeTemp(folded.model));
    const onlyConv = quantizeStatic(convModel(), { ranges: RANGES, includeOps: ['Conv'] });
    assert.deepEqual(onlyConv.report.quantized.map((n) => n.node), ['conv']);
    const noConv = quantizeStatic(convModel(), { ranges: { ...RANGES, c: { min: -1, max: 2 } }, excludeNodes: ['conv'] });
    assert.ok(noConv.report.skipped.some((n) => n.node === 'conv' && n.reason === 'excluded by name'));
    assert.ok(noConv.model.graph.nodes.some((n) => n.opType === 'Relu'), 'the Relu of an excluded Conv stays');
  });

  it('keeps Relu with int8 symmetric activations (ARM)', () => {
    const { model: q, report } = quantizeStatic(convModel(), { ranges: { ...RANGES, c: { min: -1, max: 2 } }, activationType: 'int8' });
    assert.deepEqual(report.foldedRelus, []);
    assert.ok(q.graph.nodes.some((n) => n.opType === 'Relu'));
    assert.ok(report.tensors.filter((t) => t.kind === 'activation').every((t) => t.zeroPoints![0] === 0 && t.dtype === 'int8'));
    onnxCheck(writeTemp(q));
  });

  it('upgrades opset 11 to 13 when safe, refuses when an op changed meaning', () => {
    const up = quantizeStatic(convModel(11), { ranges: RANGES, perChannel: true });
    assert.deepEqual(up.report.opset, { from: 11, to: 13 });
    onnxCheck(writeTemp(up.model));
    const bad = convModel(11, [['Softmax', ['y'], ['s'], {}, 'softmax']]);
    assert.throws(() => quantizeStatic(bad, { ranges: RANGES, perChannel: true }), (e: Error) => e instanceof PassError && /Softmax \(its axis semantics changed at opset 13\)/.test(e.message));
    // Per-tensor Q/DQ exists at opset 10+, so the same model quantizes per-tensor at its own opset.
    assert.equal(quantizeStatic(bad, { ranges: RANGES }).report.opset.to, 11);
  });

  it('refuses a model with nothing it can quantize, and skips uncalibrated inputs with a reason', () => {
    const softmaxOnly = buildModel([makeNode('Softmax', ['x'], ['y'], {}, 'sm')], [makeValueInfo('x', 'float32', [1, 4])], [makeValueInfo('y', 'float32', [1, 4])]);
    assert.throws(() => quantizeStatic(softmaxOnly, { ranges: {} }), /nothing to quantize/);
    assert.throws(() => quantizeStatic(convModel(), { ranges: {} }), /nothing to quantize/);
    const partial = quantizeStatic(convModel(), { ranges: { x: RANGES.x } });
    assert.ok(partial.report.skipped.some((s) => s.node === 'add' && /no calibrated range/.test(s.reason)));
  });

  it('Fashion-MNIST CNN: calibrated static INT8 loses at most 1.0 top-1 point, ORT fuses every Conv/Gemm', async function () {
    this.timeout(60000);
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const data = await loadDataset(model, `${FIXTURES}/fmnist_train1k_u8.npy`, { scale: 1 / 255 });
    const labels = loadLabels(`${FIXTURES}/fmnist_train1k_labels.npy`, data.count);
    const tensors = staticCalibrationTensors(model);
    for (const cal of [new MinMaxCalibrator(), new EntropyCalibrator()]) {
      const c = await calibrate(model, tensors, data, cal);
      const { model: q } = quantizeStatic(model, { ranges: c.ranges, perChannel: true });
      const file = writeTemp(q);
      onnxCheck(file);
      const r = await compareModels(model, file, data, labels);
      const drop = (r.accuracyA!.top1 - r.accuracyB!.top1) * 100;
      assert.ok(drop <= 1.0, `${cal.method}: top-1 ${r.accuracyA!.top1} -> ${r.accuracyB!.top1}`);
      assert.ok(r.outputs[0].cosine > 0.999);
      const f = await fusedOps(file);
      assert.equal(f.quantized.QLinearConv, 2);
      assert.equal(f.quantized.QGemm, 2);
    }
  });
});
