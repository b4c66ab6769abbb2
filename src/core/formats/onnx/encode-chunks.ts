import { create, toBinary, type DescMessage } from '@bufbuild/protobuf';
import type { GraphProto, ModelProto, TensorProto } from './proto/onnx_pb';
import { packedSchemas } from './packed';
import { pushAll } from '../../base/arrays';

/**
 * Encodes a model as a list of byte chunks in which large tensor payloads are the tensors' own
 * bytes, not copies. The generic writer copies every payload several times (into a growing
 * buffer, again when a parent message's length prefix widens, and once more at the end), which
 * for a 100 MB model costs most of a second; here the graph's initializers are encoded one by
 * one with their big byte fields left out, and those fields are spliced back in at the place
 * their field number gives them, so the output is byte-for-byte what the generic writer makes.
 *
 * Must run while float_data/double_data are exposed as bytes (see packed.ts).
 */
export function encodeModelChunks(proto: ModelProto, bigFieldBytes = 64 * 1024, streamNodes = STREAM_NODES): Uint8Array[] {
  const s = packedSchemas();
  const opts = { writeUnknownFields: true };
  const g = proto.graph;
  if (!g || (g.node.length < streamNodes && !g.initializer.some((t) => bigFields(t, bigFieldBytes).length > 0))) return [toBinary(s.encode, proto, opts)];
  const graph = encodeGraph(g, bigFieldBytes);
  const rest = without(proto, ['graph'], () => toBinary(s.encode, proto, opts));
  return splice(rest, s.encode, [{ no: 7, chunks: graph }]);
}

/**
 * From this many nodes the main graph's nodes and initializers are written in runs (fieldRuns):
 * the generic writer copies the whole graph twice more (when the graph closes, and again at the
 * end), which on a 200,000-node model held 150 MB of buffers at once.
 */
const STREAM_NODES = 4096;

/** Concatenates chunks into one array (a single copy). */
export function concatChunks(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  // allocUnsafe skips zero-filling memory that is overwritten at once.
  const buf = Buffer.allocUnsafe(chunks.reduce((n, c) => n + c.length, 0));
  const out = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** A length-delimited field to insert, or (`encoded`) a run of whole fields, tags included. */
interface Insert { no: number; chunks: Uint8Array[]; encoded?: boolean }

const TENSOR_BYTE_FIELDS = [
  { no: 4, key: 'floatData' },
  { no: 9, key: 'rawData' },
  { no: 10, key: 'doubleData' },
] as const;

function bigFields(t: TensorProto, min: number) {
  const rec = t as unknown as Record<string, unknown>;
  return TENSOR_BYTE_FIELDS.filter(({ key }) => rec[key] instanceof Uint8Array && (rec[key] as Uint8Array).length >= min);
}

function encodeGraph(g: GraphProto, min: number): Uint8Array[] {
  const s = packedSchemas();
  const opts = { writeUnknownFields: true };
  const inits: Uint8Array[] = [];
  let small: TensorProto[] = [];
  const flushSmall = () => { pushAll(inits, fieldRuns(small, 'initializer')); small = []; };
  for (const t of g.initializer) {
    const big = bigFields(t, min);
    if (big.length === 0) { small.push(t); continue; }
    flushSmall();
    const rec = t as unknown as Record<string, Uint8Array>;
    const payloads = big.map(({ no, key }) => ({ no, chunks: [rec[key]] }));
    const rest = without(t, big.map((f) => f.key), () => toBinary(s.encodeTensor, t, opts));
    const chunks = splice(rest, s.encodeTensor, payloads);
    pushAll(inits, lengthDelimited(5, chunks));
  }
  flushSmall();
  const rest = without(g, ['node', 'initializer'], () => toBinary(s.encodeGraph, g, opts), []);
  return splice(rest, s.encodeGraph, [{ no: 1, chunks: fieldRuns(g.node, 'node'), encoded: true }, { no: 5, chunks: inits, encoded: true }]);
}

/**
 * A graph field's elements encoded (tags included) a few thousand at a time: each run is a graph
 * holding only them, whose encoding is exactly those fields. Bounded copies, few chunks.
 */
function fieldRuns<T>(list: T[], key: 'node' | 'initializer'): Uint8Array[] {
  const s = packedSchemas();
  const out: Uint8Array[] = [];
  for (let i = 0; i < list.length; i += RUN) {
    const part = create(s.encodeGraph) as unknown as Record<string, unknown>;
    part[key] = list.slice(i, i + RUN);
    out.push(toBinary(s.encodeGraph, part as never, { writeUnknownFields: true }));
  }
  return out;
}

const RUN = 4096;

/** Runs `fn` with the given fields unset (or set to `empty`), then puts them back as they were. */
function without<T>(msg: object, keys: readonly string[], fn: () => T, empty?: unknown): T {
  const rec = msg as Record<string, unknown>;
  const saved = keys.map((k) => ({ k, own: Object.prototype.hasOwnProperty.call(rec, k), v: rec[k] }));
  for (const k of keys) rec[k] = empty;
  try {
    return fn();
  } finally {
    for (const { k, own, v } of saved) {
      if (own) rec[k] = v;
      else delete rec[k];
    }
  }
}

/**
 * Inserts length-delimited fields into an encoded message where the canonical writer puts them:
 * before the first field with a larger number, and before unknown fields (written last).
 */
function splice(encoded: Uint8Array, desc: DescMessage, inserts: Insert[]): Uint8Array[] {
  const known = new Set(desc.fields.map((f) => f.number));
  const out: Uint8Array[] = [];
  let next = 0;
  let runStart = 0;
  let pos = 0;
  const flushInserts = (beforeNo: number, isKnown: boolean) => {
    while (next < inserts.length && (!isKnown || beforeNo > inserts[next].no)) {
      if (pos > runStart) out.push(encoded.subarray(runStart, pos));
      runStart = pos;
      const ins = inserts[next++];
      pushAll(out, ins.encoded ? ins.chunks : lengthDelimited(ins.no, ins.chunks));
    }
  };
  while (pos < encoded.length) {
    const tag = readVarint(encoded, pos);
    const no = Math.floor(tag.value / 8);
    flushInserts(no, known.has(no));
    pos = skipField(encoded, tag.next, tag.value % 8);
  }
  flushInserts(Infinity, false);
  if (pos > runStart) out.push(encoded.subarray(runStart, pos));
  return out;
}

function skipField(b: Uint8Array, pos: number, wire: number): number {
  switch (wire) {
    case 0: return readVarint(b, pos).next;
    case 1: return pos + 8;
    case 5: return pos + 4;
    case 2: { const len = readVarint(b, pos); return len.next + len.value; }
    default: throw new Error(`cannot splice around wire type ${wire}`);
  }
}

function readVarint(b: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = b[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, next: pos };
  }
}

/** Field `no` holding the bytes of `chunks` (wire type 2): its tag and length, then the chunks themselves. */
function lengthDelimited(no: number, chunks: Uint8Array[]): Uint8Array[] {
  const len = chunks.reduce((n, c) => n + c.length, 0);
  return [Uint8Array.from([...varint(no * 8 + 2), ...varint(len)]), ...chunks];
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
  return out;
}
