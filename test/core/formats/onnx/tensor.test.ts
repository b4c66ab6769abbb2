import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { decodeTensorProto, encodeTensorProto } from '../../../../src/core/formats/onnx/codec';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { AttributeProto_AttributeType, TensorProtoSchema, type TensorProto } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { elementCount, tensorArray, tensorByteLength } from '../../../../src/core/formats/onnx/tensor';
import { float16BitsToFloat32 } from '../../../../src/core/tensor/fp16';
import { toFloat32, viewBytes } from '../../../../src/core/tensor/views';
import { makeTensor } from '../../../../src/core/formats/onnx/build';
import { DataType, type TensorArray } from '../../../../src/core/tensor/dtypes';
import { pythonOnnxMissing, runPythonJson } from '../../../python/onnx_python';
import { TESTDATA, hasTestdata, testdataModels } from './testdata';

interface PyTensor { name: string; dataType: number; dims: number[]; values: (number | string | null)[] }

/** One TensorProto file per data type (and storage field) that the test data has. */
const PB_FILES = [
  ['float32', 'node/test_abs/test_data_set_0/input_0.pb'],
  ['uint8', 'node/test_add_uint8/test_data_set_0/input_0.pb'],
  ['int8', 'node/test_clip_default_int8_inbounds/test_data_set_0/input_0.pb'],
  ['uint16', 'node/test_bitshift_left_uint16/test_data_set_0/input_0.pb'],
  ['int16', 'node/test_max_int16/test_data_set_0/input_0.pb'],
  ['int32', 'node/test_basic_convinteger/test_data_set_0/output_0.pb'],
  ['int64', 'node/test_adagrad/test_data_set_0/input_1.pb'],
  ['int64 (empty)', 'node/test_reduce_sum_default_axes_keepdims_example/test_data_set_0/input_1.pb'],
  ['string', 'node/test_cast_FLOAT_to_STRING/test_data_set_0/output_0.pb'],
  ['bool', 'node/test_and2d/test_data_set_0/input_0.pb'],
  ['float16', 'node/test_cast_DOUBLE_to_FLOAT16/test_data_set_0/output_0.pb'],
  ['float64', 'node/test_bernoulli/test_data_set_0/input_0.pb'],
  ['uint32', 'node/test_bitshift_left_uint32/test_data_set_0/input_0.pb'],
  ['uint64', 'node/test_bitshift_left_uint64/test_data_set_0/input_0.pb'],
] as const;

/** Our elements in the form dump_tensors.py prints. */
function comparable(data: TensorArray): (number | string | null)[] {
  if (Array.isArray(data)) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, (v) => v.toString());
  return Array.from(data as ArrayLike<number>, (v) => (Number.isNaN(v) ? null : v));
}

describe('tensor views', () => {
  describe('agree with python3-onnx', function () {
    before(function () {
      const missing = pythonOnnxMissing();
      if (missing) { console.log(`      skipped: ${missing}`); this.skip(); }
      if (!hasTestdata()) { console.log('      skipped: libonnx-testdata is not installed'); this.skip(); }
    });

    it('on a TensorProto file of every data type in the test data', () => {
      const files = PB_FILES.map(([, f]) => path.join(TESTDATA, f));
      const expected = runPythonJson<Record<string, PyTensor[]>>('dump_tensors.py', files);
      for (const [dtype, rel] of PB_FILES) {
        const file = path.join(TESTDATA, rel);
        const bytes = fs.readFileSync(file);
        const t = decodeTensorProto(bytes, file);
        const [py] = expected[file];
        assert.equal(t.dataType, py.dataType, `${dtype}: data type`);
        assert.deepEqual(t.dims.map(Number), py.dims, `${dtype}: dims`);
        assert.deepEqual(comparable(tensorArray(t)), py.values, `${dtype}: values of ${rel}`);
        assert.deepEqual(Buffer.from(encodeTensorProto(t)), bytes, `${dtype}: re-encoded bytes`);
      }
    });

    it('on every initializer and attribute tensor of the 1,072 test models', () => {
      const files = testdataModels();
      const expected = runPythonJson<Record<string, PyTensor[]>>('dump_tensors.py', files);
      let compared = 0;
      const seenTypes = new Set<number>();
      for (const file of files) {
        const model = loadModel(file);
        const ours: TensorProto[] = [...model.graph.proto.initializer];
        for (const n of model.graph.nodes) {
          for (const a of n.attribute) if (a.type === AttributeProto_AttributeType.TENSOR && a.t) ours.push(a.t);
        }
        const py = expected[file];
        assert.equal(ours.length, py.length, `${file}: tensor count`);
        ours.forEach((t, i) => {
          assert.deepEqual(comparable(model.tensorData(t)), py[i].values, `${file}: '${t.name}'`);
          seenTypes.add(t.dataType);
          compared++;
        });
      }
      assert.ok(compared > 300, `compared only ${compared} tensors`);
      // float_data, int32_data (int32, bool), int64_data and raw_data (float, int64, double) all occur.
      for (const code of [DataType.float32, DataType.int32, DataType.int64, DataType.bool, DataType.float64]) {
        assert.ok(seenTypes.has(code), `no tensor of type ${code} was compared`);
      }
    });
  });

  describe('views by data type', () => {
    it('float32 raw_data is a zero-copy view when aligned and a copy when not', () => {
      const buf = new Uint8Array(4 * 3 + 1);
      new Float32Array(buf.buffer, 0, 3).set([1, 2.5, -3]);
      const aligned = viewBytes(DataType.float32, buf.subarray(0, 12), 3);
      assert.equal(aligned.buffer, buf.buffer);
      assert.deepEqual(nums(aligned), [1, 2.5, -3]);
      const shifted = new Uint8Array(buf.buffer, 1, 12);
      shifted.set(buf.slice(0, 12));
      const copy = viewBytes(DataType.float32, shifted, 3);
      assert.notEqual(copy.buffer, buf.buffer);
      assert.deepEqual(nums(copy), [1, 2.5, -3]);
    });

    it('float16 is raw bits; float16BitsToFloat32 widens them exactly', () => {
      const bits = new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x3555]);
      const t = makeTensor('h', 'float16', [bits.length], bits);
      const view = tensorArray(t);
      assert.ok(view instanceof Uint16Array);
      assert.deepEqual(Array.from(view), Array.from(bits));
      const f = float16BitsToFloat32(view as Uint16Array);
      assert.deepEqual(Array.from(f), [1, -2, 2 ** -24, 65504, Infinity, -Infinity, 0, -0, Math.fround(0.333251953125)]);
      assert.ok(Number.isNaN(float16BitsToFloat32(new Uint16Array([0x7e00]))[0]));
      assert.deepEqual(Array.from(toFloat32(DataType.bfloat16, new Uint16Array([0x3f80, 0xc040]))), [1, -3]);
    });

    it('int8 and uint8 view the same bytes with their own sign', () => {
      const bytes = new Uint8Array([0, 127, 128, 255]);
      assert.deepEqual(nums(tensorArray(makeTensor('a', 'int8', [4], new Int8Array(bytes.buffer)))), [0, 127, -128, -1]);
      assert.deepEqual(nums(tensorArray(makeTensor('b', 'uint8', [4], bytes))), [0, 127, 128, 255]);
    });

    it('int4/uint4 stay packed two per byte, first element in the low nibble', () => {
      // int4 values [1, -2, 7, -8, 3]: bytes 0xE1 (1, -2), 0x87 (7, -8), 0x03 (3, padding).
      const packed = new Uint8Array([0xe1, 0x87, 0x03]);
      const t = makeTensor('q', 'int4', [5], packed);
      assert.equal(elementCount(t), 5);
      assert.equal(tensorByteLength(t), 3);
      const view = tensorArray(t) as Uint8Array;
      assert.deepEqual(Array.from(view), [0xe1, 0x87, 0x03]);
      const unpack = (i: number) => ((view[i >> 1] >> ((i & 1) * 4)) & 0xf) << 28 >> 28;
      assert.deepEqual([0, 1, 2, 3, 4].map(unpack), [1, -2, 7, -8, 3]);
      const u = makeTensor('u', 'uint4', [4], new Uint8Array([0x21, 0xf0]));
      assert.equal(tensorByteLength(u), 2);
      assert.throws(() => tensorArray(makeTensor('short', 'int4', [5], new Uint8Array([1, 2]))), /holds 2 bytes, its shape needs 3/);
    });

    it('int32, int64 (BigInt64Array) and bool from raw_data and from the typed fields', () => {
      assert.deepEqual(nums(tensorArray(makeTensor('i', 'int32', [2], new Int32Array([-5, 2 ** 31 - 1])))), [-5, 2 ** 31 - 1]);
      const big = new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n]);
      const raw = tensorArray(makeTensor('l', 'int64', [2], big));
      assert.ok(raw instanceof BigInt64Array);
      assert.deepEqual(Array.from(raw), Array.from(big));
      const typed = create(TensorProtoSchema, { name: 'l2', dataType: DataType.int64, dims: [2n], int64Data: [7n, -1n] });
      assert.deepEqual(Array.from(tensorArray(typed) as BigInt64Array), [7n, -1n]);
      const bools = create(TensorProtoSchema, { name: 'b', dataType: DataType.bool, dims: [3n], int32Data: [1, 0, 1] });
      const b = tensorArray(bools);
      assert.ok(b instanceof Uint8Array);
      assert.deepEqual(nums(b), [1, 0, 1]);
      const wrong = create(TensorProtoSchema, { name: 'w', dataType: DataType.int64, dims: [3n], int64Data: [1n] });
      assert.throws(() => tensorArray(wrong), /holds 1 values, its shape needs 3/);
    });

    it('string tensors decode UTF-8', () => {
      const t = create(TensorProtoSchema, {
        name: 's', dataType: DataType.string, dims: [2n],
        stringData: [new TextEncoder().encode('héllo'), new TextEncoder().encode('')],
      });
      assert.deepEqual(tensorArray(t), ['héllo', '']);
      assert.equal(tensorByteLength(t), 6);
    });
  });
});

function nums(a: TensorArray): number[] {
  return Array.from(a as ArrayLike<number>);
}
