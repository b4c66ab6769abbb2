import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { create } from '@bufbuild/protobuf';
import { decodeModelProto, encodeModelProto, encodeModelProtoChunks } from '../../../../src/core/formats/onnx/codec';
import { forEachTensor } from '../../../../src/core/formats/onnx/packed';
import { makeTensor } from '../../../../src/core/formats/onnx/build';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, TensorProtoSchema } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { hasTestdata, testdataModels } from './testdata';

describe('ONNX codec', () => {
  describe('conformance over libonnx-testdata', function () {
    before(function () {
      if (!hasTestdata()) this.skip();
    });

    it('re-encodes every model byte-identically, with raw_data viewing the file buffer', () => {
      const files = testdataModels();
      assert.equal(files.length, 1072, 'libonnx-testdata ships 1,072 models');
      const differ: string[] = [];
      let rawTensors = 0;
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        const proto = decodeModelProto(bytes, file);
        const again = encodeModelProto(proto);
        if (Buffer.compare(Buffer.from(again.buffer, again.byteOffset, again.byteLength), bytes) !== 0) differ.push(file);
        forEachTensor(proto, (t) => {
          if (t.rawData.length === 0) return;
          rawTensors++;
          assert.equal(t.rawData.buffer, bytes.buffer, `${file}: raw_data of '${t.name}' is a copy, not a view`);
        });
      }
      assert.deepEqual(differ, [], `${differ.length} of ${files.length} models differ after re-encoding`);
      assert.ok(rawTensors >= 100, `expected raw_data initializers in the corpus, saw ${rawTensors}`);
    });

    it('writes the same bytes when every tensor payload is spliced in as its own chunk', () => {
      const differ: string[] = [];
      let spliced = 0;
      for (const file of testdataModels()) {
        const bytes = fs.readFileSync(file);
        const chunks = encodeModelProtoChunks(decodeModelProto(bytes, file), 1);
        if (chunks.length > 1) spliced++;
        if (Buffer.compare(Buffer.concat(chunks), bytes) !== 0) differ.push(file);
      }
      assert.deepEqual(differ, []);
      assert.ok(spliced >= 40, `only ${spliced} models went through the splicing path`);
    });

    it('writes the same bytes when the graph is written node by node into blocks (as large graphs are)', () => {
      const differ: string[] = [];
      let files = 0;
      for (const file of testdataModels()) {
        const bytes = fs.readFileSync(file);
        const proto = decodeModelProto(bytes, file);
        if (!proto.graph?.node.length) continue;
        files++;
        for (const big of [1, 64 * 1024]) {
          const chunks = encodeModelProtoChunks(proto, big, 0);
          if (Buffer.compare(Buffer.concat(chunks), bytes) !== 0) differ.push(`${file} (payloads from ${big} bytes)`);
        }
      }
      assert.deepEqual(differ, []);
      assert.ok(files >= 40, `only ${files} models with nodes in the corpus`);
    });
  });

  describe('packed float_data and double_data', () => {
    const model = (t: ReturnType<typeof create<typeof TensorProtoSchema>>) => create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })],
      graph: create(GraphProtoSchema, { name: 'g', initializer: [t] }),
    });

    it('decodes into typed arrays and re-encodes to the same bytes', () => {
      const floats = [1.5, -2, 0, 3.25e-8, Infinity];
      const doubles = [Math.PI, -1e300];
      const bytes = encodeModelProto(model(create(TensorProtoSchema, { name: 'f', dataType: 1, dims: [5n], floatData: floats, doubleData: doubles })));
      const proto = decodeModelProto(bytes);
      const t = proto.graph!.initializer[0];
      assert.ok(t.floatData instanceof Float32Array);
      assert.deepEqual(Array.from(t.floatData), floats.map(Math.fround));
      assert.ok(t.doubleData instanceof Float64Array);
      assert.deepEqual(Array.from(t.doubleData), doubles);
      assert.equal(t.$unknown, undefined, 'the packed fields must not stay unknown');
      assert.deepEqual(encodeModelProto(proto), bytes);
      // The generic encoder of @bufbuild/protobuf writes the same bytes as the fast path.
      assert.deepEqual(Buffer.from(encodeModelProto(proto)), Buffer.from(encodeGeneric(proto)));
      const chunks = encodeModelProtoChunks(proto, 1);
      assert.ok(chunks.length > 1);
      assert.deepEqual(Buffer.concat(chunks), Buffer.from(bytes));
      assert.ok(t.floatData instanceof Float32Array, 'encoding leaves the typed arrays in place');
    });

    it('views aligned float_data in the file buffer and copies unaligned float_data', () => {
      const seen = new Set<boolean>();
      const payload = Buffer.from(new Float32Array([1, 2, 3]).buffer);
      // dims come before float_data: 2 to 5 bytes of them move its alignment through all four cases.
      for (const dims of [[3n], [300n], [1n, 3n], [1n, 300n]]) {
        const bytes = encodeModelProto(model(create(TensorProtoSchema, { name: 'w', dataType: 1, dims, floatData: [1, 2, 3] })));
        const f = decodeModelProto(bytes).graph!.initializer[0].floatData as Float32Array;
        const aligned = (bytes.byteOffset + Buffer.from(bytes).indexOf(payload)) % 4 === 0;
        assert.equal(f.buffer === bytes.buffer, aligned, `dims ${dims}: a view exactly when aligned`);
        assert.deepEqual(Array.from(f), [1, 2, 3]);
        seen.add(aligned);
      }
      assert.deepEqual([...seen].sort(), [false, true], 'both the view and the copy path ran');
    });

    it('reads unpacked (one tag per value) float_data as well', () => {
      // Field 4, wire type 5 (fixed32), twice: legal protobuf that a non-packing writer emits.
      const tensor = Buffer.concat([
        Buffer.from([0x08, 0x02, 0x10, 0x01]), // dims: 2, data_type: FLOAT
        Buffer.from([0x25]), f32(1.25), Buffer.from([0x25]), f32(-4),
        Buffer.from([0x42, 0x01, 0x77]), // name: 'w'
      ]);
      const graph = Buffer.concat([Buffer.from([0x2a, tensor.length]), tensor]); // initializer = 5
      const modelBytes = Buffer.concat([Buffer.from([0x08, 0x08, 0x3a, graph.length]), graph, Buffer.from([0x42, 0x02, 0x10, 0x11])]);
      const t = decodeModelProto(modelBytes).graph!.initializer[0];
      assert.equal(t.name, 'w');
      assert.deepEqual(Array.from(t.floatData), [1.25, -4]);
    });
  });

  describe('bad bytes', () => {
    it('names the nested field whose length runs past the end of its message', () => {
      const t = makeTensor('w', 'float32', [2], new Float32Array([1, 2]));
      const bytes = encodeModelProto(create(ModelProtoSchema, {
        irVersion: 8n, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })],
        graph: create(GraphProtoSchema, { name: 'g', initializer: [t] }),
      }));
      // raw_data is field 9, length-delimited: tag 0x4a, then its length 8. Claim 64 instead.
      const at = Buffer.from(bytes).indexOf(Buffer.from([0x4a, 0x08]));
      assert.ok(at > 0);
      const bad = Uint8Array.from(bytes);
      bad[at + 1] = 64;
      assert.throws(() => decodeModelProto(bad, 'm.onnx'), /m\.onnx: truncated or corrupt: a length runs past the end of the file \(field 'graph\.initializer\.raw_data' at byte \d+ claims 64 bytes but only 8 remain/);
    });

    it('names the problem for truncated, empty and foreign input', () => {
      const good = fs.readFileSync('test/fixtures/fmnist_cnn.onnx');
      assert.throws(() => decodeModelProto(new Uint8Array(0), 'e.onnx'), /e\.onnx: the file is empty/);
      assert.throws(() => decodeModelProto(good.subarray(0, good.length / 2), 't.onnx'), /t\.onnx: .*past the end|t\.onnx: not a valid/);
      assert.throws(() => decodeModelProto(good.subarray(0, good.length / 2), 't.onnx'), /field 'graph' at byte \d+ claims 901456 bytes but only \d+ remain/);
      const tfl = fs.readFileSync('test/fixtures/hello_world_float.tflite');
      assert.throws(() => decodeModelProto(tfl, 'x.onnx'), /TensorFlow Lite/);
    });
  });
});

function f32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return b;
}

function encodeGeneric(proto: ReturnType<typeof decodeModelProto>): Uint8Array {
  // Copy the typed arrays into plain arrays so @bufbuild's own packed writer is used.
  const { toBinary } = require('@bufbuild/protobuf') as typeof import('@bufbuild/protobuf');
  const restore: (() => void)[] = [];
  forEachTensor(proto, (t) => {
    const f = t.floatData, d = t.doubleData;
    t.floatData = Array.from(f);
    t.doubleData = Array.from(d);
    restore.push(() => { t.floatData = f; t.doubleData = d; });
  });
  try {
    return toBinary(ModelProtoSchema, proto, { writeUnknownFields: true });
  } finally {
    restore.forEach((r) => r());
  }
}
