import { DataType, dtypeCode } from '../../tensor/dtypes';
import { toFloat32, viewBytes } from '../../tensor/views';
import type { BlobFiles } from './model';
import { dtypeBits, milDtype } from './mil-types';
import type { TensorValue, Value } from './proto/mil_pb';

/** A constant's storage: where its bytes are and how many, without reading blob data. */
export interface ConstStorage {
  dtype: string;
  elements: number;
  bytes: number;
  blob?: { fileName: string; offset: number };
}

export function elementsOf(shape: readonly (number | string)[] | null): number {
  return (shape ?? []).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
}

/** Storage of a const value: blob records are consulted (their 64-byte header, already checked at open). */
export function constStorage(v: Value, dtype: string, shape: (number | string)[] | null, blobs: BlobFiles): ConstStorage {
  const elements = elementsOf(shape);
  const inner = v.value;
  if (inner.case === 'blobFileValue') {
    const offset = Number(inner.value.offset);
    const rec = blobs.get(inner.value.fileName).record(offset);
    return { dtype: rec.dtype, elements, bytes: rec.sizeInBytes, blob: { fileName: inner.value.fileName, offset } };
  }
  const bits = dtypeBits(dtype);
  const t = inner.case === 'immediateValue' && inner.value.value.case === 'tensor' ? inner.value.value.value : undefined;
  const bytes = t?.value.case === 'bytes' ? t.value.value.values.byteLength : t?.value.case === 'strings' ? t.value.value.values.reduce((a, s) => a + s.length, 0) : Math.ceil((elements * bits) / 8);
  return { dtype, elements, bytes };
}

/** The tensor of an immediate value, if it holds one. */
export function immediateTensor(v: Value | undefined): TensorValue | undefined {
  const inner = v?.value;
  return inner?.case === 'immediateValue' && inner.value.value.case === 'tensor' ? inner.value.value.value : undefined;
}

/** A short text of a small immediate value ('0.5', '[1, 2]', '"same"'); undefined for large or blob values. */
export function valueText(v: Value | undefined, max = 8): string | undefined {
  const t = immediateTensor(v);
  if (!t) return v?.value.case === 'immediateValue' ? v.value.value.value.case : undefined;
  const list = tensorList(t);
  if (!list || list.length > max) return undefined;
  const items = list.map((x) => (typeof x === 'string' ? JSON.stringify(x) : typeof x === 'number' && !Number.isInteger(x) ? String(+x.toPrecision(6)) : String(x)));
  const isScalar = v?.type?.type.case === 'tensorType' && v.type.type.value.rank === 0n;
  return isScalar && items.length === 1 ? items[0] : `[${items.join(', ')}]`;
}

function tensorList(t: TensorValue): (number | string | boolean | bigint)[] | undefined {
  const v = t.value;
  switch (v.case) {
    case 'floats': return Array.from(v.value.values);
    case 'doubles': return [...v.value.values];
    case 'ints': return [...v.value.values];
    case 'longInts': return [...v.value.values];
    case 'bools': return [...v.value.values];
    case 'strings': return [...v.value.values];
    default: return undefined;
  }
}

/**
 * A const's values as float32 (for statistics): immediate values, or one blob read from its
 * weight file (only that blob's bytes). Null for strings, bools and 8-bit floats.
 */
export function constValues(v: Value, dtype: string, elements: number, blobs: BlobFiles): Float32Array | null {
  const inner = v.value;
  if (inner.case === 'blobFileValue') {
    const file = blobs.get(inner.value.fileName);
    const rec = file.record(Number(inner.value.offset));
    return decodeElements(file.data(rec), rec.dtype, elements);
  }
  const t = immediateTensor(v);
  if (!t) return null;
  const x = t.value;
  switch (x.case) {
    case 'floats': return x.value.values instanceof Float32Array ? x.value.values : Float32Array.from(x.value.values);
    case 'doubles': return Float32Array.from(x.value.values);
    case 'ints': return Float32Array.from(x.value.values);
    case 'longInts': return Float32Array.from(x.value.values, Number);
    case 'bytes': return decodeElements(x.value.values, dtype, elements);
    default: return null;
  }
}

/** Little-endian element bytes of a MIL/blob dtype as float32; sub-byte types are LSB-first packed. */
export function decodeElements(bytes: Uint8Array, dtype: string, elements: number): Float32Array | null {
  const bits = dtypeBits(dtype);
  if (bits === 0 || dtype.startsWith('float8') || dtype === 'bool') return null;
  if (bits < 8) return unpackLsbFirst(bytes, bits, elements, dtype === 'int4');
  const code = dtypeCode(dtype);
  const data = viewBytes(code, bytes, elements);
  const f = toFloat32(code, data);
  return code === DataType.float32 ? new Float32Array(f) : f;
}

function unpackLsbFirst(bytes: Uint8Array, bits: number, count: number, signed: boolean): Float32Array | null {
  if (bytes.byteLength * 8 < count * bits) return null;
  const out = new Float32Array(count);
  const mask = (1 << bits) - 1;
  for (let i = 0, bit = 0; i < count; i++, bit += bits) {
    const byte = bit >> 3, shift = bit & 7;
    let v = (bytes[byte] | ((bytes[byte + 1] ?? 0) << 8)) >> shift & mask;
    if (signed && v >= 1 << (bits - 1)) v -= 1 << bits;
    out[i] = v;
  }
  return out;
}

