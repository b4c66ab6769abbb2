import { strict as assert } from 'node:assert';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../../../src/core/formats/onnx/build';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { ioSignature, PassError } from '../../../src/core/passes/common';
import { convertFp16 } from '../../../src/core/passes/fp16';
import { compareModels } from '../../../src/core/analysis/accuracy';
import { diagnose } from '../../../src/core/analysis/diagnostics';
import { fp16Clamps } from '../../../src/core/analysis/fp16-clamps';
import { loadDataset } from '../../../src/core/runtime/data';
import { buildModel, FIXTURES, onnxCheck, writeTemp } from '../../helpers/onnx-models';

describe('FP16', () => {
  it('halves the fixture, keeps float32 inputs/outputs, agrees on >= 99.9% of top-1', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const { model: h, report } = convertFp16(model);
    assert.ok(report.weightBytesAfter <= report.weightBytesBefore * 0.51);
    assert.equal(ioSignature(h), ioSignature(model));
    const file = writeTemp(h);
    onnxCheck(file);
    const data = await loadDataset(model, `${FIXTURES}/fmnist_train1k_u8.npy`, { scale: 1 / 255 });
    const r = await compareModels(model, file, data);
    assert.ok(r.outputs[0].top1Agreement >= 0.999, `agreement ${r.outputs[0].top1Agreement}`);
  });

  it('clamps values beyond ±65504 and counts them; blocked ops stay float32 between Casts', async () => {
    const model = buildModel(
      [makeNode('Mul', ['x', 'big'], ['m'], {}, 'mul'), makeNode('Relu', ['m'], ['r'], {}, 'relu'), makeNode('Add', ['r', 'one'], ['y'], {}, 'add')],
      [makeValueInfo('x', 'float32', [3])], [makeValueInfo('y', 'float32', [3])],
      [makeTensor('big', 'float32', [3], Float32Array.of(1e6, -1e5, 2)), makeTensor('one', 'float32', [1], Float32Array.of(1))],
    );
    const { model: h, report } = convertFp16(model, { excludeOps: ['Relu'], blockOps: [] });
    assert.equal(report.clamped, 2);
    assert.equal(report.tensors.find((t) => t.float === 'big')?.clamped, 2);
    // The Problems panel gets one warning on the node that reads the clamped weight.
    const findings = diagnose({ fp16Clamps: fp16Clamps(h, report) });
    assert.deepEqual(findings.map((f) => [f.severity, f.code, f.nodeId, f.value]), [['warning', 'fp16-clamped', 'mul', 2]]);
    assert.deepEqual(report.skipped.map((s) => s.node), ['relu']);
    const relu = h.graph.nodes.find((n) => n.opType === 'Relu')!;
    assert.equal(h.graph.producer(relu.input[0])?.opType, 'Cast');
    assert.equal(h.graph.consumersOf(relu.output[0])[0].opType, 'Cast');
    assert.equal(ioSignature(h), ioSignature(model));
    const file = writeTemp(h);
    onnxCheck(file);
    const s = await ort.InferenceSession.create(file);
    const y = (await s.run({ x: new ort.Tensor('float32', Float32Array.of(0.01, -0.1, 3), [3]) })).y.data as Float32Array;
    // 0.01 * 65504 + 1, relu(-0.1 * -65504) + 1 (clamped weights), 3 * 2 + 1; float16 precision.
    const want = [656.04, 6551.4, 7];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(y[i] - want[i]) <= want[i] * 2e-3, `y[${i}] = ${y[i]}, want ${want[i]}`);
  });

  it('refuses a model with no float tensors', () => {
    const ints = buildModel([makeNode('Add', ['x', 'x'], ['y'])], [makeValueInfo('x', 'int64', [2])], [makeValueInfo('y', 'int64', [2])]);
    assert.throws(() => convertFp16(ints), PassError);
  });
});
