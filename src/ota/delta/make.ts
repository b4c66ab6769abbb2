/** Builds the patch between two releases of a model (publisher side). */
import { createHash } from 'node:crypto';
import { decodeModelProto } from '../../core/formats/onnx/codec';
import { encodePatch, namedPayloads, type PatchHeader, type Segment } from './patch';

/** Tensors smaller than this travel inside the literal bytes: a reference would cost as much. */
const MIN_REFERENCE_BYTES = 64;

export interface DeltaPlan {
  chunks: Uint8Array[];
  /** Bytes of the patch file. */
  size: number;
  /** Tensors taken from the installed model, and their bytes. */
  reusedTensors: number;
  reusedBytes: number;
  /** Tensors whose bytes travel in the patch (changed or new). */
  changedTensors: number;
}

export function makeDelta(
  oldBytes: Uint8Array, newBytes: Uint8Array,
  from: { version: string; file: string }, to: { version: string; file: string },
): DeltaPlan {
  const old = namedPayloads(decodeModelProto(oldBytes, from.file));
  const next = namedPayloads(decodeModelProto(newBytes, to.file));
  const refs: { name: string; offset: number; length: number }[] = [];
  let changed = 0;
  for (const [name, p] of next) {
    const before = old.get(name);
    const offset = p.byteOffset - newBytes.byteOffset;
    const inFile = p.buffer === newBytes.buffer && offset >= 0 && offset + p.length <= newBytes.length;
    if (before && inFile && p.length >= MIN_REFERENCE_BYTES && Buffer.compare(before, p) === 0) refs.push({ name, offset, length: p.length });
    else changed++;
  }
  refs.sort((a, b) => a.offset - b.offset);
  const segments: Segment[] = [];
  const literals: Uint8Array[] = [];
  let at = 0;
  for (const r of refs) {
    if (r.offset < at) continue; // overlapping views cannot both be references
    if (r.offset > at) {
      segments.push({ literal: r.offset - at });
      literals.push(newBytes.subarray(at, r.offset));
    }
    segments.push({ tensor: r.name, length: r.length });
    at = r.offset + r.length;
  }
  if (at < newBytes.length) {
    segments.push({ literal: newBytes.length - at });
    literals.push(newBytes.subarray(at));
  }
  const header: Omit<PatchHeader, 'literalBytes'> = {
    format: 1,
    from: { version: from.version, sha256: sha256(oldBytes) },
    to: { version: to.version, sha256: sha256(newBytes), size: newBytes.length },
    segments,
  };
  const chunks = encodePatch(header, literals);
  const reused = segments.filter((s): s is { tensor: string; length: number } => 'tensor' in s);
  return {
    chunks,
    size: chunks.reduce((n, c) => n + c.length, 0),
    reusedTensors: reused.length,
    reusedBytes: reused.reduce((n, s) => n + s.length, 0),
    changedTensors: changed,
  };
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
