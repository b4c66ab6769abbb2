import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openModel } from '../../../../src/core/formats/open';
import { decodeTflite, loadTflite } from '../../../../src/core/formats/tflite/model';
import { TfliteReader } from '../../../../src/core/formats/tflite/reader';
import { builtinOperatorName, builtinOptionsName } from '../../../../src/core/formats/tflite/schema';
import { buildModel, type ModelSpec } from './build-model';

// TensorType and BuiltinOperator codes from schema.fbs, written out independently of schema.ts.
const FLOAT32 = 0, INT8 = 9, BOOL = 6;
const ADD = 0, CONV_2D = 3, LESS = 58, WHILE = 119, CUSTOM = 32, GELU = 150, PLACEHOLDER = 127;
// BuiltinOptions union type codes (position in the union + 1).
const CONV2D_OPTIONS = 1, WHILE_OPTIONS = 93;

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

function whileModel(bodyCallsItself = false): ModelSpec {
  return {
    operatorCodes: [
      { deprecated: WHILE, builtin: WHILE },
      { deprecated: LESS, builtin: LESS },
      { deprecated: ADD, builtin: ADD },
      { deprecated: PLACEHOLDER, builtin: GELU }, // codes above 126 live in builtin_code only
      { deprecated: CUSTOM, builtin: CUSTOM, custom: 'MyCustomOp' },
    ],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          { name: 'x', type: FLOAT32, shape: [1, 4], shapeSignature: [-1, 4] },
          { name: 'y', type: FLOAT32, shape: [1, 4] },
        ],
        inputs: [0], outputs: [1],
        operators: [{ opcode: 0, inputs: [0], outputs: [1], options: { type: WHILE_OPTIONS, ints: { 0: 1, 1: 2 } } }],
      },
      {
        name: 'cond',
        tensors: [
          { name: 'x', type: FLOAT32, shape: [1, 4] },
          { name: 'limit', type: FLOAT32, shape: [1], buffer: 2 },
          { name: 'keep_going', type: BOOL, shape: [] },
        ],
        inputs: [0], outputs: [2],
        operators: [{ opcode: 1, inputs: [0, 1], outputs: [2] }],
      },
      {
        name: 'body',
        tensors: [
          { name: 'x', type: FLOAT32, shape: [1, 4] },
          { name: 'step', type: FLOAT32, shape: [4], buffer: 1 },
          { name: 'sum', type: FLOAT32, shape: [1, 4] },
          { name: 'act', type: FLOAT32, shape: [1, 4] },
          { name: '', type: FLOAT32, shape: [1, 4] },
        ],
        inputs: [0], outputs: [4],
        operators: [
          { opcode: 2, inputs: [0, 1], outputs: [2] },
          { opcode: 3, inputs: [2], outputs: [3] },
          // -1: an omitted optional input.
          { opcode: 4, inputs: [3, -1], outputs: [4], ...(bodyCallsItself ? { opcode: 0, options: { type: WHILE_OPTIONS, ints: { 0: 1, 1: 2 } } } : {}) },
        ],
      },
      { name: 'unused', tensors: [], inputs: [], outputs: [], operators: [] },
    ],
    buffers: [{}, { data: f32([0.5, -1, 0, 2]) }, { data: f32([10]) }, { data: new TextEncoder().encode('2.3.0\0\0\0') }],
    metadata: [{ name: 'min_runtime_version', buffer: 3 }],
  };
}

describe('tflite: synthetic models built with the flatbuffers Builder', () => {
  it('schema tables: names by code agree with schema.fbs', () => {
    assert.equal(builtinOperatorName(0), 'ADD');
    assert.equal(builtinOperatorName(CONV_2D), 'CONV_2D');
    assert.equal(builtinOperatorName(126), 'BATCH_MATMUL');
    assert.equal(builtinOperatorName(GELU), 'GELU');
    assert.equal(builtinOperatorName(195), 'STABLEHLO_PAD');
    assert.equal(builtinOperatorName(207), 'COMPLEX');
    assert.equal(builtinOperatorName(208), 'BUILTIN_208');
    assert.equal(builtinOptionsName(CONV2D_OPTIONS), 'Conv2DOptions');
    assert.equal(builtinOptionsName(WHILE_OPTIONS), 'WhileOptions');
    assert.equal(builtinOptionsName(126), 'RightShiftOptions');
  });

  it('WHILE bodies nest under their node; extended and custom codes resolve; -1 inputs are omitted', () => {
    const reader = new TfliteReader(decodeTflite(buildModel(whileModel()), 'while.tflite'));
    const g = reader.viewGraph();
    assert.equal(g.nodes.length, 1);
    const loop = g.nodes[0];
    assert.equal(loop.opType, 'WHILE');
    assert.deepEqual(loop.subgraphs.map((s) => [s.attribute, s.graph.name]), [['cond_subgraph_index', 'cond'], ['body_subgraph_index', 'body']]);
    const body = loop.subgraphs[1].graph;
    assert.deepEqual(body.nodes.map((n) => [n.opType, n.domain]), [['ADD', 'tflite'], ['GELU', 'tflite'], ['MyCustomOp', 'custom']]);
    assert.deepEqual(body.nodes[2].inputs, ['act', '']);
    assert.deepEqual(body.nodes[2].outputs, ['tensor_4']);
    assert.deepEqual(g.inputs[0].shape, ['?', 4]);

    const add = body.nodes[0];
    assert.deepEqual(add.weights.map((w) => [w.name, w.bytes, w.elements]), [['step', 16, 4]]);
    const details = reader.nodeDetails(add.id, [loop.id, 'body_subgraph_index']);
    const stats = details.weights[0].stats!;
    assert.deepEqual([stats.min, stats.max, stats.mean, stats.sparsity], [-1, 2, 0.375, 0.25]);
    assert.throws(() => reader.nodeDetails(add.id), /no node/);

    const s = reader.summary();
    assert.deepEqual({ ...s.ops }, { WHILE: 1 });
    assert.equal(s.nodes, 1);
    assert.equal(s.nodesWithSubgraphs, 1 + 1 + 3);
    assert.equal(s.initializers.count, 0, 'constants of other subgraphs are not the main graph\'s');
    assert.equal(s.metadata.min_runtime_version, '2.3.0');
    assert.match(s.metadata['subgraph:2'], /body: 3 operators, called by an operator/);
    assert.match(s.metadata['subgraph:3'], /unused: 0 operators, not called from the main graph/);
  });

  it('a subgraph that calls itself is expanded once, not forever', () => {
    const reader = new TfliteReader(decodeTflite(buildModel(whileModel(true)), 'recursive.tflite'));
    const body = reader.viewGraph().nodes[0].subgraphs[1].graph;
    const inner = body.nodes[2];
    assert.equal(inner.opType, 'WHILE');
    assert.deepEqual(inner.subgraphs.map((s) => s.graph.name), ['cond']);
  });

  it('a subgraph index outside the model is refused', () => {
    const spec = whileModel();
    spec.subgraphs[0].operators[0].options = { type: WHILE_OPTIONS, ints: { 0: 1, 1: 9 } };
    assert.throws(() => decodeTflite(buildModel(spec), 'w.tflite'), /body_subgraph_index names subgraph 9, but the model has 4/);
  });

  it('CONV_2D: options, per-channel int8 weights dequantized per output channel, MACs', () => {
    // 2 output channels, 1x1 kernel over 3 input channels; channel 0 scale 0.5 zp 0, channel 1 scale 0.25 zp 2.
    const weights = new Int8Array([2, 4, -2, 6, 2, 10]);
    const spec: ModelSpec = {
      operatorCodes: [{ deprecated: CONV_2D, builtin: CONV_2D }],
      subgraphs: [{
        name: 'main',
        tensors: [
          { name: 'in', type: INT8, shape: [1, 5, 5, 3], quant: { scale: [0.1], zeroPoint: [0] } },
          { name: 'w', type: INT8, shape: [2, 1, 1, 3], buffer: 1, quant: { scale: [0.5, 0.25], zeroPoint: [0, 2], axis: 0 } },
          { name: 'model/conv/Conv2D', type: INT8, shape: [1, 5, 5, 2], quant: { scale: [0.2], zeroPoint: [1] } },
        ],
        inputs: [0], outputs: [2],
        operators: [{ opcode: 0, inputs: [0, 1, -1], outputs: [2], options: { type: CONV2D_OPTIONS, ints: { 1: 1, 2: 1 } } }],
      }],
      buffers: [{}, { data: new Uint8Array(weights.buffer) }],
    };
    const reader = new TfliteReader(decodeTflite(buildModel(spec), 'conv.tflite'));
    const node = reader.viewGraph().nodes[0];
    assert.equal(node.id, 'model/conv/Conv2D');
    assert.deepEqual(node.scope, ['model', 'conv']);
    assert.deepEqual(node.attributes.slice(0, 4).map((a) => `${a.name}=${a.value}`), ['padding=SAME', 'stride_w=1', 'stride_h=1', 'fused_activation_function=NONE']);
    assert.deepEqual(node.weights[0].quant, { scale: [0.5, 0.25], zeroPoint: [0, 2], axis: 0 });
    // Dequantized: channel 0 [1, 2, -1], channel 1 [(6-2)/4, 0, 2] = [1, 0, 2].
    const stats = reader.nodeDetails(node.id).weights[0].stats!;
    assert.deepEqual([stats.min, stats.max, stats.mean, stats.sparsity], [-1, 2, 5 / 6, 1 / 6]);
    const s = reader.summary();
    assert.equal(s.macs, 5 * 5 * 2 * 3);
    assert.equal(s.parameters, 6);
    assert.deepEqual(s.bytesByDtype, { int8: 6 });
  });

  describe('buffers stored after the FlatBuffer', () => {
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-ext-')); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function externalModel(offset: bigint, size: number): Uint8Array {
      const spec = whileModel();
      spec.buffers[1] = { external: { offset, size: BigInt(size) } };
      return buildModel(spec);
    }

    it('offset/size ranges after the FlatBuffer are read (and counted as external data)', () => {
      // The offset is a fixed-width field, so the FlatBuffer's length does not depend on its value.
      const probe = externalModel(BigInt(2), 16);
      const offset = Math.ceil(probe.byteLength / 16) * 16;
      const fb = externalModel(BigInt(offset), 16);
      assert.equal(fb.byteLength, probe.byteLength);
      const file = path.join(dir, 'ext.tflite');
      const bytes = new Uint8Array(offset + 16);
      bytes.set(fb);
      bytes.set(f32([4, 3, 2, 1]), offset);
      fs.writeFileSync(file, bytes);

      const reader = openModel(file) as TfliteReader;
      assert.deepEqual(reader.model.buffers[1], { kind: 'external', offset, size: 16 });
      assert.equal(reader.summary().externalData, true);
      const loop = reader.viewGraph().nodes[0];
      const add = loop.subgraphs[1].graph.nodes[0];
      const w = reader.nodeDetails(add.id, [loop.id, 'body_subgraph_index']).weights[0];
      assert.deepEqual([w.bytes, w.stats!.min, w.stats!.max, w.stats!.mean], [16, 1, 4, 2.5]);
    });

    it('offsets beyond 2 GB (64-bit) in a 3 GB sparse file', function () {
      const offset = 3 * 2 ** 30;
      const file = path.join(dir, 'big.tflite');
      const fd = fs.openSync(file, 'w');
      try {
        fs.writeSync(fd, externalModel(BigInt(offset), 16), 0, undefined, 0);
        fs.writeSync(fd, f32([-8, 0, 0, 8]), 0, 16, offset);
      } finally {
        fs.closeSync(fd);
      }
      const used = fs.statSync(file).blocks * 512;
      if (used > 64 << 20) this.skip(); // the temp file system does not keep holes: do not fill the disk
      const model = loadTflite(file);
      assert.equal(model.fileBytes, offset + 16);
      assert.deepEqual(model.buffers[1], { kind: 'external', offset, size: 16 });
      const reader = new TfliteReader(model);
      const loop = reader.viewGraph().nodes[0];
      const add = loop.subgraphs[1].graph.nodes[0];
      const stats = reader.nodeDetails(add.id, [loop.id, 'body_subgraph_index']).weights[0].stats!;
      assert.deepEqual([stats.min, stats.max, stats.sparsity], [-8, 8, 0.5]);
      fs.rmSync(file);
    });
  });
});
