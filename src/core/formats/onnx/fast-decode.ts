import { create, mergeFromBinary, type DescMessage } from '@bufbuild/protobuf';
import { getTextEncoding } from '@bufbuild/protobuf/wire';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from './proto/onnx_pb';
import { adoptPackedFields, forEachTensor } from './packed';
import { ANY_WIRE, makeTypes, type Types } from './fast-decode-types';
import { ATTRIBUTE_LISTS, EMPTY_LIST, shareEmptyLists, TENSOR_LISTS } from './empty-list';

/**
 * A hand-written reader for the messages a large ONNX file holds by the hundred thousand (the
 * graph's nodes, their plain attributes and tensor values, its initializers): 0.70 of
 * protobuf-es's generic reader's time on a 200,000-node model (bench/decode-nodes.ts), most of
 * the rest being GC. Its result is exactly what `fromBinary` with the `decode` schema then
 * `adoptPackedFields` give: the same prototypes, own fields in the same order, unknown fields
 * kept, bytes as views of the input; the empty lists of tensors and attributes, and nodes' empty
 * device configurations, are the one frozen empty list (empty-list.ts) that code replaces and
 * never appends to, as with build.ts's.
 *
 * Every other field (value infos, subgraphs, attributes' lists of tensors, functions,
 * metadata...) is handed to protobuf-es (`mergeFromBinary` over the run of records, with the
 * depth budget left at that point), which is how the generic reader would have read it. Anything
 * off the well-formed path (a length past its message, a wire type the field does not have, a
 * varint too long, a graph twice) returns undefined: the caller decodes with protobuf-es alone,
 * so results and errors on odd input are protobuf-es's own.
 */
export function decodeModelFast(bytes: Uint8Array): ModelProto | undefined {
  try {
    return readFile(bytes);
  } catch {
    return undefined;
  } finally {
    buf = EMPTY;
    walkAfter = [];
    inputs.length = outputs.length = dims.length = 0;
    recent.fill(undefined);
    latin1 = Buffer.alloc(0);
    view = new DataView(EMPTY.buffer);
  }
}

/** protobuf-es's limit on message nesting (makeReadContext's default). */
const RECURSION_LIMIT = 100;
const OFF_PATH = new Error('off the fast path');
const EMPTY = new Uint8Array(0);

let buf: Uint8Array = EMPTY;
let latin1: Buffer = Buffer.alloc(0);
let view: DataView = new DataView(EMPTY.buffer);
let pos = 0;
/** Scratch lists, copied out at the exact length. */
const inputs: string[] = [];
const outputs: string[] = [];
const dims: bigint[] = [];
/** Messages read partly by protobuf-es whose tensors must still be adopted (packed.ts). */
let walkAfter: object[] = [];

let types: Types | undefined;

function readFile(bytes: Uint8Array): ModelProto {
  const t = (types ??= makeTypes());
  buf = bytes;
  latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = 0;
  walkAfter = [];
  const model = create(t.model) as ModelProto;
  const end = bytes.length;
  const run = runs[1].reset();
  while (pos < end) {
    const start = pos;
    const tag = readTag(end);
    if (tag === (7 << 3 | 2)) {
      if (model.graph !== undefined) throw OFF_PATH; // a second graph merges into the first
      run.flush(t.model, model, 1);
      model.graph = readGraph(t, readEnd(end));
    } else {
      run.skip(t, t.model, start, tag, end);
    }
  }
  run.flush(t.model, model, 1);
  if (run.used) walkAfter.push({ ...model, graph: undefined });
  moveUnknownLast(model);
  for (const root of walkAfter) forEachTensor(root, adoptPackedFields);
  return model;
}

function readGraph(t: Types, end: number): GraphProto {
  const graph = create(t.graph) as GraphProto;
  const run = runs[2].reset();
  while (pos < end) {
    const start = pos;
    const tag = readTag(end);
    if (tag === (1 << 3 | 2)) {
      run.flush(t.graph, graph, 2);
      graph.node.push(readNode(t, readEnd(end)));
    } else if (tag === (5 << 3 | 2)) {
      run.flush(t.graph, graph, 2);
      graph.initializer.push(readTensor(t, readEnd(end), 3));
    } else {
      run.skip(t, t.graph, start, tag, end);
    }
  }
  run.flush(t.graph, graph, 2);
  if (run.used) walkAfter.push({ ...graph, node: [], initializer: [] });
  if (pos !== end) throw OFF_PATH;
  moveUnknownLast(graph);
  return graph;
}

function readNode(t: Types, end: number): NodeProto {
  const node = new t.Node();
  const run = runs[3].reset();
  let nIn = 0;
  let nOut = 0;
  while (pos < end) {
    const start = pos;
    const tag = readTag(end);
    switch (tag) {
      case 1 << 3 | 2: run.flush(t.node, node, 3); inputs[nIn++] = readString(end); break;
      case 2 << 3 | 2: run.flush(t.node, node, 3); outputs[nOut++] = readString(end); break;
      case 3 << 3 | 2: run.flush(t.node, node, 3); node.name = readString(end); break;
      case 4 << 3 | 2: run.flush(t.node, node, 3); node.opType = readString(end); break;
      case 5 << 3 | 2: run.flush(t.node, node, 3); node.attribute.push(readAttribute(t, readEnd(end))); break;
      case 6 << 3 | 2: run.flush(t.node, node, 3); node.docString = readString(end); break;
      case 7 << 3 | 2: run.flush(t.node, node, 3); node.domain = readString(end); break;
      case 8 << 3 | 2: run.flush(t.node, node, 3); node.overload = readString(end); break;
      default: // metadata_props, device_configurations (no tensors in either), unknown fields
        run.skip(t, t.node, start, tag, end);
    }
  }
  run.flush(t.node, node, 3);
  if (pos !== end) throw OFF_PATH;
  // Lists of their final length (a push would reserve 17 slots); a delegated run may not touch them.
  node.input = inputs.slice(0, nIn);
  node.output = outputs.slice(0, nOut);
  if (!node.deviceConfigurations.length) node.deviceConfigurations = EMPTY_LIST as never[];
  moveUnknownLast(node);
  return node;
}

function readAttribute(t: Types, end: number): AttributeProto {
  const a = new t.Attribute();
  const run = runs[4].reset();
  while (pos < end) {
    const start = pos;
    const tag = readTag(end);
    switch (tag) {
      case 1 << 3 | 2: run.flush(t.attribute, a, 4); a.name = readString(end); break;
      case 2 << 3 | 5: run.flush(t.attribute, a, 4); a.f = readFloat(end); break;
      case 3 << 3 | 0: run.flush(t.attribute, a, 4); a.i = readInt64(end); break;
      case 4 << 3 | 2: run.flush(t.attribute, a, 4); a.s = readBytes(end); break;
      case 7 << 3 | 5: run.flush(t.attribute, a, 4); a.floats.push(readFloat(end)); break;
      case 7 << 3 | 2: { run.flush(t.attribute, a, 4); const e = readEnd(end); while (pos < e) a.floats.push(readFloat(e)); break; }
      case 8 << 3 | 0: run.flush(t.attribute, a, 4); a.ints.push(readInt64(end)); break;
      case 8 << 3 | 2: { run.flush(t.attribute, a, 4); const e = readEnd(end); while (pos < e) a.ints.push(readInt64(e)); break; }
      case 9 << 3 | 2: run.flush(t.attribute, a, 4); a.strings.push(readBytes(end)); break;
      case 13 << 3 | 2: run.flush(t.attribute, a, 4); a.docString = readString(end); break;
      case 21 << 3 | 2: run.flush(t.attribute, a, 4); a.refAttrName = readString(end); break;
      // t: a Constant's value, the weights of models exported with them (a second one would merge into the first)
      case 5 << 3 | 2: if (a.t !== undefined) throw OFF_PATH; run.flush(t.attribute, a, 4); a.t = readTensor(t, readEnd(end), 5); break;
      case 20 << 3 | 0:
        run.flush(t.attribute, a, 4);
        a.type = readKnownEnum(t.attributeTypes, end);
        break;
      default: // g, tensors, graphs, sparse tensors, type protos, unknown fields
        run.skip(t, t.attribute, start, tag, end);
    }
  }
  run.flush(t.attribute, a, 4);
  if (pos !== end) throw OFF_PATH;
  shareEmptyLists(a, ATTRIBUTE_LISTS);
  moveUnknownLast(a);
  if (run.used) walkAfter.push(a.t ? { ...a, t: undefined } : a); // not its tensor, adopted already: twice loses its packed lists
  return a;
}

function readTensor(t: Types, end: number, depth: number): TensorProto {
  const x = new t.Tensor();
  const run = runs[depth].reset();
  let nDims = 0;
  while (pos < end) {
    const start = pos;
    const tag = readTag(end);
    switch (tag) {
      case 1 << 3 | 0: run.flush(t.tensor, x, depth); dims[nDims++] = readInt64(end); break;
      case 1 << 3 | 2: { run.flush(t.tensor, x, depth); const e = readEnd(end); while (pos < e) dims[nDims++] = readInt64(e); break; }
      case 2 << 3 | 0: run.flush(t.tensor, x, depth); x.dataType = readInt32(end); break;
      case 8 << 3 | 2: run.flush(t.tensor, x, depth); x.name = readString(end); break;
      case 9 << 3 | 2: run.flush(t.tensor, x, depth); x.rawData = readBytes(end); break;
      case 12 << 3 | 2: run.flush(t.tensor, x, depth); x.docString = readString(end); break;
      case 14 << 3 | 0:
        run.flush(t.tensor, x, depth);
        x.dataLocation = readKnownEnum(t.dataLocations, end);
        break;
      default:
        // float_data and double_data (unknown to the decode schema, adopted below), the other
        // typed lists, segment, external_data, metadata, unknown fields: none holds a tensor
        run.skip(t, t.tensor, start, tag, end);
    }
  }
  run.flush(t.tensor, x, depth);
  if (pos !== end) throw OFF_PATH;
  x.dims = dims.slice(0, nDims);
  moveUnknownLast(x);
  if (x.$unknown === undefined) { // what adoptPackedFields does without float_data and double_data
    x.floatData = EMPTY_LIST as never[];
    x.doubleData = EMPTY_LIST as never[];
  } else adoptPackedFields(x);
  shareEmptyLists(x, TENSOR_LISTS);
  return x;
}

/** Consecutive records left to protobuf-es, read into their message in one call. */
class Run {
  private start = -1;
  private end = -1;
  /** Whether any record went to protobuf-es. */
  used = false;

  reset(): this {
    this.start = -1;
    this.used = false;
    return this;
  }

  /** Skips the record that began at `start` (its tag is read), adding it to the run. */
  skip(t: Types, desc: DescMessage, start: number, tag: number, end: number): void {
    skipField(t, desc, tag, end);
    if (this.start < 0) this.start = start;
    this.end = pos;
  }

  /** Reads the run into `msg` (at nesting `depth`, the root message being 1). */
  flush(desc: DescMessage, msg: object, depth: number): void {
    if (this.start < 0) return;
    const saved = pos;
    // protobuf-es counts this message as depth 1 where the whole-file reader counts `depth`.
    mergeFromBinary(desc, msg as never, buf.subarray(this.start, this.end), { readUnknownFields: true, recursionLimit: RECURSION_LIMIT - depth + 1 });
    pos = saved;
    this.start = -1;
    this.used = true;
  }
}

/** One per nesting depth (1 the model): a node's and an initializer's never overlap, nor an attribute's tensor's. */
const runs = [0, 1, 2, 3, 4, 5].map(() => new Run());

/** protobuf-es sets $unknown when a message ends, after its fields. */
function moveUnknownLast(msg: { $unknown?: unknown }): void {
  if (msg.$unknown === undefined) return;
  const u = msg.$unknown;
  delete msg.$unknown;
  msg.$unknown = u;
}

function readTag(end: number): number {
  const tag = readVarint32(end);
  if (tag >>> 3 === 0 || (tag & 7) > 5) throw OFF_PATH;
  return tag;
}

/** A varint of at most 32 bits in at most 5 bytes, ending before `end`. */
function readVarint32(end: number): number {
  let b = buf[pos++];
  let r = b & 0x7f;
  if (b < 0x80) return checked(r, end);
  b = buf[pos++]; r |= (b & 0x7f) << 7;
  if (b < 0x80) return checked(r, end);
  b = buf[pos++]; r |= (b & 0x7f) << 14;
  if (b < 0x80) return checked(r, end);
  b = buf[pos++]; r |= (b & 0x7f) << 21;
  if (b < 0x80) return checked(r, end);
  b = buf[pos++];
  if (!(b <= 0x0f)) throw OFF_PATH; // more than 32 bits, or past the buffer (undefined)
  return checked((r | (b << 28)) >>> 0, end);
}

function checked(value: number, end: number): number {
  if (pos > end) throw OFF_PATH;
  return value;
}

function readLength(end: number): number {
  const len = readVarint32(end);
  if (len > end - pos) throw OFF_PATH;
  return len;
}

/** Reads a length and returns where its payload ends. */
function readEnd(end: number): number {
  const len = readLength(end);
  return pos + len;
}

function readInt32(end: number): number {
  return readVarint32(end) | 0;
}

/**
 * A closed enum's value. protobuf-es keeps a value the schema lacks as an unknown field, set on
 * the message at once (so before later fields), and loses it when the message also has other
 * unknown fields: those files are left to protobuf-es.
 */
function readKnownEnum(known: Set<number>, end: number): number {
  const v = readVarint32(end) | 0;
  if (!known.has(v)) throw OFF_PATH;
  return v;
}

const int64View = new DataView(new ArrayBuffer(8));
/** Dims and ints are mostly small: one bigint each (a bigint is a value, its identity is not seen). */
const SMALL = Array.from({ length: 4096 }, (_, i) => BigInt(i));

/** protobuf-es's varint64read and protoInt64.dec, for well-formed varints (at most 10 bytes). */
function readInt64(end: number): bigint {
  let lo = 0;
  let hi = 0;
  let b = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    b = buf[pos++];
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return int64(lo, 0, end);
  }
  b = buf[pos++];
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x70) >> 4;
  if (b < 0x80) return int64(lo, hi, end);
  for (let shift = 3; shift <= 31; shift += 7) {
    b = buf[pos++];
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) return int64(lo, hi, end);
  }
  throw OFF_PATH; // also a read past the buffer: undefined < 0x80 is false
}

function int64(lo: number, hi: number, end: number): bigint {
  if (pos > end) throw OFF_PATH;
  if (hi === 0 && lo >= 0) return lo < SMALL.length ? SMALL[lo] : BigInt(lo);
  int64View.setInt32(0, lo, true);
  int64View.setInt32(4, hi, true);
  return int64View.getBigInt64(0, true);
}

function readFloat(end: number): number {
  if (end - pos < 4) throw OFF_PATH;
  const v = view.getFloat32(pos, true);
  pos += 4;
  return v;
}

function readBytes(end: number): Uint8Array {
  const len = readLength(end);
  const start = pos;
  pos += len;
  return buf.subarray(start, pos);
}

const decodeUtf8 = getTextEncoding().decodeUtf8;

/** The same string protobuf-es makes (its strings are not validated: U+FFFD for bad UTF-8). */
function readString(end: number): string {
  const len = readLength(end);
  const start = pos;
  pos += len;
  let h = len;
  for (let i = start; i < pos; i++) {
    const c = buf[i];
    if (c > 0x7f) return decodeUtf8(buf.subarray(start, pos), false);
    h = (h * 31 + c) | 0;
  }
  if (len > 48) return latin1.toString('latin1', start, pos);
  // Names repeat (a value is one node's output and the next one's input, op types recur):
  // the same string again costs no allocation, and no memory while the model lives.
  const slot = h & (RECENT - 1);
  const seen = recent[slot];
  if (seen !== undefined && seen.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) if (seen.charCodeAt(i) !== buf[start + i]) { same = false; break; }
    if (same) return seen;
  }
  return (recent[slot] = latin1.toString('latin1', start, pos));
}

/** Recently read ASCII strings by a hash of their bytes (a power of two). */
const RECENT = 1 << 14;
const recent: (string | undefined)[] = new Array(RECENT).fill(undefined);

/** Skips one record's value as protobuf-es would read it (else off the path): its wire type must be the field's. */
function skipField(t: Types, desc: DescMessage, tag: number, end: number): void {
  const wire = tag & 7;
  const allowed = t.wires.get(desc)![tag >>> 3] ?? ANY_WIRE;
  if ((allowed & (1 << wire)) === 0) throw OFF_PATH;
  switch (wire) {
    case 0: for (let n = 0; ; n++) { if (n === 10) throw OFF_PATH; if (buf[pos++] < 0x80) break; } break;
    case 1: pos += 8; break;
    case 2: { const len = readLength(end); pos += len; break; }
    case 5: pos += 4; break;
    default: throw OFF_PATH; // groups
  }
  if (pos > end) throw OFF_PATH;
}
