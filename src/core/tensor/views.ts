import { DataType, arrayCtor, arrayLength, type TensorArray } from './dtypes';
import { float16BitsToFloat32 } from './fp16';

/**
 * A typed-array view over raw little-endian bytes. Zero-copy when the bytes are aligned for the
 * element size; protobuf gives no alignment guarantee, so unaligned data is copied once.
 */
export function viewBytes(code: number, bytes: Uint8Array, count: number): Exclude<TensorArray, string[]> {
  const Ctor = arrayCtor(code);
  const length = arrayLength(code, count);
  const need = length * Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength < need) {
    throw new Error(`tensor data holds ${bytes.byteLength} bytes, its shape needs ${need}`);
  }
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, bytes.byteOffset, length);
  const copy = new Uint8Array(need);
  copy.set(bytes.subarray(0, need));
  return new Ctor(copy.buffer, 0, length);
}

/** float32 elements of a float tensor of any float width (float16/bfloat16 widened). */
export function toFloat32(code: number, data: TensorArray): Float32Array {
  if (data instanceof Float32Array) return data;
  if (code === DataType.float16) return float16BitsToFloat32(data as Uint16Array);
  if (code === DataType.bfloat16) {
    const bits = data as Uint16Array;
    const u = new Uint32Array(bits.length);
    for (let i = 0; i < bits.length; i++) u[i] = bits[i] << 16;
    return new Float32Array(u.buffer);
  }
  if (Array.isArray(data)) throw new Error('string tensors have no numeric value');
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}
