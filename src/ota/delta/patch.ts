/**
 * The tensor-level patch between two releases of an ONNX model. The new file is a sequence of
 * segments: literal bytes carried by the patch (the new graph, changed initializers) and
 * payloads of unchanged tensors, named, taken from the device's installed model. Concatenated,
 * they are the new file byte for byte, so the rebuilt model's sha256 is the release's.
 *
 * File layout: 'EWDELTA1', header length (u32 little-endian), header JSON, then the literal bytes
 * compressed with Brotli (the graph's protobuf shrinks several times; weights hardly at all).
 */
import * as zlib from 'node:zlib';
import type { ModelProto, TensorProto } from '../../core/formats/onnx/proto/onnx_pb';
import { forEachTensor } from '../../core/formats/onnx/packed';

const MAGIC = 'EWDELTA1';

export type Segment = { literal: number } | { tensor: string; length: number };

export interface PatchHeader {
  format: 1;
  from: { version: string; sha256: string };
  to: { version: string; sha256: string; size: number };
  segments: Segment[];
  /** Bytes of the literals before compression. */
  literalBytes: number;
}

export function encodePatch(header: Omit<PatchHeader, 'literalBytes'>, literals: Uint8Array[]): Uint8Array[] {
  const raw = Buffer.concat(literals);
  const json = Buffer.from(JSON.stringify({ ...header, literalBytes: raw.length }), 'utf8');
  const head = Buffer.alloc(MAGIC.length + 4);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, MAGIC.length);
  const packed = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  return [head, json, packed];
}

export class PatchFormatError extends Error {}

export function decodePatch(bytes: Uint8Array): { header: PatchHeader; literals: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new PatchFormatError('not an Edgewise model patch');
  const len = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + len > buf.length) throw new PatchFormatError('patch header runs past the end of the file');
  let header: PatchHeader;
  try {
    header = JSON.parse(buf.toString('utf8', start, start + len)) as PatchHeader;
  } catch {
    throw new PatchFormatError('patch header is not JSON');
  }
  if (header.format !== 1 || !Array.isArray(header.segments) || !(header.literalBytes >= 0)) throw new PatchFormatError('unknown patch format');
  let literals: Buffer;
  try {
    literals = zlib.brotliDecompressSync(bytes.subarray(start + len), { maxOutputLength: Math.max(1, header.literalBytes) });
  } catch (e) {
    throw new PatchFormatError(`patch literals do not decompress: ${(e as Error).message}`);
  }
  if (literals.length !== header.literalBytes) throw new PatchFormatError('patch literals have the wrong length');
  return { header, literals };
}

/** A tensor's payload bytes, whichever field holds them (raw_data, or packed float/double data). */
function payload(t: TensorProto): Uint8Array | undefined {
  if (t.rawData.length > 0) return t.rawData;
  for (const a of [t.floatData, t.doubleData] as unknown[]) {
    if (ArrayBuffer.isView(a) && a.byteLength > 0) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  }
  return undefined;
}

/** Payloads of the model's named tensors, by name; names used twice are left out (ambiguous). */
export function namedPayloads(proto: ModelProto): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const dup = new Set<string>();
  forEachTensor(proto, (t) => {
    const p = payload(t);
    if (!t.name || !p) return;
    if (out.has(t.name)) dup.add(t.name);
    out.set(t.name, p);
  });
  for (const n of dup) out.delete(n);
  return out;
}
