/**
 * The tensor-level patch between two releases of a model. The new file is a sequence of
 * segments: literal bytes carried by the patch (changed initializers, the parts of the graph
 * that changed) and byte ranges copied from the device's installed model (unchanged tensors and
 * graph). Concatenated, they are the new file byte for byte, so the rebuilt model's sha256 is
 * the release's. A patch names its base by sha256 and is only applied to exactly that file, so
 * the copies can address it by offset: the device rebuilds without decoding any model.
 *
 * File layout: 'EWDELTA2', the compressed header's length (u32 little-endian), the header JSON
 * and then the literal bytes, each compressed with Brotli (the graph's protobuf and the tensor
 * names shrink several times; weights hardly at all).
 */
import * as zlib from 'node:zlib';

const MAGIC = 'EWDELTA2';
/** Largest header a device decompresses (a segment costs ~30 bytes of JSON). */
const MAX_HEADER_BYTES = 16 << 20;

/** `copy`: an offset in the installed model. */
export type Segment = { literal: number } | { copy: number; length: number };

export interface PatchHeader {
  format: 2;
  from: { version: string; sha256: string };
  to: { version: string; sha256: string; size: number };
  segments: Segment[];
  /** Bytes of the literals before compression. */
  literalBytes: number;
}

export function encodePatch(header: Omit<PatchHeader, 'literalBytes'>, literals: Uint8Array[]): Uint8Array[] {
  const raw = Buffer.concat(literals);
  const json = brotli(Buffer.from(JSON.stringify({ ...header, literalBytes: raw.length }), 'utf8'));
  const head = Buffer.alloc(MAGIC.length + 4);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, MAGIC.length);
  return [head, json, brotli(raw)];
}

function brotli(raw: Buffer): Buffer {
  return zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
}

export class PatchFormatError extends Error {}

export function decodePatch(bytes: Uint8Array): { header: PatchHeader; literals: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new PatchFormatError('not an Edgewise model patch (or an older format)');
  const len = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + len > buf.length) throw new PatchFormatError('patch header runs past the end of the file');
  let header: PatchHeader;
  try {
    header = JSON.parse(zlib.brotliDecompressSync(buf.subarray(start, start + len), { maxOutputLength: MAX_HEADER_BYTES }).toString('utf8')) as PatchHeader;
  } catch {
    throw new PatchFormatError('patch header is not compressed JSON');
  }
  if (header.format !== 2 || !Array.isArray(header.segments) || !(header.literalBytes >= 0)) throw new PatchFormatError('unknown patch format');
  let literals: Buffer;
  try {
    literals = zlib.brotliDecompressSync(buf.subarray(start + len), { maxOutputLength: Math.max(1, header.literalBytes) });
  } catch (e) {
    throw new PatchFormatError(`patch literals do not decompress: ${(e as Error).message}`);
  }
  if (literals.length !== header.literalBytes) throw new PatchFormatError('patch literals have the wrong length');
  return { header, literals };
}
