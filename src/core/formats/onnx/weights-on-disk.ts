import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelProto } from './codec';
import { loadModel, PROTOBUF_LIMIT } from './io';
import { Model } from './model';
import { InputFile } from '../../base/input-file';

/** Weights at least this large stay on disk (smaller ones are cheaper kept than read again). */
export const ON_DISK_MIN_BYTES = 64 * 1024;

/**
 * Loads an ONNX file without reading its large weights, for jobs that stream a model's weights
 * once into another file (TFLite export). The file's protobuf is walked with positional reads:
 * every field is read except the `raw_data` of main-graph initializers of at least `minBytes`,
 * which become external data pointing into the .onnx file itself (read again each time they are
 * used, and not kept). The job then holds its output plus one weight, never the whole input.
 * A file the walk cannot follow (or a link out of its folder) is loaded whole, as loadModel does,
 * which also gives its errors.
 */
export function loadModelWeightsOnDisk(file: string, minBytes = ON_DISK_MIN_BYTES): Model {
  const abs = path.resolve(file);
  let skimmed: Uint8Array;
  let size: number;
  try {
    if (path.dirname(fs.realpathSync(abs)) !== fs.realpathSync(path.dirname(abs))) return loadModel(abs);
    const f = InputFile.open(abs, { what: 'model' });
    try {
      size = f.size;
      if (size > PROTOBUF_LIMIT) return loadModel(abs);
      skimmed = skimModel(new FileCursor(f), path.basename(abs), minBytes);
    } finally {
      f.close();
    }
    return new Model(decodeModelProto(skimmed, abs), { file: abs, fileBytes: size, rereadExternal: true });
  } catch {
    return loadModel(abs);
  }
}

// Field numbers (onnx.proto): ModelProto.graph, GraphProto.initializer, TensorProto.raw_data,
// TensorProto.external_data, TensorProto.data_location; StringStringEntryProto.key/value.
const MODEL_GRAPH = 7, GRAPH_INITIALIZER = 5, TENSOR_RAW_DATA = 9, TENSOR_EXTERNAL_DATA = 13, TENSOR_DATA_LOCATION = 14;
const EXTERNAL = 1;

/** The model's protobuf with large initializer data replaced by external references into `location`. */
function skimModel(c: FileCursor, location: string, minBytes: number): Uint8Array {
  const out: Uint8Array[] = [];
  fields(c, c.size, (no, wire) => {
    if (no !== MODEL_GRAPH || wire !== 2) return false;
    out.push(tag(no, 2), ...delimited(c, (end) => {
      const graph: Uint8Array[] = [];
      fields(c, end, (gno, gwire) => {
        if (gno !== GRAPH_INITIALIZER || gwire !== 2) return false;
        graph.push(tag(gno, 2), ...delimited(c, (tend) => skimTensor(c, tend, location, minBytes)));
        return true;
      }, graph);
      return graph;
    }));
    return true;
  }, out);
  return concat(out);
}

function skimTensor(c: FileCursor, end: number, location: string, minBytes: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let external: { offset: number; length: number } | undefined;
  fields(c, end, (no, wire) => {
    if (no !== TENSOR_RAW_DATA || wire !== 2) return false;
    const length = c.varint();
    if (length < minBytes) { out.push(tag(no, 2), varint(length), c.bytes(length)); return true; }
    external = { offset: c.pos, length };
    c.skip(length);
    return true;
  }, out);
  if (external) {
    const entry = (key: string, value: string) => {
      const body = concat([tag(1, 2), ...text(key), tag(2, 2), ...text(value)]);
      return [tag(TENSOR_EXTERNAL_DATA, 2), varint(body.length), body];
    };
    out.push(...entry('location', location), ...entry('offset', String(external.offset)), ...entry('length', String(external.length)),
      tag(TENSOR_DATA_LOCATION, 0), varint(EXTERNAL));
  }
  return out;
}

/**
 * Walks the fields up to `end`: `take(no, wire)` handles a field itself (cursor after its tag) and
 * returns true, or returns false to have the field copied as it is into `out`.
 */
function fields(c: FileCursor, end: number, take: (no: number, wire: number) => boolean, out: Uint8Array[]): void {
  while (c.pos < end) {
    const key = c.varint();
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (take(no, wire)) continue;
    out.push(varint(key));
    if (wire === 0) out.push(varint(c.varint()));
    else if (wire === 1 || wire === 5) out.push(c.bytes(wire === 1 ? 8 : 4));
    else if (wire === 2) { const n = c.varint(); out.push(varint(n), c.bytes(n)); } else throw new Error(`wire type ${wire}`);
  }
  if (c.pos !== end) throw new Error('a field runs past its message');
}

/** A length-delimited message rebuilt by `inner` (given its end): the new length, then its chunks. */
function delimited(c: FileCursor, inner: (end: number) => Uint8Array[]): Uint8Array[] {
  const n = c.varint();
  if (c.pos + n > c.size) throw new Error('a length runs past the end of the file');
  const chunks = inner(c.pos + n);
  return [varint(chunks.reduce((s, x) => s + x.length, 0)), ...chunks];
}

const tag = (no: number, wire: number) => varint(no * 8 + wire);

function text(s: string): Uint8Array[] {
  const b = Buffer.from(s, 'utf8');
  return [varint(b.length), b];
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80); }
  out.push(n);
  return Uint8Array.from(out);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((s, x) => s + x.length, 0));
  let at = 0;
  for (const x of chunks) { out.set(x, at); at += x.length; }
  return out;
}

/** Sequential reads of a file through a 64 KiB window; skipped bytes are never read. */
class FileCursor {
  pos = 0;
  private readonly window = Buffer.allocUnsafe(64 * 1024);
  private from = 0;
  private filled = 0;

  readonly size: number;

  constructor(private readonly f: InputFile) {
    this.size = f.size;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new Error('malformed varint');
  }

  /** A copy of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.size) throw new Error('a length runs past the end of the file');
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      if (this.pos < this.from || this.pos >= this.from + this.filled) this.load();
      const k = Math.min(n - done, this.from + this.filled - this.pos);
      out.set(this.window.subarray(this.pos - this.from, this.pos - this.from + k), done);
      done += k;
      this.pos += k;
    }
    return out;
  }

  skip(n: number): void {
    if (this.pos + n > this.size) throw new Error('a length runs past the end of the file');
    this.pos += n;
  }

  private byte(): number {
    if (this.pos < this.from || this.pos >= this.from + this.filled) this.load();
    return this.window[this.pos++ - this.from];
  }

  private load(): void {
    if (this.pos >= this.size) throw new Error('unexpected end of file');
    this.from = this.pos;
    this.filled = Math.min(this.window.length, this.size - this.pos);
    this.f.readInto(this.window.subarray(0, this.filled), this.pos);
  }
}
