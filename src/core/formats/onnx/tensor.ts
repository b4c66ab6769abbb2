import type { SparseTensorProto, TensorProto } from './proto/onnx_pb';
import { TensorProto_DataLocation } from './proto/onnx_pb';
import { DataType, arrayCtor, arrayLength, bitsPerElement, byteLength, dtypeName, type TensorArray } from '../../tensor/dtypes';
import { viewBytes } from '../../tensor/views';

/**
 * Number of elements from the tensor's dims (1 for a scalar). Models opened from a file have
 * passed `tensorProblem`, so this is a safe integer there.
 */
export function elementCount(t: TensorProto): number {
  let n = 1;
  for (const d of t.dims) n *= Number(d);
  return n;
}

/** Elements of a sparse tensor's dense shape. */
export function sparseElementCount(s: SparseTensorProto): number {
  let n = 1;
  for (const d of s.dims) n *= Number(d);
  return n;
}

/** Bytes a sparse tensor stores: its values and its indices. */
export function sparseByteLength(s: SparseTensorProto): number {
  return (s.values ? tensorByteLength(s.values) : 0) + (s.indices ? tensorByteLength(s.indices) : 0);
}

export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === TensorProto_DataLocation.EXTERNAL;
}

/** Bytes the tensor's data occupies in its fixed-width (raw_data) form. */
export function tensorByteLength(t: TensorProto): number {
  if (t.dataType === DataType.string) return t.stringData.reduce((s, b) => s + b.length, 0);
  return Math.ceil((bitsPerElement(t.dataType) * elementCount(t)) / 8);
}

const converted = new WeakMap<TensorProto, TensorArray>();

/**
 * The tensor's elements as a typed array (see `TensorArray` for how each data type is held).
 * `raw_data` is viewed in place; the typed `*_data` fields are converted once and cached.
 * External data must be resolved first (Model.tensorData does that).
 */
export function tensorArray(t: TensorProto, raw?: Uint8Array): TensorArray {
  const count = elementCount(t);
  const code = t.dataType;
  if (code === DataType.string) return t.stringData.map((b) => new TextDecoder().decode(b));
  const bytes = raw ?? (t.rawData.length > 0 || isRawOnly(t) ? t.rawData : undefined);
  if (bytes) return viewBytes(code, bytes, count);
  const cached = converted.get(t);
  if (cached) return cached;
  const out = fromTypedFields(t, count);
  converted.set(t, out);
  return out;
}

function isRawOnly(t: TensorProto): boolean {
  return t.floatData.length === 0 && t.int32Data.length === 0 && t.int64Data.length === 0 &&
    t.doubleData.length === 0 && t.uint64Data.length === 0 && t.stringData.length === 0 && !isExternal(t);
}

function fromTypedFields(t: TensorProto, count: number): Exclude<TensorArray, string[]> {
  const code = t.dataType;
  const Ctor = arrayCtor(code);
  const length = arrayLength(code, count);
  switch (code) {
    case DataType.float32: case DataType.complex64:
      return checkLength(t, t.floatData instanceof Float32Array ? t.floatData : Float32Array.from(t.floatData), length);
    case DataType.float64: case DataType.complex128:
      return checkLength(t, t.doubleData instanceof Float64Array ? t.doubleData : Float64Array.from(t.doubleData), length);
    case DataType.int64:
      return checkLength(t, BigInt64Array.from(t.int64Data), length);
    case DataType.uint64:
      return checkLength(t, BigUint64Array.from(t.uint64Data), length);
    case DataType.uint32:
      return checkLength(t, Uint32Array.from(t.uint64Data, (v) => Number(v)), length);
    default: {
      // int32_data carries every type of 16 bits or fewer, one element (or one packed byte) each.
      if (t.int32Data.length !== length) {
        throw new Error(`tensor '${t.name}' (${dtypeName(code)}) has ${t.int32Data.length} values in int32_data, its shape needs ${length}`);
      }
      const out = new Ctor(new ArrayBuffer(length * Ctor.BYTES_PER_ELEMENT), 0, length) as Int32Array;
      for (let i = 0; i < length; i++) out[i] = t.int32Data[i];
      return out;
    }
  }
}

function checkLength<A extends { length: number }>(t: TensorProto, data: A, length: number): A {
  if (data.length !== length) {
    throw new Error(`tensor '${t.name}' (${dtypeName(t.dataType)}) holds ${data.length} values, its shape needs ${length}`);
  }
  return data;
}

/**
 * The one rule for a tensor's shape against its data, applied to every tensor of a model when it
 * is opened: each dim >= 0, an element count that is a safe integer, and exactly the data the
 * shape needs in the field its data type uses (raw_data or the typed field). Returns why the
 * tensor breaks it, or undefined. External data is checked against its file by ExternalDataReader.
 */
export function tensorProblem(t: TensorProto): string | undefined {
  let count = 1;
  for (const d of t.dims) {
    if (d < 0n) return `declares dim ${d} in [${t.dims.join(', ')}]; every dim must be >= 0`;
    count *= Number(d);
  }
  if (!Number.isSafeInteger(count)) return `declares [${t.dims.join(', ')}], ${count} elements: more than any file can hold`;
  if (isExternal(t)) return undefined;
  const code = t.dataType;
  const dtype = dtypeName(code);
  if (code === DataType.string) {
    return t.stringData.length === count ? undefined : `(string) holds ${t.stringData.length} strings, its shape [${t.dims.join(', ')}] needs ${count}`;
  }
  if (bitsPerElement(code) === 0) return count === 0 || t.rawData.length === 0 ? undefined : `has data of an unknown data type (${code})`;
  const need = byteLength(code, count);
  if (!Number.isSafeInteger(need)) return `declares [${t.dims.join(', ')}]: ${need} bytes, more than any file can hold`;
  if (t.rawData.length > 0 || isRawOnly(t)) {
    return t.rawData.length === need ? undefined : `(${dtype}) holds ${t.rawData.length} bytes of data, its shape [${t.dims.join(', ')}] needs ${need}`;
  }
  const [field, have] = typedField(t);
  const want = arrayLength(code, count);
  return have === want ? undefined : `(${dtype}) holds ${have} values in ${field}, its shape [${t.dims.join(', ')}] needs ${want}`;
}

/** The typed field a data type's values live in when not in raw_data, and how many it holds. */
function typedField(t: TensorProto): [string, number] {
  switch (t.dataType) {
    case DataType.float32: case DataType.complex64: return ['float_data', t.floatData.length];
    case DataType.float64: case DataType.complex128: return ['double_data', t.doubleData.length];
    case DataType.int64: return ['int64_data', t.int64Data.length];
    case DataType.uint32: case DataType.uint64: return ['uint64_data', t.uint64Data.length];
    default: return ['int32_data', t.int32Data.length];
  }
}
