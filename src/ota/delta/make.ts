/**
 * Builds the patch between two releases of an ONNX model (publisher side). The two files are
 * aligned on their tensors: every tensor present in both (by name) pins where its bytes sit in
 * each file, and each stretch of the new file is copied from the old one at the offset shift of
 * the tensor before or after it (or right after the last copy), wherever the bytes agree. What is
 * left travels as literals: the changed initializers and the parts of the graph that changed.
 */
import { createHash } from 'node:crypto';
import { decodeModelProto } from '../../core/formats/onnx/codec';
import { forEachTensor } from '../../core/formats/onnx/packed';
import type { TensorProto } from '../../core/formats/onnx/proto/onnx_pb';
import { encodePatch, type PatchHeader, type Segment } from './patch';

/** Shorter agreeing runs travel as literals: a copy segment costs about as much in the header. */
const MIN_COPY_BYTES = 32;

export interface DeltaPlan {
  chunks: Uint8Array[];
  /** Bytes of the patch file. */
  size: number;
  /** Tensors whose bytes equal the installed model's, and the bytes copied from it in all. */
  reusedTensors: number;
  reusedBytes: number;
  /** Tensors whose bytes travel in the patch (changed or new). */
  changedTensors: number;
}

export function makeDelta(
  oldBytes: Uint8Array, newBytes: Uint8Array,
  from: { version: string; file: string }, to: { version: string; file: string },
): DeltaPlan {
  const old = tensorSpans(oldBytes, from.file);
  const next = tensorSpans(newBytes, to.file);
  // Alignment points: both files' starts and ends, and where each tensor of both files starts in each.
  const anchors = [{ at: 0, shift: 0 }, { at: newBytes.length, shift: oldBytes.length - newBytes.length }];
  let reusedTensors = 0;
  for (const [name, p] of next) {
    const q = old.get(name);
    if (q && Buffer.compare(newBytes.subarray(p.offset, p.offset + p.length), oldBytes.subarray(q.offset, q.offset + q.length)) === 0) reusedTensors++;
    if (q) anchors.push({ at: p.offset, shift: q.offset - p.offset });
  }
  anchors.sort((a, b) => a.at - b.at);

  /** How many bytes from `i` on the new file has at `i + shift` in the old one. */
  const agree = (i: number, shift: number) => {
    if (i + shift < 0) return 0;
    const end = Math.min(newBytes.length, oldBytes.length - shift);
    let j = i;
    while (j < end && newBytes[j] === oldBytes[j + shift]) j++;
    return j - i;
  };
  const segments: Segment[] = [];
  const literals: Uint8Array[] = [];
  let reusedBytes = 0;
  let lit = 0;
  let k = 0;
  let oldAt = 0; // where the last copy ended in the old file
  for (let i = 0; i < newBytes.length;) {
    while (k + 2 < anchors.length && anchors[k + 1].at <= i) k++;
    let best = 0;
    let shift = 0;
    // The shifts of the tensors on either side, and the old file going on where the last copy
    // stopped (bytes inserted into the graph: a longer name, a new attribute).
    for (const s of [anchors[k].shift, anchors[k + 1].shift, oldAt - i]) {
      const n = agree(i, s);
      if (n > best) [best, shift] = [n, s];
    }
    if (best < MIN_COPY_BYTES) {
      i++;
      continue;
    }
    if (i > lit) {
      segments.push({ literal: i - lit });
      literals.push(newBytes.subarray(lit, i));
    }
    segments.push({ copy: i + shift, length: best });
    reusedBytes += best;
    i += best;
    oldAt = i + shift;
    lit = i;
  }
  if (lit < newBytes.length) {
    segments.push({ literal: newBytes.length - lit });
    literals.push(newBytes.subarray(lit));
  }
  const header: Omit<PatchHeader, 'literalBytes'> = {
    format: 2,
    from: { version: from.version, sha256: sha256(oldBytes) },
    to: { version: to.version, sha256: sha256(newBytes), size: newBytes.length },
    segments,
  };
  const chunks = encodePatch(header, literals);
  return { chunks, size: chunks.reduce((n, c) => n + c.length, 0), reusedTensors, reusedBytes, changedTensors: next.size - reusedTensors };
}

/** Where each named tensor's payload lies in the file; names used twice are left out (ambiguous). */
function tensorSpans(bytes: Uint8Array, file: string): Map<string, { offset: number; length: number }> {
  const out = new Map<string, { offset: number; length: number }>();
  const dup = new Set<string>();
  forEachTensor(decodeModelProto(bytes, file), (t) => {
    const p = payload(t);
    if (!t.name || !p || p.buffer !== bytes.buffer) return; // decoded into a copy: not a place in the file
    const offset = p.byteOffset - bytes.byteOffset;
    if (offset < 0 || offset + p.length > bytes.length) return;
    if (out.has(t.name)) dup.add(t.name);
    out.set(t.name, { offset, length: p.length });
  });
  for (const n of dup) out.delete(n);
  return out;
}

/** A tensor's payload bytes, whichever field holds them (raw_data, or packed float/double data). */
function payload(t: TensorProto): Uint8Array | undefined {
  if (t.rawData.length > 0) return t.rawData;
  for (const a of [t.floatData, t.doubleData] as unknown[]) {
    if (ArrayBuffer.isView(a) && a.byteLength > 0) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  }
  return undefined;
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
