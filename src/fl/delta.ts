/**
 * The wire format of a client's update: the weight delta of one round, compact and checkable
 * before it is used. Little-endian:
 *
 *   header (40 bytes): "EWFD", format u16 = 1, encoding u8, 0 u8, round u32, samples u32,
 *                      model id (16 bytes: the round's global model), tensor count u32, 0 u32
 *   per tensor:        name length u32, UTF-8 name, zero padding to 4, rank u32, dims u32 x rank,
 *                      scale f32, values, zero padding to 8
 *
 * Values: `float32` 4 bytes each (scale 1); `int8` one byte each, value = q * scale (per-tensor
 * scale max|d| / 127); `ring64` 8 bytes each (low then high u32): fixed-point integers modulo
 * 2^64 that secure aggregation masks (see secagg.ts). Data starts 4- or 8-aligned in the body.
 */
import { FederationError, type Weights } from './weights';

export type DeltaEncoding = 'float32' | 'int8' | 'ring64';
const ENCODINGS: DeltaEncoding[] = ['float32', 'int8', 'ring64'];
const BYTES: Record<DeltaEncoding, number> = { float32: 4, int8: 1, ring64: 8 };
const MAGIC = 0x44465745; // "EWFD" read as a little-endian u32
const FORMAT = 1;
const HEADER = 40;
/** Bytes of a delta's fixed header (magic, format, encoding, round, samples, model id, tensor count). */
export const DELTA_HEADER_BYTES = HEADER;

export interface DeltaHeader {
  encoding: DeltaEncoding;
  round: number;
  /** Training samples behind the update (FedAvg's n_k). */
  samples: number;
  /** The global model the delta was computed against (`modelId`). */
  model: string;
}

/** One decoded tensor: float values (float32, int8 dequantized) or ring elements (ring64). */
export interface DeltaTensor {
  name: string;
  dims: number[];
  values?: Float32Array;
  /** ring64: [lo, hi] u32 pairs, two per element. */
  ring?: Uint32Array;
}

export interface Delta extends DeltaHeader {
  tensors: DeltaTensor[];
}

const pad = (n: number, to: number) => (n + to - 1) & ~(to - 1);
const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Exact size of a delta over tensors of these names and shapes: the server's size check. */
export function deltaByteLength(shapes: readonly { name: string; dims: readonly number[] }[], encoding: DeltaEncoding): number {
  let n = HEADER;
  for (const s of shapes) {
    n = pad(n + 4 + Buffer.byteLength(s.name), 4) + 4 + 4 * s.dims.length + 4;
    n = pad(n + count(s.dims) * BYTES[encoding], 8);
  }
  return n;
}

/** The model id deltas carry: 32 hex digits (16 bytes) of the model file's SHA-256. */
export function modelIdBytes(id: string): Buffer {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new FederationError(`model id '${id}' is not 32 hex digits`);
  return Buffer.from(id, 'hex');
}

/** Encodes a delta. int8 quantizes per tensor; ring64 takes `ring` tensors (already fixed-point). */
export function encodeDelta(header: DeltaHeader, tensors: readonly DeltaTensor[]): Uint8Array {
  const enc = header.encoding;
  const out = Buffer.alloc(deltaByteLength(tensors, enc));
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint32(0, MAGIC, true);
  v.setUint16(4, FORMAT, true);
  v.setUint8(6, ENCODINGS.indexOf(enc));
  v.setUint32(8, header.round, true);
  v.setUint32(12, header.samples, true);
  modelIdBytes(header.model).copy(out, 16);
  v.setUint32(32, tensors.length, true);
  let at = HEADER;
  for (const t of tensors) {
    const name = Buffer.from(t.name);
    v.setUint32(at, name.length, true);
    name.copy(out, at + 4);
    at = pad(at + 4 + name.length, 4);
    v.setUint32(at, t.dims.length, true);
    t.dims.forEach((d, i) => v.setUint32(at + 4 + 4 * i, d, true));
    at += 4 + 4 * t.dims.length;
    const n = count(t.dims);
    if (enc === 'ring64') {
      if (!t.ring || t.ring.length !== 2 * n) throw new FederationError(`tensor '${t.name}' has no ${n} ring elements`);
      v.setFloat32(at, 1, true);
      Buffer.from(t.ring.buffer, t.ring.byteOffset, t.ring.byteLength).copy(out, at + 4);
    } else {
      if (!t.values || t.values.length !== n) throw new FederationError(`tensor '${t.name}' has no ${n} values`);
      if (enc === 'float32') {
        v.setFloat32(at, 1, true);
        Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength).copy(out, at + 4);
      } else {
        const scale = int8Scale(t.values);
        v.setFloat32(at, scale, true);
        const q = new Int8Array(out.buffer, out.byteOffset + at + 4, n);
        if (scale > 0) for (let i = 0; i < n; i++) q[i] = Math.max(-127, Math.min(127, Math.round(t.values[i] / scale)));
      }
    }
    at = pad(at + 4 + n * BYTES[enc], 8);
  }
  return out;
}

/** The per-tensor int8 scale: max |d| / 127 as a float32 (0 for an all-zero tensor). */
export function int8Scale(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return Math.fround(m / 127);
}

/** Reads only the header (40 bytes): enough to reject a delta for another round or model. */
export function decodeDeltaHeader(bytes: Uint8Array): DeltaHeader & { tensorCount: number } {
  if (bytes.length < HEADER) throw new FederationError(`the delta is ${bytes.length} bytes, shorter than its ${HEADER}-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== MAGIC) throw new FederationError('not an Edgewise delta (bad magic)');
  const format = v.getUint16(4, true);
  if (format !== FORMAT) throw new FederationError(`delta format ${format} is not supported (this build reads ${FORMAT})`);
  const encoding = ENCODINGS[v.getUint8(6)];
  if (!encoding) throw new FederationError(`unknown delta encoding ${v.getUint8(6)}`);
  return {
    encoding, round: v.getUint32(8, true), samples: v.getUint32(12, true),
    model: Buffer.from(bytes.buffer, bytes.byteOffset + 16, 16).toString('hex'), tensorCount: v.getUint32(32, true),
  };
}

/**
 * Decodes a delta, checking every length against the bytes present; float32 values are views of
 * `bytes` when aligned. With `expect`, the tensors must be exactly those names and shapes, in order.
 */
export function decodeDelta(bytes: Uint8Array, expect?: readonly { name: string; dims: readonly number[] }[]): Delta {
  const h = decodeDeltaHeader(bytes);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at + n > bytes.length) throw new FederationError(`the delta is cut short: ${what} needs bytes ${at}..${at + n}, it has ${bytes.length}`);
  };
  if (expect && h.tensorCount !== expect.length) throw new FederationError(`the delta has ${h.tensorCount} tensors, the model ${expect.length}`);
  const tensors: DeltaTensor[] = [];
  let at = HEADER;
  for (let k = 0; k < h.tensorCount; k++) {
    need(at, 4, `tensor ${k}'s name length`);
    const len = v.getUint32(at, true);
    need(at + 4, len, `tensor ${k}'s name`);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + at + 4, len).toString('utf8');
    at = pad(at + 4 + len, 4);
    need(at, 4, `'${name}' rank`);
    const rank = v.getUint32(at, true);
    if (rank > 8) throw new FederationError(`'${name}' has rank ${rank}`);
    need(at + 4, 4 * rank + 4, `'${name}' shape`);
    const dims = Array.from({ length: rank }, (_, i) => v.getUint32(at + 4 + 4 * i, true));
    at += 4 + 4 * rank;
    const want = expect?.[k];
    if (want && (want.name !== name || want.dims.join() !== dims.join())) {
      throw new FederationError(`tensor ${k} of the delta is '${name}' [${dims.join(', ')}], the model's is '${want.name}' [${want.dims.join(', ')}]`);
    }
    const n = count(dims);
    const scale = v.getFloat32(at, true);
    need(at + 4, n * BYTES[h.encoding], `'${name}' values`);
    const off = bytes.byteOffset + at + 4;
    if (h.encoding === 'ring64') tensors.push({ name, dims, ring: aligned(bytes, at + 4, n * 8, Uint32Array) });
    else if (h.encoding === 'float32') tensors.push({ name, dims, values: aligned(bytes, at + 4, n * 4, Float32Array) });
    else {
      if (!(scale >= 0 && Number.isFinite(scale))) throw new FederationError(`'${name}' has int8 scale ${scale}`);
      const q = new Int8Array(bytes.buffer, off, n);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = q[i] * scale;
      tensors.push({ name, dims, values });
    }
    at = pad(at + 4 + n * BYTES[h.encoding], 8);
  }
  if (at !== bytes.length) throw new FederationError(`the delta has ${bytes.length - at} bytes after its last tensor`);
  return { ...h, tensors };
}

function aligned<T extends Float32Array | Uint32Array>(bytes: Uint8Array, at: number, n: number, Ctor: { new (b: ArrayBufferLike, o: number, l: number): T; new (l: number): T }): T {
  const off = bytes.byteOffset + at;
  if (off % 4 === 0) return new Ctor(bytes.buffer, off, n / 4);
  const copy = new Ctor(n / 4);
  new Uint8Array(copy.buffer).set(bytes.subarray(at, at + n));
  return copy;
}

/** Weights as delta tensors (views). */
export function asDeltaTensors(w: Weights): DeltaTensor[] {
  return w.map((t) => ({ name: t.name, dims: t.dims, values: t.values }));
}
