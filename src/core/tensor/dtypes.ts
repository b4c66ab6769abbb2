/** ONNX TensorProto.DataType codes, by the names Edgewise uses everywhere (numpy-like). */
export const DataType = {
  undefined: 0,
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8e4m3fn: 17,
  float8e4m3fnuz: 18,
  float8e5m2: 19,
  float8e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
  float4e2m1: 23,
  float8e8m0: 24,
} as const;

export type DType = keyof typeof DataType;

const byCode = new Map<number, DType>(Object.entries(DataType).map(([k, v]) => [v, k as DType]));

export function dtypeName(code: number): DType | `unknown(${number})` {
  return byCode.get(code) ?? `unknown(${code})`;
}

export function dtypeCode(name: string): number {
  const code = (DataType as Record<string, number>)[name];
  if (code === undefined) throw new Error(`unknown data type '${name}'`);
  return code;
}

/** Storage bits per element; 0 for string (variable length). */
export function bitsPerElement(code: number): number {
  switch (code) {
    case DataType.bool: case DataType.uint8: case DataType.int8:
    case DataType.float8e4m3fn: case DataType.float8e4m3fnuz: case DataType.float8e5m2:
    case DataType.float8e5m2fnuz: case DataType.float8e8m0:
      return 8;
    case DataType.uint16: case DataType.int16: case DataType.float16: case DataType.bfloat16:
      return 16;
    case DataType.float32: case DataType.int32: case DataType.uint32:
      return 32;
    case DataType.float64: case DataType.int64: case DataType.uint64: case DataType.complex64:
      return 64;
    case DataType.complex128:
      return 128;
    case DataType.uint4: case DataType.int4: case DataType.float4e2m1:
      return 4;
    default:
      return 0;
  }
}

/** Bytes needed to store `count` elements (4-bit types pack two per byte, rounded up). */
export function byteLength(code: number, count: number): number {
  return Math.ceil((bitsPerElement(code) * count) / 8);
}

export function isFloat(code: number): boolean {
  return code === DataType.float32 || code === DataType.float16 || code === DataType.float64 || code === DataType.bfloat16;
}

/**
 * The typed array a tensor's elements are viewed through. float16/bfloat16 are raw bits in a
 * Uint16Array; 4-bit types, bool and float8 are raw bytes in a Uint8Array (4-bit: two per byte).
 */
export type TensorArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

type ArrayCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): Exclude<TensorArray, string[]>; BYTES_PER_ELEMENT: number };

export function arrayCtor(code: number): ArrayCtor {
  switch (code) {
    case DataType.float32: case DataType.complex64: return Float32Array;
    case DataType.float64: case DataType.complex128: return Float64Array;
    case DataType.int8: return Int8Array;
    case DataType.int16: return Int16Array;
    case DataType.uint16: case DataType.float16: case DataType.bfloat16: return Uint16Array;
    case DataType.int32: return Int32Array;
    case DataType.uint32: return Uint32Array;
    case DataType.int64: return BigInt64Array;
    case DataType.uint64: return BigUint64Array;
    default: return Uint8Array;
  }
}

/** Elements of the typed array for `count` logical elements (complex: 2 each; 4-bit: packed bytes). */
export function arrayLength(code: number, count: number): number {
  if (code === DataType.complex64 || code === DataType.complex128) return count * 2;
  if (bitsPerElement(code) === 4) return Math.ceil(count / 2);
  return count;
}
