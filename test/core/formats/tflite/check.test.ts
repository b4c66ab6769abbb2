import * as assert from 'node:assert/strict';
import { decodeTflite } from '../../../../src/core/formats/tflite/model';
import { buildModel, type TensorSpec } from './build-model';

// TensorType / BuiltinOperator codes from schema.fbs.
const FLOAT32 = 0, INT4 = 17, STRING = 5, ADD = 0;

/** A one-ADD model whose constant operand is `weight`, stored in buffer 1 holding `data`. */
function model(weight: Omit<TensorSpec, 'name' | 'buffer'>, data: Uint8Array): Uint8Array {
  return buildModel({
    operatorCodes: [{ deprecated: ADD, builtin: ADD }],
    subgraphs: [{
      name: 'main',
      tensors: [{ name: 'x', type: FLOAT32, shape: [1, 4] }, { name: 'w', buffer: 1, ...weight }, { name: 'y', type: FLOAT32, shape: [1, 4] }],
      inputs: [0], outputs: [2],
      operators: [{ opcode: 0, inputs: [0, 1], outputs: [2] }],
    }],
    buffers: [{}, { data }],
  });
}

const refused = (bytes: Uint8Array, message: string) =>
  assert.throws(() => decodeTflite(bytes, 'm.tflite'), (e: Error) => e.message === `m.tflite: ${message}`);

describe('formats/tflite check: what a tensor claims against what its buffer holds', () => {
  it('accepts a constant whose buffer is exactly what its shape needs (int4 packs two per byte)', () => {
    assert.equal(decodeTflite(model({ type: FLOAT32, shape: [1, 4] }, new Uint8Array(16)), 'm.tflite').subgraphs[0].tensors.length, 3);
    decodeTflite(model({ type: INT4, shape: [1, 3] }, new Uint8Array(2)), 'm.tflite');
    decodeTflite(model({ type: STRING, shape: [1] }, new Uint8Array(13)), 'm.tflite'); // variable width: not checked
  });

  it('refuses a negative dim, an impossible element count, and data shorter or longer than the shape', () => {
    refused(model({ type: FLOAT32, shape: [1, -4] }, new Uint8Array(16)), "subgraphs[0].tensors[1] 'w' declares dim -4 in its shape [1,-4]; every dim must be >= 0");
    refused(model({ type: FLOAT32, shape: [2147483647, 2147483647, 4] }, new Uint8Array(16)),
      "subgraphs[0].tensors[1] 'w' declares shape [2147483647,2147483647,4], 18446744056529682000 elements: more than any file can hold");
    refused(model({ type: FLOAT32, shape: [1, 4] }, new Uint8Array(12)), "subgraphs[0].tensors[1] 'w' has 12 bytes of data in buffer 1, its shape [1,4] as float32 needs 16");
    refused(model({ type: FLOAT32, shape: [1, 4] }, new Uint8Array(20)), "subgraphs[0].tensors[1] 'w' has 20 bytes of data in buffer 1, its shape [1,4] as float32 needs 16");
  });
});
