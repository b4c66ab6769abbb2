import { InputFile } from '../base/input-file';
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

/** Bytes read for the magic, version and header length; then the header itself (at most 1 MiB). */
const PREAMBLE = 12;
const HEADER_LIMIT = 1 << 20;

/** The header of a .npy file, read before anything else: the body is read only once it is known to fit. */
function readHeader(f: InputFile): NpyHeader {
  const fail = (why: string): never => { throw new Error(`${f.file}: ${why}`); };
  const pre = f.read(0, Math.min(PREAMBLE, f.size));
  if (pre.length < 10 || pre[0] !== 0x93 || pre.toString('latin1', 1, 6) !== 'NUMPY') fail('not a NumPy .npy file: it does not start with the .npy signature (\\x93NUMPY)');
  const major = pre[6];
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}`);
  const start = major === 1 ? 10 : 12;
  if (pre.length < start) fail('truncated header');
  const headerLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
  if (headerLen > HEADER_LIMIT) fail(`declares a ${headerLen}-byte header (at most ${HEADER_LIMIT})`);
  if (start + headerLen > f.size) fail('truncated header');
  const header = f.read(start, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) fail(`unreadable header '${header.trim().slice(0, 200)}'`);
  if (fortran) fail('Fortran-order arrays are not supported; save with np.ascontiguousarray');
  const dtype = DESCR[descr!] ?? fail(`unsupported dtype '${descr}' (little-endian numeric types only)`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`invalid shape (${shapeText}) in the header`);
  return { dtype, shape, offset: start + headerLen };
}

/**
 * Reads a .npy file (format versions 1-3, little-endian, C order): the header first, then exactly
 * the bytes its shape needs, so a file of the wrong size is refused before its body is read.
 * Errors name the file and the problem.
 */
export function readNpy(file: string): NpyArray {
  const f = InputFile.open(file, { what: '.npy' });
  try {
    const { dtype, shape, offset } = readHeader(f);
    const Ctor = CTORS[dtype];
    const count = shape.reduce((a, b) => a * b, 1);
    const need = count * Ctor.BYTES_PER_ELEMENT;
    const fail = (why: string): never => { throw new Error(`${f.file}: ${why}`); };
    if (!Number.isSafeInteger(need)) fail(`shape [${shape}] is too large`);
    const have = f.size - offset;
    if (have < need) fail(`holds ${have} data bytes, shape [${shape}] needs ${need}`);
    if (have > need) fail(`has ${have - need} bytes after the ${need} data bytes shape [${shape}] needs`);
    const body = new ArrayBuffer(need);
    f.readInto(new Uint8Array(body), offset);
    return { dtype, shape, data: new Ctor(body, 0, count) };
  } finally {
    f.close();
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
