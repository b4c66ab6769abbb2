import * as fs from 'node:fs';
import type { DType } from '../tensor/dtypes';

/** A NumPy array: its dtype, shape and elements (a view into the file's bytes where aligned). */
export interface NpyArray {
  dtype: DType;
  shape: number[];
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;
}

const DESCR: Record<string, DType> = {
  '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '|i1': 'int8', '|u1': 'uint8', '|b1': 'bool',
  '<i2': 'int16', '<u2': 'uint16', '<i4': 'int32', '<u4': 'uint32', '<i8': 'int64', '<u8': 'uint64',
};

const CTORS: Record<string, { new (b: ArrayBufferLike, o: number, n: number): NpyArray['data']; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
};

interface NpyHeader { dtype: DType; shape: number[]; offset: number }

/** The header of a .npy file: `bytes` need only hold the magic and the header itself. */
function parseHeader(bytes: Uint8Array, file: string): NpyHeader {
  const fail = (why: string): never => { throw new Error(`${file}: ${why}`); };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') fail('not a .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) fail('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) fail(`unreadable header '${header.trim()}'`);
  if (fortran) fail('Fortran-order arrays are not supported; save with np.ascontiguousarray');
  const dtype = DESCR[descr!] ?? fail(`unsupported dtype '${descr}' (little-endian numeric types only)`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { dtype, shape, offset: start + headerLen };
}

/** Parses .npy (format versions 1-3, little-endian, C order). Errors name the file and the problem. */
export function parseNpy(bytes: Uint8Array, file = '<buffer>'): NpyArray {
  const fail = (why: string): never => { throw new Error(`${file}: ${why}`); };
  const { dtype, shape, offset } = parseHeader(bytes, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const Ctor = CTORS[dtype];
  const need = count * Ctor.BYTES_PER_ELEMENT;
  if (bytes.length - offset < need) fail(`holds ${bytes.length - offset} data bytes, shape [${shape}] needs ${need}`);
  const abs = bytes.byteOffset + offset;
  const data = abs % Ctor.BYTES_PER_ELEMENT === 0
    ? new Ctor(bytes.buffer, abs, count)
    : new Ctor(bytes.slice(offset, offset + need).buffer, 0, count);
  return { dtype, shape, data };
}

function unreadable(file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  return new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`);
}

export function readNpy(file: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw unreadable(file, e);
  }
  return parseNpy(bytes, file);
}

/** A .npy file's dtype and shape, reading only its header. */
export function readNpyHeader(file: string): { dtype: DType; shape: number[] } {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch (e) { throw unreadable(file, e); }
  try {
    const head = Buffer.alloc(12);
    fs.readSync(fd, head, 0, 12, 0);
    const len = head[6] === 1 ? head.readUInt16LE(8) + 10 : head.readUInt32LE(8) + 12;
    const bytes = Buffer.alloc(Math.min(len, 1 << 20));
    const got = fs.readSync(fd, bytes, 0, bytes.length, 0);
    const { dtype, shape } = parseHeader(bytes.subarray(0, got), file);
    return { dtype, shape };
  } finally {
    fs.closeSync(fd);
  }
}

const DESCR_OF: Partial<Record<DType, string>> = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k]));

/** Serializes to .npy version 1.0 (header padded to a multiple of 64 bytes). */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const descr = DESCR_OF[arr.dtype];
  if (!descr) throw new Error(`cannot write dtype ${arr.dtype} to .npy`);
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + arr.data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), 10 + header.length);
  return out;
}
