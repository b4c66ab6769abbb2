import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { summarizeOnnx } from '../../../../src/core/formats/onnx/summary';
import { onnxViewGraph } from '../../../../src/core/formats/onnx/view';
import {
  GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, SparseTensorProtoSchema, TensorProtoSchema, type GraphProto, type TensorProto,
} from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { externalTensor, writeModelWith } from './models';

/** A tensor with exactly the fields given (dims as bigints), for shapes that disagree with their data. */
function rawTensor(name: string, dims: bigint[], rawBytes: number, dataType = 1): TensorProto {
  return create(TensorProtoSchema, { name, dims, dataType, rawData: new Uint8Array(rawBytes) });
}

describe('formats/onnx/check: what a file claims is checked at load, one rule everywhere', () => {
  let dir: string;
  let file: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-check-')); file = path.join(dir, 'm.onnx'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const refused = (why: RegExp) => assert.throws(() => loadModel(file), (e: Error) => e.message.startsWith(`${file}: `) && why.test(e.message) && !e.message.includes('\n'));

  it('refuses a negative dim, an element count past 2^53, and data shorter or longer than the shape', () => {
    writeModelWith(file, [rawTensor('w', [-4n, 4n], 64)]);
    refused(/initializer 'w' declares dim -4 in \[-4, 4\]; every dim must be >= 0/);
    writeModelWith(file, [rawTensor('w', [2n ** 31n, 2n ** 31n], 16)]);
    refused(/initializer 'w' declares \[2147483648, 2147483648\], 4611686018427388000 elements: more than any file can hold/);
    writeModelWith(file, [rawTensor('w', [8n], 16)]);
    refused(/initializer 'w' \(float32\) holds 16 bytes of data, its shape \[8\] needs 32/);
    writeModelWith(file, [rawTensor('w', [2n], 12)]);
    refused(/initializer 'w' \(float32\) holds 12 bytes of data, its shape \[2\] needs 8/);
    writeModelWith(file, [create(TensorProtoSchema, { name: 'w', dims: [3n], dataType: 1, floatData: [1, 2] })]);
    refused(/initializer 'w' \(float32\) holds 2 values in float_data, its shape \[3\] needs 3/);
    writeModelWith(file, [rawTensor('w', [4n], 0)]);
    refused(/initializer 'w' \(float32\) holds 0 bytes of data, its shape \[4\] needs 16/);
  });

  it('accepts empty dims and a tensor with exactly its data', () => {
    writeModelWith(file, [rawTensor('empty', [0n, 4n], 0), makeTensor('w', 'float32', [2, 2], new Float32Array(4)), create(TensorProtoSchema, { name: 'i', dims: [2n], dataType: 7, int64Data: [1n, 2n] })]);
    const m = loadModel(file);
    // The 1-D int64 tensor is a shape, not a parameter (formats/onnx/parameters.ts).
    assert.equal(summarizeOnnx(m).parameters, 4);
  });

  it('checks Constant values inside subgraphs and names the node', () => {
    const bad = create(TensorProtoSchema, { dims: [5n], dataType: 1, rawData: new Uint8Array(4) });
    const body: GraphProto = create(GraphProtoSchema, { name: 'then', node: [makeNode('Constant', [], ['y'], { value: bad }, 'const_in_then')], output: [makeValueInfo('y', 'float32', [5])] });
    const graph = create(GraphProtoSchema, {
      name: 'g', node: [makeNode('If', ['c'], ['y'], { then_branch: body, else_branch: body }, 'branch')],
      input: [makeValueInfo('c', 'bool', [])], output: [makeValueInfo('y', 'float32', [5])],
    });
    fs.writeFileSync(file, encodeModelProto(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] })));
    refused(/the tensor of node 'const_in_then' attribute 'value' \(float32\) holds 4 bytes of data, its shape \[5\] needs 20/);
  });

  it('refuses external data shorter or longer than the shape needs, or past the end of its file', () => {
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(16));
    writeModelWith(file, [externalTensor('w', [8], 'w.bin', 0, 16)]);
    refused(/tensor 'w' has 16 bytes of external data, its shape needs 32/);
    writeModelWith(file, [externalTensor('w', [2], 'w.bin', 0, 16)]);
    refused(/tensor 'w' has 16 bytes of external data, its shape needs 8/);
    writeModelWith(file, [externalTensor('w', [4], 'w.bin', 8, 16)]);
    refused(/tensor 'w' reads bytes 8\.\.24 of 'w\.bin', which has only 16/);
  });

  describe('sparse initializers', () => {
    function writeSparse(dims: bigint[], values: number[], indices: bigint[], indexDims?: bigint[]): void {
      const sparse = create(SparseTensorProtoSchema, {
        dims,
        values: makeTensor('sw', 'float32', [values.length], new Float32Array(values)),
        indices: makeTensor('sw_idx', 'int64', (indexDims ?? [BigInt(indices.length)]).map(Number), new BigInt64Array(indices)),
      });
      const graph = create(GraphProtoSchema, {
        name: 'g', node: [makeNode('MatMul', ['x', 'sw'], ['y'], {}, 'mm')], sparseInitializer: [sparse],
        input: [makeValueInfo('x', 'float32', [1, 4])], output: [makeValueInfo('y', 'float32', [1, 3])],
      });
      fs.writeFileSync(file, encodeModelProto(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] })));
    }

    it('shows them in inspect and on the node that reads them', () => {
      writeSparse([4n, 3n], [1.5, -2], [1n, 10n]);
      const m = loadModel(file);
      const s = summarizeOnnx(m);
      assert.deepEqual(s.initializers, { count: 1, bytes: 8 + 16, sparse: 1 });
      assert.equal(s.parameters, 12);
      const w = onnxViewGraph(m).nodes[0].weights;
      assert.deepEqual(w.map((x) => [x.name, x.shape, x.elements, x.bytes]), [['sw', [4, 3], 12, 24]]);
    });

    it('refuses indices outside the shape and values that do not match the indices', () => {
      writeSparse([4n, 3n], [1.5, -2], [1n, 12n]);
      refused(/sparse initializer 'sw' index 12 \(entry 1\) is outside the shape \[4, 3\]/);
      writeSparse([4n, 3n], [1.5, -2], [1n, 2n, 3n]);
      refused(/sparse initializer 'sw' indices have shape \[3\]; with 2 values they must be \[2\] or \[2, 2\]/);
      writeSparse([4n, 3n], [1, 2], [0n, 5n, 3n, 0n], [2n, 2n]);
      refused(/index 5 \(entry 1\) is outside the shape \[4, 3\]/);
      writeSparse([-4n, 3n], [1], [0n]);
      refused(/sparse initializer 'sw' declares dim -4/);
    });
  });
});
