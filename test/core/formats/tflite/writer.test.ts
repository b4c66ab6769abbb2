import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BuiltinOperator as GenOperator, BuiltinOptions as GenOptions, FullyConnectedOptions, TensorType as GenTensorType,
} from '../../../../src/core/formats/tflite/fbs/schema_generated';
import { encodeTflite, FlatBufferTooLarge, type TfliteModelSpec } from '../../../../src/core/formats/tflite/writer';
import { TfliteSession } from '../../../../src/core/runtime/tflite';
import { decodeTflite } from '../../../../src/core/formats/tflite/model';
import { builtinOperatorName, builtinOptionsName, tensorTypeName } from '../../../../src/core/formats/tflite/schema';

const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

/** y = relu(x W^T + b): FULLY_CONNECTED with 2 units over 3 inputs, int8 per-channel parameters on the weights' tensor. */
function denseSpec(): TfliteModelSpec {
  return {
    description: 'edgewise writer test',
    operatorCodes: [{ builtin: GenOperator.FULLY_CONNECTED, version: 1 }],
    tensors: [
      { name: 'x', type: GenTensorType.FLOAT32, shape: [1, 3], buffer: 0 },
      { name: 'w', type: GenTensorType.FLOAT32, shape: [2, 3], buffer: 1, quant: { scale: [0.5, 0.25], zeroPoint: [0, 0], axis: 0 } },
      { name: 'b', type: GenTensorType.FLOAT32, shape: [2], buffer: 2 },
      { name: 'y', type: GenTensorType.FLOAT32, shape: [1, 2], buffer: 0 },
    ],
    inputs: [0], outputs: [3],
    operators: [{
      opcode: 0, inputs: [0, 1, 2], outputs: [3],
      options: { type: GenOptions.FullyConnectedOptions, write: (b) => FullyConnectedOptions.createFullyConnectedOptions(b, 1, 0, false, false, 0) },
    }],
    buffers: [new Uint8Array(0), f32([1, 2, 3, -1, -1, -1]), { byteLength: 8, write: (into) => into.set(f32([0.5, 0.25])) }],
    metadata: [{ name: 'min_runtime_version', data: new TextEncoder().encode('1.5.0\0\0\0') }],
    signature: { inputs: [{ name: 'x', tensor: 0 }], outputs: [{ name: 'y', tensor: 3 }] },
  };
}

describe('formats/tflite writer (flatbuffers + code generated from schema.fbs)', () => {
  it('the generated enums agree with the reader\'s own tables of the schema', () => {
    for (let code = 0; code <= 205; code++) {
      if (GenOperator[code] !== undefined) assert.equal(GenOperator[code], builtinOperatorName(code), `operator ${code}`);
    }
    for (let type = 1; type <= 126; type++) assert.equal(GenOptions[type], builtinOptionsName(type), `options ${type}`);
    for (let t = 0; t <= 17; t++) assert.equal(GenTensorType[t].toLowerCase(), tensorTypeName(t), `type ${t}`);
  });

  it('writes a model the project\'s reader reads back field by field, with 16-byte aligned data', () => {
    const bytes = encodeTflite(denseSpec());
    const m = decodeTflite(bytes, 'dense.tflite');
    assert.equal(m.version, 3);
    assert.equal(m.description, 'edgewise writer test');
    assert.deepEqual(m.operatorCodes.map((c) => [c.name, c.version]), [['FULLY_CONNECTED', 1]]);
    const sg = m.subgraphs[0];
    assert.deepEqual(sg.tensors.map((t) => [t.name, t.dtype, t.shape, t.buffer]), [
      ['x', 'float32', [1, 3], 0], ['w', 'float32', [2, 3], 1], ['b', 'float32', [2], 2], ['y', 'float32', [1, 2], 0],
    ]);
    assert.deepEqual(sg.tensors[1].quant, { scale: [0.5, 0.25], zeroPoint: [0, 0], axis: 0 });
    assert.deepEqual([sg.inputs, sg.outputs], [[0], [3]]);
    assert.deepEqual(sg.operators[0].attributes.find((a) => a.name === 'fused_activation_function')?.value, 'RELU');
    for (const [i, want] of [[1, [1, 2, 3, -1, -1, -1]], [2, [0.5, 0.25]]] as const) {
      const b = m.buffers[i];
      assert.equal(b.kind, 'inline');
      if (b.kind !== 'inline') continue;
      assert.equal((b.data.byteOffset - bytes.byteOffset) % 16, 0, `buffer ${i} starts 16-byte aligned in the file`);
      assert.deepEqual(Array.from(new Float32Array(b.data.slice().buffer)), want);
    }
    assert.deepEqual(m.metadata.map((x) => x.name), ['min_runtime_version']);
    assert.deepEqual(m.signatureDefs[0], { key: 'serving_default', subgraph: 0, inputs: [{ name: 'x', tensor: 0 }], outputs: [{ name: 'y', tensor: 3 }] });
  });

  it('TFLite\'s interpreter runs what it writes', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ew-writer-')), 'dense.tflite');
    fs.writeFileSync(file, encodeTflite(denseSpec()));
    const s = await TfliteSession.create(file);
    try {
      const [y] = await s.run([new Float32Array([1, 1, 1])]);
      // relu([1+2+3 + 0.5, -3 + 0.25])
      assert.deepEqual(Array.from(y), [6.5, 0]);
    } finally {
      s.dispose();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('refuses a model over the 2 GB FlatBuffer limit before building anything', () => {
    const spec = denseSpec();
    let written = false;
    spec.buffers[1] = { byteLength: 2 ** 31, write: () => { written = true; } };
    assert.throws(() => encodeTflite(spec), FlatBufferTooLarge);
    assert.equal(written, false);
  });
});
