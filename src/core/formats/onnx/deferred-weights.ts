/**
 * Reading an ONNX file for its graph now and its weights a moment later. The graph of a model is
 * a few hundred kB; its weights are most of the file (98 of ResNet-50's 102 MB in initializers,
 * PP-OCR's 10 MB in Constant nodes), and showing the graph needs none of them.
 * `readDeferringWeights` follows the file's protobuf records and reads every byte except the
 * raw_data payloads of DEFER_BYTES and up (of the main graph's initializers and its nodes' tensor
 * attributes), which stay zeros in a buffer of the file's size: the decoder sees every tag and
 * every length as the file has them, so the checks of declared sizes (check.ts, tensor.ts) run on
 * the same figures. `DeferredWeights` then reads the payloads into place from the same open file:
 * on libuv's thread pool after a delay, or at once when something asks for them (Model.loadWeights).
 * A record it cannot follow (a length past its message, a wire type ONNX does not use) ends the
 * walk: the rest of the file is read whole, and the decoder reports what is wrong as before.
 */
import { InputFile, type InputOptions } from '../../base/input-file';
import { OnnxFormatError } from './errors';
import type { TensorProto } from './proto/onnx_pb';

/** raw_data payloads (of main-graph initializers and Constant values) at least this long are read later. */
export const DEFER_BYTES = 64 * 1024;
/**
 * The walk reads ahead this many bytes (one read for many small records); inside a record big
 * enough to hold a deferred payload, only HEADER_WINDOW (what reads ahead goes into the payload).
 */
const WINDOW = 64 * 1024;
const HEADER_WINDOW = 4 * 1024;
/** Background reads go through a scratch buffer of this size, copied into place on the JS thread. */
const BACKGROUND_CHUNK = 4 * 1024 * 1024;

/** A byte range of the file not read yet; `filled` bytes of it, from its start, are in place. */
interface Hole { at: number; length: number; filled: number }

export interface DeferredRead {
  /** The file's bytes, weights' payloads zeros until `weights` fills them. */
  bytes: Uint8Array;
  /** Undefined when every byte was read (no large weights, or a file the walk could not follow). */
  weights?: DeferredWeights;
}

const OFF_PATH = new Error('a record the walk does not follow');

/** The file read as the module comment says; its size checked by `o.limit` first. */
export function readDeferringWeights(file: string, o: InputOptions = {}): DeferredRead {
  const f = InputFile.open(file, o);
  let weights: DeferredWeights | undefined;
  try {
    // Zeroed (lazily mapped): a hole never shows another allocation's bytes.
    const bytes = new Uint8Array(f.size);
    const walk = new Walk(f, bytes);
    try {
      walk.fields(bytes.length, Kind.Model);
    } catch (e) {
      if (e !== OFF_PATH) throw e;
      walk.readAll();
    }
    if (walk.holes.length > 0) weights = new DeferredWeights(f, bytes, walk.holes);
    return { bytes, weights };
  } finally {
    if (!weights) f.close();
  }
}

/** What the walk descends into: a record of this kind at least DEFER_BYTES long, by the field number that holds it in its parent. */
const enum Kind { Model, Graph, Node, Attribute, Tensor }
const INNER: Record<Kind, Partial<Record<number, Kind>>> = {
  [Kind.Model]: { 7: Kind.Graph }, // ModelProto.graph
  [Kind.Graph]: { 1: Kind.Node, 5: Kind.Tensor }, // GraphProto.node, .initializer
  [Kind.Node]: { 5: Kind.Attribute }, // NodeProto.attribute
  [Kind.Attribute]: { 5: Kind.Tensor }, // AttributeProto.t (a Constant's value)
  [Kind.Tensor]: {},
};
const RAW_DATA = 9;

/**
 * A walk over the records of ModelProto, its main graph, and the initializers and nodes of it big
 * enough to hold a large raw_data; every other record is read whole without a look inside.
 */
class Walk {
  readonly holes: Hole[] = [];
  private pos = 0;
  /** Every byte before it is read, or a hole. */
  private readEnd = 0;
  private window = WINDOW;

  constructor(private readonly f: InputFile, private readonly buf: Uint8Array) {}

  /** The records in [pos, end) of a message of kind `kind`. */
  fields(end: number, kind: Kind): void {
    while (this.pos < end) {
      const tag = this.varint(end, true);
      const field = Math.floor(tag / 8);
      if (field === 0) throw OFF_PATH;
      switch (tag % 8) {
        case 0: this.varint(end); break;
        case 1: this.over(8, end); break;
        case 5: this.over(4, end); break;
        case 2: {
          const len = this.varint(end, true);
          if (len > end - this.pos) throw OFF_PATH;
          const inner = INNER[kind][field];
          if (kind === Kind.Tensor && field === RAW_DATA && len >= DEFER_BYTES) this.skip(this.pos + len);
          else if (inner === Kind.Graph) this.fields(this.pos + len, inner);
          else if (inner !== undefined && len >= DEFER_BYTES) this.within(this.pos + len, inner);
          else this.over(len, end);
          break;
        }
        default: throw OFF_PATH; // groups: ONNX has none
      }
    }
    if (this.pos !== end) throw OFF_PATH;
  }

  /** The records of a big record (a large initializer, a Constant node with a large value), read ahead a little at a time. */
  private within(end: number, kind: Kind): void {
    const outer = this.window;
    this.window = HEADER_WINDOW;
    this.fields(end, kind);
    this.window = outer;
  }

  /** Reads the rest of the file and every hole: the whole file, as a plain read would. */
  readAll(): void {
    for (const h of this.holes.splice(0)) this.f.readInto(this.buf.subarray(h.at, h.at + h.length), h.at);
    this.need(this.buf.length, 0);
  }

  /** A varint; `small`: a tag or a length, which protobuf-es reads as 32 bits (anything longer ends the walk). */
  private varint(end: number, small = false): number {
    this.need(this.pos, 10);
    let v = 0;
    for (let i = 0, scale = 1; i < (small ? 5 : 10) && this.pos < end; i++, scale *= 128) {
      const b = this.buf[this.pos++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (small && v >= 2 ** 32) break;
        return v;
      }
    }
    throw OFF_PATH;
  }

  private over(n: number, end: number): void {
    if (n > end - this.pos) throw OFF_PATH;
    this.need(this.pos, n);
    this.pos += n;
  }

  /** Leaves [pos, stop) unread: a hole from where reading got to (the window may have read into it). */
  private skip(stop: number): void {
    if (stop > this.readEnd) {
      this.holes.push({ at: this.readEnd, length: stop - this.readEnd, filled: 0 });
      this.readEnd = stop;
    }
    this.pos = stop;
  }

  /** Bytes [at, at + n) read (to the end of the file at most), a window at a time. */
  private need(at: number, n: number): void {
    const end = Math.min(this.buf.length, at + n);
    if (end <= this.readEnd) return;
    const to = Math.min(this.buf.length, Math.max(end, this.readEnd + this.window));
    this.f.readInto(this.buf.subarray(this.readEnd, to), this.readEnd);
    this.readEnd = to;
  }
}

/**
 * The weights a deferred read left out, read into place from the file as it was opened (the same
 * descriptor: a file replaced by a rename still reads as opened; one changed in place is refused).
 */
export class DeferredWeights {
  private file?: InputFile;
  private failure?: Error;
  private timer?: NodeJS.Timeout;
  /** A background read is under way: the descriptor stays open until it returns. */
  private reading = false;

  constructor(file: InputFile, private readonly bytes: Uint8Array, private readonly holes: Hole[]) {
    this.file = file;
  }

  /** True once every weight is in place. */
  get complete(): boolean {
    return !this.failure && !this.file; // the file closes once every hole is filled, or on failure
  }

  /** True when `view` (a view of the file's bytes) may have bytes not read yet. */
  missing(view: Uint8Array): boolean {
    if (this.complete || view.buffer !== this.bytes.buffer || view.length === 0) return false;
    const from = view.byteOffset - this.bytes.byteOffset, to = from + view.length;
    // The last hole starting before `to` (holes are sorted and disjoint): any overlap includes it.
    let lo = 0, hi = this.holes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.holes[mid].at < to) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && this.holes[lo - 1].at + this.holes[lo - 1].length > from;
  }

  /**
   * True when every byte not read lies in the raw_data of one of `tensors` (the decoded model's
   * initializers and tensor attributes): the decoder took those bytes as data, not as records, so
   * what it made of the file does not depend on them. (A malformed file can lead protobuf-es's
   * reader, which goes by the schema rather than the wire type, across a payload.)
   */
  readAsRawData(tensors: Iterable<TensorProto>): boolean {
    const views: [number, number][] = [];
    for (const t of tensors) {
      const r = t.rawData;
      if (r.length > 0 && r.buffer === this.bytes.buffer) views.push([r.byteOffset - this.bytes.byteOffset, r.byteOffset - this.bytes.byteOffset + r.length]);
    }
    // Views of one parse never overlap: the one starting last at or before a hole must hold it.
    views.sort((a, b) => a[0] - b[0]);
    let v = 0;
    for (const h of this.holes) {
      while (v + 1 < views.length && views[v + 1][0] <= h.at) v++;
      if (!views[v] || views[v][0] > h.at || views[v][1] < h.at + h.length) return false;
    }
    return true;
  }

  /** Reads every weight not in place yet, now; throws (naming the file) if it cannot. */
  fill(): void {
    clearTimeout(this.timer);
    if (this.failure) throw this.failure;
    if (this.complete) return;
    const f = this.file!;
    try {
      if (!f.unchanged()) throw new OnnxFormatError(f.file, 'changed on disk after it was opened; open it again to read its weights');
      for (const h of this.holes) {
        if (h.filled < h.length) f.readInto(this.bytes.subarray(h.at + h.filled, h.at + h.length), h.at + h.filled);
        h.filled = h.length;
      }
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
      throw this.failure;
    } finally {
      this.close();
    }
  }

  /** Reads the weights in the background, starting after `delayMs` (the JS thread only copies them into place). */
  fillLater(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.fillInBackground(), delayMs);
    this.timer.unref();
  }

  private async fillInBackground(): Promise<void> {
    const scratch = new Uint8Array(Math.min(BACKGROUND_CHUNK, this.holes.reduce((n, h) => Math.max(n, h.length), 0)));
    try {
      for (const h of this.holes) {
        while (h.filled < h.length) {
          const f = this.file;
          if (!f || this.failure) return;
          const part = scratch.subarray(0, Math.min(scratch.length, h.length - h.filled));
          const at = h.at + h.filled;
          this.reading = true;
          try {
            await f.readIntoAsync(part, at);
          } finally {
            this.reading = false;
          }
          // fill() may have run meanwhile, and closed the file once this read returned.
          if (!this.file) { f.close(); return; }
          if (h.at + h.filled === at) { this.bytes.set(part, at); h.filled += part.length; }
        }
      }
      if (!this.file!.unchanged()) throw new OnnxFormatError(this.file!.file, 'changed on disk after it was opened; open it again to read its weights');
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
    }
    this.close();
  }

  /** Closes the file, unless a background read still uses its descriptor (that read's end closes it). */
  private close(): void {
    const f = this.file;
    this.file = undefined;
    if (f && !this.reading) f.close();
  }
}
