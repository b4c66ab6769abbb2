import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { makeNode } from '../../../../src/core/formats/onnx/build';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { BuiltinOperator } from '../../../../src/core/formats/tflite/writer';
import { ConvertError } from '../../../../src/core/passes/export-tflite/context';
import { ExportInputError, onnxToTflite } from '../../../../src/core/passes/export-tflite/convert';
import type { TypeProto_Tensor } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { FIXTURES } from '../../../helpers/onnx-models';
import { exportAndRun, int64Const, model } from './helpers';

const names = (ops: string[]) => ops.map((o) => BuiltinOperator[Number(o)]);
const TOL = 1e-4;

describe('passes/export-tflite: ONNX -> TFLite, checked in TFLite\'s interpreter against ONNX Runtime', function () {
  this.timeout(60000);

  it('Conv + BatchNormalization + Relu is one CONV_2D (BN folded, Relu fused)', async () => {
    const m = model([
      makeNode('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv'),
      makeNode('BatchNormalization', ['c', 'g', 'beta', 'mean', 'var'], ['bn'], { epsilon: { float: 1e-3 } }, 'bn'),
      makeNode('Relu', ['bn'], ['y'], {}, 'relu'),
    ], [1, 3, 8, 8], {
      w: [[4, 3, 3, 3]], b: [[4]], g: [[4], new Float32Array([1, 2, 0.5, 1.5])], beta: [[4]], mean: [[4]],
      var: [[4], new Float32Array([1, 0.5, 2, 0.25])],
    }, { y: [1, 4, 8, 8] });
    const r = await exportAndRun(m);
    assert.deepEqual(names(r.ops).filter((o) => o !== 'TRANSPOSE'), ['CONV_2D']);
    assert.deepEqual(r.conv.mappings.map((x) => [x.node, x.became.join('+') || x.note]), [
      ['conv', 'TRANSPOSE+CONV_2D'], ['bn', 'fused into the op before it'], ['relu', 'fused into the op before it'], ['(graph outputs)', 'TRANSPOSE'],
    ]);
    assert.ok(r.maxDiff.y < TOL, `max |diff| ${r.maxDiff.y}`);
  });

  it('depthwise (RELU6 fused), grouped, strided and dilated convolutions, explicit padding', async () => {
    const m = model([
      makeNode('Conv', ['x', 'dw'], ['a'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 4 }, 'dw'),
      makeNode('Clip', ['a', 'lo', 'hi'], ['a6'], {}, 'relu6'),
      makeNode('Conv', ['a6', 'gw', 'gb'], ['b'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 2, strides: [2, 2] }, 'grouped'),
      makeNode('Conv', ['b', 'dil'], ['y'], { kernel_shape: [3, 3], pads: [2, 2, 2, 2], dilations: [2, 2] }, 'dilated'),
    ], [1, 4, 10, 10], { dw: [[8, 1, 3, 3]], gw: [[6, 4, 3, 3]], gb: [[6]], dil: [[5, 6, 3, 3]], lo: [[], new Float32Array([0])], hi: [[], new Float32Array([6])] }, { y: [1, 5, 5, 5] });
    const r = await exportAndRun(m);
    const ops = names(r.ops);
    assert.ok(ops.includes('DEPTHWISE_CONV_2D') && ops.includes('SPLIT') && ops.includes('CONCATENATION') && ops.includes('PAD'), ops.join(' '));
    assert.equal(r.conv.mappings.find((x) => x.node === 'relu6')?.note, 'fused into the op before it');
    assert.ok(r.maxDiff.y < TOL, `max |diff| ${r.maxDiff.y}`);
  });

  it('ConvTranspose (SAME and VALID), pooling, global average, resize', async () => {
    const m = model([
      makeNode('ConvTranspose', ['x', 'tw', 'tb'], ['up'], { kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] }, 'up'),
      makeNode('MaxPool', ['up'], ['mp'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool'),
      makeNode('AveragePool', ['mp'], ['ap'], { kernel_shape: [2, 2], strides: [2, 2] }, 'avgpool'),
      makeNode('Resize', ['ap', '', 'scales'], ['rs'], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 'nearest'),
      makeNode('Resize', ['rs', '', 'scales'], ['rl'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, 'bilinear'),
      makeNode('ConvTranspose', ['rl', 'vw'], ['v'], { kernel_shape: [2, 2], strides: [2, 2] }, 'valid'),
      makeNode('GlobalAveragePool', ['v'], ['y'], {}, 'gap'),
    ], [1, 3, 6, 6], { tw: [[3, 4, 4, 4]], tb: [[4]], vw: [[4, 2, 2, 2]], scales: [[4], new Float32Array([1, 1, 2, 2])] }, { y: [1, 2, 1, 1] });
    const r = await exportAndRun(m);
    const ops = names(r.ops);
    for (const op of ['TRANSPOSE_CONV', 'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'RESIZE_NEAREST_NEIGHBOR', 'RESIZE_BILINEAR', 'MEAN']) assert.ok(ops.includes(op), `${op} in ${ops.join(' ')}`);
    assert.ok(r.maxDiff.y < TOL, `max |diff| ${r.maxDiff.y}`);
  });

  it('elementwise ops broadcast NCHW constants against NHWC data; Div by a constant becomes MUL; Transpose is only a layout', async () => {
    const m = model([
      makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }, 'conv'),
      makeNode('Add', ['c', 'bias'], ['a'], {}, 'add'),
      makeNode('Mul', ['a', 'scale'], ['mu'], {}, 'mul'),
      makeNode('Div', ['mu', 'two'], ['d'], {}, 'div'),
      makeNode('Sigmoid', ['d'], ['s'], {}, 'sigmoid'),
      makeNode('Sub', ['s', 'd'], ['sb'], {}, 'sub'),
      makeNode('LeakyRelu', ['sb'], ['lr'], { alpha: { float: 0.2 } }, 'leaky'),
      makeNode('HardSwish', ['lr'], ['hs'], {}, 'hardswish'),
      makeNode('Tanh', ['hs'], ['t'], {}, 'tanh'),
      makeNode('Clip', ['t', 'm2', 'p3'], ['cl'], {}, 'clip'),
      makeNode('Transpose', ['cl'], ['tr'], { perm: [0, 2, 3, 1] }, 'transpose'),
      makeNode('Relu', ['tr'], ['y'], {}, 'relu'),
    ], [1, 3, 4, 5], {
      w: [[6, 3, 1, 1]], bias: [[6, 1, 1]], scale: [[1, 6, 1, 1]], two: [[], new Float32Array([2])],
      m2: [[], new Float32Array([-0.3])], p3: [[], new Float32Array([0.4])],
    }, { y: [1, 4, 5, 6] });
    const r = await exportAndRun(m);
    const ops = names(r.ops);
    assert.ok(!ops.includes('DIV'), ops.join(' '));
    // The ONNX Transpose to NHWC is exactly the stored layout: no TRANSPOSE anywhere after the input's.
    assert.equal(ops.filter((o) => o === 'TRANSPOSE').length, 1, ops.join(' '));
    assert.equal(r.conv.transposes.atOutputs, 0);
    assert.ok(r.maxDiff.y < TOL, `max |diff| ${r.maxDiff.y}`);
  });

  it('Flatten of NHWC data into Gemm needs no TRANSPOSE: the dense weights are reordered once', async () => {
    const m = model([
      makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }, 'conv'),
      makeNode('Flatten', ['c'], ['f'], { axis: 1 }, 'flatten'),
      makeNode('Gemm', ['f', 'fc', 'fb'], ['y'], { transB: 1 }, 'fc'),
    ], [1, 2, 6, 6], { w: [[3, 2, 3, 3]], fc: [[7, 48]], fb: [[7]] }, { y: [1, 7] });
    const r = await exportAndRun(m, { nhwcIo: true });
    assert.deepEqual(names(r.ops), ['CONV_2D', 'RESHAPE', 'FULLY_CONNECTED']);
    assert.deepEqual(r.conv.transposes, { atInputs: 0, atOutputs: 0, inside: 0 });
    assert.ok(r.maxDiff.y < TOL, `max |diff| ${r.maxDiff.y}`);
  });

  it('Concat, Split, Slice, Pad (reflect), ReduceMean, Squeeze/Unsqueeze on NHWC data', async () => {
    const m = model([
      makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }, 'conv'),
      makeNode('Concat', ['c', 'x'], ['cat'], { axis: 1 }, 'concat'),
      makeNode('Split', ['cat', 'sizes'], ['s1', 's2'], { axis: 1 }, 'split'),
      makeNode('Slice', ['s1', 'starts', 'ends', 'axes'], ['sl'], {}, 'slice'),
      makeNode('Pad', ['sl', 'pads'], ['p'], { mode: 'reflect' }, 'pad'),
      makeNode('ReduceMean', ['p'], ['rm'], { axes: [2], keepdims: 1 }, 'reducemean'),
      makeNode('Squeeze', ['rm', 'sq'], ['y'], {}, 'squeeze'),
      makeNode('Unsqueeze', ['s2', 'sq'], ['y2'], {}, 'unsqueeze'),
    ], [1, 2, 5, 6], { w: [[4, 2, 1, 1]] }, { y: [1, 3, 6], y2: [1, 3, 1, 5, 6] });
    m.graph.proto.initializer.push(int64Const('sizes', [3, 3]), int64Const('starts', [0, 1]), int64Const('ends', [3, 5]), int64Const('axes', [1, 3]),
      int64Const('pads', [0, 0, 1, 1, 0, 0, 1, 1]), int64Const('sq', [2]));
    m.graph.invalidate();
    const r = await exportAndRun(m);
    const ops = names(r.ops);
    for (const op of ['CONCATENATION', 'SPLIT_V', 'STRIDED_SLICE', 'MIRROR_PAD', 'MEAN', 'RESHAPE']) assert.ok(ops.includes(op), `${op} in ${ops.join(' ')}`);
    assert.ok(r.maxDiff.y < TOL && r.maxDiff.y2 < TOL, JSON.stringify(r.maxDiff));
  });

  it('a transformer block: LayerNormalization, MatMul (FULLY_CONNECTED and BATCH_MATMUL), Softmax, exact GELU from its Erf pattern', async () => {
    const m = model([
      makeNode('LayerNormalization', ['x', 'ln_g', 'ln_b'], ['ln'], { axis: -1 }, 'ln'),
      makeNode('MatMul', ['ln', 'wq'], ['q'], {}, 'q'),
      makeNode('MatMul', ['ln', 'wk'], ['k'], {}, 'k'),
      makeNode('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }, 'kt'),
      makeNode('MatMul', ['q', 'kt'], ['att'], {}, 'scores'),
      makeNode('Softmax', ['att'], ['p'], { axis: -1 }, 'softmax'),
      makeNode('MatMul', ['p', 'ln'], ['ctx'], {}, 'context'),
      makeNode('Div', ['ctx', 'sqrt2'], ['g1'], {}, 'gelu_div'),
      makeNode('Erf', ['g1'], ['g2'], {}, 'gelu_erf'),
      makeNode('Add', ['g2', 'one'], ['g3'], {}, 'gelu_add'),
      makeNode('Mul', ['ctx', 'g3'], ['g4'], {}, 'gelu_mul'),
      makeNode('Mul', ['g4', 'half'], ['y'], {}, 'gelu_half'),
    ], [1, 6, 8], {
      ln_g: [[8]], ln_b: [[8]], wq: [[8, 8]], wk: [[8, 8]],
      sqrt2: [[], new Float32Array([Math.SQRT2])], one: [[], new Float32Array([1])], half: [[], new Float32Array([0.5])],
    }, { y: [1, 6, 8] });
    const r = await exportAndRun(m);
    const ops = names(r.ops);
    for (const op of ['MEAN', 'RSQRT', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'SOFTMAX', 'GELU']) assert.ok(ops.includes(op), `${op} in ${ops.join(' ')}`);
    assert.ok(!ops.includes('TRANSPOSE') || ops.filter((o) => o === 'TRANSPOSE').length === 1, ops.join(' '));
    assert.ok(r.maxDiff.y < TOL, `max |diff| ${r.maxDiff.y}`);
  });

  it('attention heads merged as PyTorch exports it: Transpose(1,0,2) then Reshape to 2-D into Gemm reads the heads in ONNX order', async () => {
    // nn.MultiheadAttention: context [heads*N, L, d] -> Transpose(1,0,2) -> [L, heads*N, d] -> Reshape [L*N, E] -> out_proj.
    // The stored data keeps the heads axis first, so it cannot be flattened as stored into the dense layer.
    const m = model([
      makeNode('Transpose', ['x'], ['t'], { perm: [1, 0, 2] }, 'merge_heads'),
      makeNode('Reshape', ['t', 'shape'], ['r'], {}, 'flatten_heads'),
      makeNode('Gemm', ['r', 'w', 'b'], ['y'], { transB: 1 }, 'out_proj'),
    ], [4, 6, 3], { w: [[5, 12]], b: [[5]] }, { y: [6, 5] });
    m.graph.proto.initializer.push(int64Const('shape', [6, 12]));
    m.graph.invalidate();
    const r = await exportAndRun(m);
    assert.ok(r.maxDiff.y < TOL, `max |diff| ${r.maxDiff.y}`);
  });

  it('the Fashion-MNIST transformer (two PyTorch encoder layers) agrees with ONNX Runtime', async () => {
    const r = await exportAndRun(loadModel(path.join(FIXTURES, 'fmnist_vit.onnx')), { dims: { N: 1 } });
    assert.ok(r.maxDiff.output < TOL, `max |diff| ${r.maxDiff.output}`);
  });

  it('a PyTorch CNN has no TRANSPOSE between its convolutions: one layout change at the input, none with --nhwc-io', () => {
    for (const f of ['fmnist_cnn.onnx', 'fmnist_mobilenet.onnx']) {
      const m = loadModel(path.join(FIXTURES, f));
      const plain = onnxToTflite(m, { dims: { N: 1 } });
      assert.equal(plain.transposes.inside, 0, f);
      assert.ok(plain.transposes.atInputs + plain.transposes.atOutputs <= 2, f);
      const nhwc = onnxToTflite(m, { dims: { N: 1 }, nhwcIo: true });
      assert.equal(nhwc.graph.ops.filter((o) => o.op === BuiltinOperator.TRANSPOSE).length, 0, f);
      assert.deepEqual(nhwc.inputs[0].tfliteShape, [1, 28, 28, 1]);
    }
  });

  it('stops at the first node with no TFLite builtin, naming it, its op and why', () => {
    const m = model([makeNode('Relu', ['x'], ['r'], {}, 'relu'), makeNode('Einsum', ['r', 'r'], ['y'], { equation: 'ij,ij->ij' }, 'my_einsum')], [2, 3], {}, { y: [2, 3] });
    assert.throws(() => onnxToTflite(m), (e: unknown) => e instanceof ConvertError && e.node === 'my_einsum' && e.opType === 'Einsum' && /no TFLite builtin/.test(e.message));
    const erf = model([makeNode('Erf', ['x'], ['y'], {}, 'lonely_erf')], [2, 3], {}, { y: [2, 3] });
    assert.throws(() => onnxToTflite(erf), /node 'lonely_erf' \(Erf\): Erf has no TFLite builtin/);
  });

  it('dynamic dimensions need --dim; unknown --dim names are refused', () => {
    const m = loadModel(path.join(FIXTURES, 'fmnist_cnn.onnx'));
    assert.throws(() => onnxToTflite(m), (e: unknown) => e instanceof ExportInputError && /dynamic dimension 'N'.*--dim N=N/.test(e.message));
    assert.throws(() => onnxToTflite(m, { dims: { N: 1, batch: 2 } }), /--dim batch: no input has a dimension of that name/);
  });

  it('a dimension named like an Object property is still a name: asked for, then pinned', () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const m = loadModel(path.join(FIXTURES, 'fmnist_cnn.onnx'));
      for (const d of (m.graph.proto.input[0].type!.value.value as TypeProto_Tensor).shape!.dim) if (d.value.case === 'dimParam') d.value.value = name;
      assert.throws(() => onnxToTflite(m), (e: unknown) => e instanceof ExportInputError && e.message.includes(`dynamic dimension '${name}'`), name);
      // As the worker's JSON and a recipe give it: an own property, '__proto__' included.
      const dims = JSON.parse(`{"${name}": 1}`) as Record<string, number>;
      assert.deepEqual(onnxToTflite(m, { dims }).inputs[0].shape, [1, 1, 28, 28], name);
    }
  });
});
