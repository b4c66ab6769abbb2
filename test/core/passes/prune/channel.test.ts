import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { makeNode, makeValueInfo, makeTensor } from '../../../../src/core/formats/onnx/build';
import { Model, attrInt } from '../../../../src/core/formats/onnx/model';
import { clone } from '@bufbuild/protobuf';
import { ModelProtoSchema } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { channelPrune } from '../../../../src/core/passes/prune/channel';
import { analyzeChannelGroups } from '../../../../src/core/passes/prune/groups';
import { resolveConstant } from '../../../../src/core/passes/prune/constants';
import { PruneError } from '../../../../src/core/passes/prune/common';
import { valueInfoToTensor } from '../../../../src/core/formats/onnx/view';
import { buildModel, filled, FIXTURES, fmnistTop1, modelBytes, onnxCheckerError, randomFloats, runOnce, weight } from './helpers';

const CNN = path.join(FIXTURES, 'fmnist_cnn.onnx');

/**
 * Conv-BN-Relu, a second Conv added back as a residual, a depthwise Conv on the sum, a 1x1 Conv
 * concatenated with the depthwise output, a Conv on the concat, then pool, flatten and a Gemm.
 * BN has zero mean and bias, so a channel whose weights are zero stays zero all the way down.
 */
function residualModel(): Model {
  const n = (op: string, i: string[], o: string[], a: Record<string, number | number[]> = {}) => makeNode(op, i, o, a, o[0]);
  const nodes = [
    n('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }),
    n('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['bn']),
    n('Relu', ['bn'], ['r1']),
    n('Conv', ['r1', 'w2'], ['c2'], { pads: [1, 1, 1, 1] }),
    n('Add', ['c2', 'r1'], ['sum']),
    n('Relu', ['sum'], ['rs']),
    n('Conv', ['rs', 'wd', 'bd'], ['dw'], { group: 8, pads: [1, 1, 1, 1] }),
    n('Relu', ['dw'], ['rd']),
    n('Conv', ['rd', 'w3'], ['c3']),
    n('Concat', ['rd', 'c3'], ['cat'], { axis: 1 }),
    n('Conv', ['cat', 'w4', 'b4'], ['c4']),
    n('Relu', ['c4'], ['r4']),
    n('Mul', ['r4', 'per_channel'], ['scaled']),
    n('Flatten', ['scaled'], ['flat']),
    n('Gemm', ['flat', 'w5', 'b5'], ['y'], { transB: 1 }),
  ];
  const init = [
    weight('w1', [8, 3, 3, 3], 1), weight('b1', [8], 2, 0),
    weight('bn_s', [8], 3), filled('bn_b', [8], 0), filled('bn_m', [8], 0), filled('bn_v', [8], 1),
    weight('w2', [8, 8, 3, 3], 4), weight('wd', [8, 1, 3, 3], 5), filled('bd', [8], 0),
    weight('w3', [6, 8, 1, 1], 6), weight('w4', [4, 14, 1, 1], 7), filled('b4', [4], 0),
    makeTensor('per_channel', 'float32', [1, 4, 1, 1], Float32Array.from([0.5, 1, 1.5, 2])),
    weight('w5', [5, 4 * 6 * 6], 8), weight('b5', [5], 9),
  ];
  return buildModel(nodes, init, [makeValueInfo('x', 'float32', [1, 3, 6, 6])], [makeValueInfo('y', 'float32', [1, 5])]);
}

function dims(m: Model, name: string): number[] {
  return resolveConstant(m.graph, m.graph.nodes.find((n) => n.output[0] === name)!.input[1])!.dims;
}

/** The original model with the removed channels' source weights and per-channel params zeroed. */
function masked(original: Model, removed: Map<number, number[]>): Model {
  const m = new Model(clone(ModelProtoSchema, original.proto));
  for (const g of analyzeChannelGroups(m.graph)) {
    const drop = removed.get(g.id);
    if (!drop) continue;
    for (const u of g.uses) {
      if (u.kind !== 'param' || u.role === 'consumer') continue;
      const c = resolveConstant(m.graph, u.node.input[u.input])!;
      const w = new Float32Array(m.tensorData(c.tensor) as Float32Array);
      const outer = c.dims.slice(0, u.axis).reduce((a, b) => a * b, 1);
      const inner = c.dims.slice(u.axis + 1).reduce((a, b) => a * b, 1);
      for (let o = 0; o < outer; o++) for (const ch of drop) w.fill(0, (o * c.dims[u.axis] + u.offset + ch) * inner, (o * c.dims[u.axis] + u.offset + ch + 1) * inner);
      c.tensor.rawData = new Uint8Array(w.buffer);
    }
  }
  return m;
}

describe('prune/channel', () => {
  it('prunes the fixture CNN by 30% of its channels: parameters down >= 40%, valid, runs, accuracy reported', async () => {
    const model = loadModel(CNN);
    const { model: pruned, report } = channelPrune(model, { sparsity: 0.3 });
    const ratio = report.paramsAfter / report.paramsBefore;
    assert.ok(ratio <= 0.6, `parameters kept ${ratio}`);
    assert.deepEqual(report.pruned.map((g) => [g.sources[0], g.channels, g.removed]), [['/0/Conv', 32, 9], ['/3/Conv', 64, 19], ['/7/Gemm', 128, 38]]);
    assert.deepEqual(report.left.map((g) => g.reasons[0]), ["reaches the graph output 'output'"]);
    assert.deepEqual(resolveConstant(pruned.graph, '7.weight_pruned')!.dims, [90, 45 * 25], 'Flatten: each Conv channel is a block of 5x5 Gemm inputs');
    assert.equal(onnxCheckerError(modelBytes(pruned)), '');
    const io = (m: Model) => [...m.proto.graph!.input, ...m.proto.graph!.output].map(valueInfoToTensor);
    assert.deepEqual(io(pruned), io(model), 'inputs and outputs unchanged (names, types and shapes)');
    assert.ok(report.sizeAfter!.bytes < report.sizeBefore!.bytes * 0.6);
    const before = await fmnistTop1(model);
    const after = await fmnistTop1(pruned);
    console.log(`      channel 30%: params ${report.paramsBefore} -> ${report.paramsAfter} (${(ratio * 100).toFixed(1)}%), top-1 on 1k ${before.toFixed(3)} -> ${after.toFixed(3)}`);
    assert.ok(after > 0.1, 'still better than chance without fine-tuning');
  });

  it('reports kept channels under layer names that are Object properties', () => {
    const model = residualModel();
    for (const n of model.graph.nodes) {
      if (n.name === 'c3') n.name = '__proto__';
      if (n.name === 'c4') n.name = 'toString';
    }
    const { report } = channelPrune(model, { sparsity: 0.5 });
    assert.ok(Object.hasOwn(report.channelsKept, '__proto__') && Object.hasOwn(report.channelsKept, 'toString'));
    assert.deepEqual({ ...report.channelsKept.__proto__ }, { before: 6, after: 3 });
    assert.deepEqual({ ...report.channelsKept.toString }, { before: 4, after: 2 });
  });

  it('keeps residual, depthwise and concat ties consistent, and matches the masked original exactly', async () => {
    const model = residualModel();
    model.proto.graph!.valueInfo.push(makeValueInfo('r1', 'float32', [1, 8, 6, 6]), makeValueInfo('c1', 'float32', [1, 8, 6, 6]));
    assert.equal(onnxCheckerError(modelBytes(model)), '', 'the hand-built model is valid');
    const { model: pruned, report } = channelPrune(model, { sparsity: 0.5 });
    const tied = report.pruned.find((g) => g.sources.includes('c1'))!;
    assert.deepEqual(tied.sources, ['c1', 'c2'], 'the residual Add ties c1 (through BN and Relu) and c2');
    assert.equal(tied.removed, 4);
    for (const dep of ['bn', 'dw', 'c3', 'c4']) assert.ok(tied.dependents.includes(dep), dep);
    assert.deepEqual(report.pruned.map((g) => g.sources.join('+')), ['c1+c2', 'c3', 'c4']);
    assert.deepEqual(dims(pruned, 'c1'), [4, 3, 3, 3]);
    assert.deepEqual(dims(pruned, 'c2'), [4, 4, 3, 3]);
    assert.deepEqual(dims(pruned, 'dw'), [4, 1, 3, 3]);
    const dw = pruned.graph.nodes.find((n) => n.output[0] === 'dw')!;
    assert.equal(attrInt(dw, 'group', 0), 4, 'depthwise group follows its channels');
    assert.deepEqual({ ...report.channelsKept }, { c1: { before: 8, after: 4 }, c2: { before: 8, after: 4 }, dw: { before: 8, after: 4 }, c3: { before: 6, after: 3 }, c4: { before: 4, after: 2 } });
    assert.deepEqual(dims(pruned, 'c3'), [3, 4, 1, 1]);
    assert.deepEqual(dims(pruned, 'c4'), [2, 4 + 3, 1, 1], 'the concat consumer loses channels of both concat inputs at their offsets');
    assert.deepEqual(dims(pruned, 'y'), [5, 2 * 36]);
    assert.deepEqual(resolveConstant(pruned.graph, pruned.graph.nodes.find((n) => n.output[0] === 'scaled')!.input[1])!.dims, [1, 2, 1, 1]);
    assert.equal(report.clearedValueInfo, 2, 'stale shapes of pruned tensors are dropped');
    assert.equal(pruned.proto.graph!.valueInfo.length, 0);
    assert.equal(onnxCheckerError(modelBytes(pruned)), '');

    const x = randomFloats(3 * 36, 42);
    const removed = new Map(report.pruned.map((g) => [g.id, g.removedChannels]));
    const want = await runOnce(modelBytes(masked(model, removed)), x, [1, 3, 6, 6]);
    const got = await runOnce(modelBytes(pruned), x, [1, 3, 6, 6]);
    assert.deepEqual(got.dims, [1, 5]);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-4, `output ${i}: ${got.data[i]} vs ${want.data[i]}`);
    const full = await runOnce(modelBytes(model), x, [1, 3, 6, 6]);
    assert.ok(full.data.some((v, i) => Math.abs(v - got.data[i]) > 1e-3), 'pruning changed something');
  });

  it('follows a Reshape to [N, K] into MatMul layers (channel -> block of features) and matches the masked original', async () => {
    const n = (op: string, i: string[], o: string[], a: Record<string, number | number[]> = {}) => makeNode(op, i, o, a, o[0]);
    const model = buildModel([
      n('Conv', ['x', 'wc', 'bc'], ['c']),
      n('Relu', ['c'], ['rc']),
      n('Reshape', ['rc', 'shape'], ['flat']),
      n('MatMul', ['flat', 'm1'], ['h']),
      n('Add', ['h', 'bias1'], ['hb']),
      n('Relu', ['hb'], ['hr']),
      n('MatMul', ['hr', 'm2'], ['y']),
    ], [
      weight('wc', [4, 2, 1, 1], 11), filled('bc', [4], 0), makeTensor('shape', 'int64', [2], BigInt64Array.from([1n, 16n])),
      weight('m1', [16, 6], 12), weight('bias1', [6], 13), weight('m2', [6, 3], 14),
    ], [makeValueInfo('x', 'float32', [1, 2, 2, 2])], [makeValueInfo('y', 'float32', [1, 3])]);
    const { model: pruned, report } = channelPrune(model, { sparsity: 0.5 });
    assert.deepEqual(report.pruned.map((g) => [g.sources[0], g.removed]), [['c', 2], ['h', 3]]);
    const m1 = pruned.graph.nodes.find((x) => x.output[0] === 'h')!;
    assert.deepEqual(resolveConstant(pruned.graph, m1.input[1])!.dims, [8, 3], 'two 2x2 channels gone: 8 of 16 rows, 3 of 6 columns');
    const reshape = pruned.graph.nodes.find((x) => x.opType === 'Reshape')!;
    assert.deepEqual(Array.from(pruned.tensorData(resolveConstant(pruned.graph, reshape.input[1])!.tensor) as BigInt64Array), [1n, 8n]);
    assert.equal(onnxCheckerError(modelBytes(pruned)), '');
    const x = randomFloats(8, 5);
    const removed = new Map(report.pruned.map((g) => [g.id, g.removedChannels]));
    const want = await runOnce(modelBytes(masked(model, removed)), x, [1, 2, 2, 2]);
    const got = await runOnce(modelBytes(pruned), x, [1, 2, 2, 2]);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-5, `output ${i}`);
  });

  it('cuts a weight shared by two layers once, and leaves groups touching an excluded node whole', () => {
    const n = (op: string, i: string[], o: string[]) => makeNode(op, i, o, {}, o[0]);
    const model = buildModel([
      n('Conv', ['x', 'w'], ['a']), n('Conv', ['x', 'w'], ['b']), n('Add', ['a', 'b'], ['s']), n('Relu', ['s'], ['r']),
      n('Conv', ['r', 'w2'], ['c']), n('Relu', ['c'], ['rc']), n('Conv', ['rc', 'w3'], ['y']),
    ], [weight('w', [6, 3, 1, 1], 1), weight('w2', [4, 6, 1, 1], 2), weight('w3', [2, 4, 1, 1], 3)],
    [makeValueInfo('x', 'float32', [1, 3, 2, 2])], [makeValueInfo('y', 'float32', [1, 2, 2, 2])]);
    const { model: pruned, report } = channelPrune(model, { sparsity: 0.5, exclude: ['y'] });
    assert.deepEqual(report.pruned.map((g) => g.sources), [['a', 'b']]);
    assert.equal(pruned.proto.graph!.initializer.filter((t) => t.name.startsWith('w_pruned')).length, 1, 'one smaller copy');
    assert.equal(pruned.graph.nodes[0].input[1], pruned.graph.nodes[1].input[1]);
    assert.match(report.left.find((g) => g.sources[0] === 'c')!.reasons.join(), /excluded by request \(y\)/);
    assert.equal(onnxCheckerError(modelBytes(pruned)), '');
  });

  it('leaves a group it cannot prove safe untouched and says why', () => {
    const n = (op: string, i: string[], o: string[], a: Record<string, number | number[]> = {}) => makeNode(op, i, o, a, o[0]);
    const model = buildModel([
      n('Conv', ['x', 'w1'], ['c1']),
      n('LRN', ['c1'], ['lrn'], { size: 3 }),
      n('Conv', ['lrn', 'w2'], ['c2']),
      n('Relu', ['c2'], ['r2']),
      n('Conv', ['r2', 'w3'], ['y']),
    ], [weight('w1', [8, 3, 1, 1], 1), weight('w2', [6, 8, 1, 1], 2), weight('w3', [2, 6, 1, 1], 3)],
    [makeValueInfo('x', 'float32', [1, 3, 4, 4])], [makeValueInfo('y', 'float32', [1, 2, 4, 4])]);
    const before = resolveConstant(model.graph, 'w1')!.tensor.rawData.slice();
    const { model: pruned, report } = channelPrune(model, { sparsity: 0.5 });
    const c1 = report.left.find((g) => g.sources[0] === 'c1')!;
    assert.match(c1.reasons[0], /consumed by LRN 'lrn', an op the analysis does not handle/);
    assert.deepEqual(dims(pruned, 'c1'), [8, 3, 1, 1]);
    assert.deepEqual(resolveConstant(pruned.graph, pruned.graph.nodes[0].input[1])!.tensor.rawData, before);
    assert.deepEqual(dims(pruned, 'c2'), [3, 8, 1, 1]);
    assert.deepEqual(dims(pruned, 'y'), [2, 3, 1, 1]);
    assert.equal(onnxCheckerError(modelBytes(pruned)), '');
  });

  it('names the reason for each kind of group it will not touch', () => {
    const n = (op: string, i: string[], o: string[], a: Record<string, number | number[]> = {}) => makeNode(op, i, o, a, o[0]);
    const x = makeValueInfo('x', 'float32', [1, 3, 4, 4]);
    const cases: [string, ReturnType<typeof makeNode>[], RegExp][] = [
      ['concat with a graph input', [n('Conv', ['x', 'w'], ['c']), n('Concat', ['c', 'x'], ['cat'], { axis: 1 }), n('Conv', ['cat', 'w9'], ['y'])],
        /Concat 'cat' also joins a tensor of unknown channel count/],
      ['shape read', [n('Conv', ['x', 'w'], ['c']), n('Shape', ['c'], ['s']), n('Conv', ['c', 'w6'], ['y'])], /read by Shape 's', a shape-dependent op/],
      ['add with a graph input', [n('Conv', ['x', 'w'], ['c']), n('Add', ['c', 'x'], ['y'])], /Add 'y' combines the channels with 'x', a tensor of unknown shape/],
      ['grouped conv', [n('Conv', ['x', 'w'], ['c']), n('Conv', ['c', 'wg'], ['y'], { group: 2 })], /grouped convolution \(group=2\)/],
    ];
    for (const [what, nodes, reason] of cases) {
      const outputs = [makeValueInfo('y', 'float32', undefined)];
      if (what === 'shape read') outputs.push(makeValueInfo('s', 'int64', [4]));
      const model = buildModel(nodes, [weight('w', [6, 3, 1, 1], 1), weight('w9', [2, 9, 1, 1], 2), weight('w6', [2, 6, 1, 1], 3), weight('wg', [2, 3, 1, 1], 4)], [x], outputs);
      const groups = analyzeChannelGroups(model.graph);
      const c = groups.find((g) => g.sources[0].output[0] === 'c')!;
      assert.ok(c.blockers.some((r) => reason.test(r)), `${what}: ${c.blockers.join('; ')}`);
    }
  });

  it('rejects bad input: nothing prunable, nothing safe, sparsity outside (0, 1)', () => {
    const relu = buildModel([makeNode('Relu', ['x'], ['y'])], [], [makeValueInfo('x', 'float32', [1, 4])], [makeValueInfo('y', 'float32', [1, 4])]);
    assert.throws(() => channelPrune(relu, { sparsity: 0.5 }), /nothing to prune/);
    const single = buildModel([makeNode('Conv', ['x', 'w'], ['y'])], [weight('w', [4, 3, 1, 1], 1)],
      [makeValueInfo('x', 'float32', [1, 3, 2, 2])], [makeValueInfo('y', 'float32', [1, 4, 2, 2])]);
    assert.throws(() => channelPrune(single, { sparsity: 0.5 }), /nothing can be pruned safely .*graph output 'y'/);
    for (const s of [0, 1, 2, -1, NaN]) assert.throws(() => channelPrune(loadModel(CNN), { sparsity: s }), PruneError);
  });
});
