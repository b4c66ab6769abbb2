import { TfliteFormatError } from './errors';

/**
 * A bounds-checked reader of FlatBuffers tables. Every offset is checked against the bytes before
 * it is followed; a budget of table visits stops hostile files whose offsets point back at
 * tables already read (a cycle can only repeat work here, the schema depth is fixed).
 */
export class FlatBuffer {
  private readonly view: DataView;
  private visits = 0;
  private readonly maxVisits: number;

  /**
   * `fileBytes` is the size of the whole file when `bytes` holds only its beginning: a read past
   * `bytes` but inside the file then throws NeedMoreBytes so the caller can read further.
   */
  constructor(readonly bytes: Uint8Array, readonly file: string, private readonly fileBytes = bytes.byteLength) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // A table needs at least 4 bytes of its own, so a well-formed file has fewer than length/4 tables.
    this.maxVisits = Math.floor(bytes.byteLength / 4) + 64;
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  fail(problem: string): never {
    throw new TfliteFormatError(this.file, problem);
  }

  /** Checks that `size` bytes at `pos` lie in the file; `problem` replaces the default message. */
  need(pos: number, size: number, what: string, problem?: string): void {
    if (Number.isInteger(pos) && pos >= 0 && size >= 0 && pos + size <= this.bytes.byteLength) return;
    if (pos >= 0 && pos + size <= this.fileBytes) throw new NeedMoreBytes(pos + size);
    this.fail(problem ?? `${what} at offset ${pos} (${size} bytes) lies outside the file (${this.fileBytes} bytes)`);
  }

  u8(pos: number): number { this.need(pos, 1, 'byte'); return this.view.getUint8(pos); }
  i8(pos: number): number { this.need(pos, 1, 'byte'); return this.view.getInt8(pos); }
  u16(pos: number): number { this.need(pos, 2, 'uint16'); return this.view.getUint16(pos, true); }
  i32(pos: number): number { this.need(pos, 4, 'int32'); return this.view.getInt32(pos, true); }
  u32(pos: number): number { this.need(pos, 4, 'uint32'); return this.view.getUint32(pos, true); }
  f32(pos: number): number { this.need(pos, 4, 'float32'); return this.view.getFloat32(pos, true); }

  /** A uint64 as a number; larger than 2^53 is refused rather than rounded. */
  u64(pos: number, what: string): number {
    this.need(pos, 8, what);
    const v = this.view.getBigUint64(pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} at offset ${pos} is too large`);
    return Number(v);
  }

  /** Follows the uoffset stored at `pos`. */
  deref(pos: number, what: string): number {
    const target = pos + this.u32(pos);
    this.need(target, 1, what, `${what} offset at ${pos} points to ${target}, outside the file (${this.fileBytes} bytes)`);
    return target;
  }

  identifier(): string {
    this.need(0, 8, 'file header');
    return String.fromCharCode(this.bytes[4], this.bytes[5], this.bytes[6], this.bytes[7]);
  }

  root(what: string): Table {
    return this.table(this.deref(0, 'root table'), what);
  }

  table(pos: number, what: string): Table {
    if (++this.visits > this.maxVisits) {
      this.fail(`more than ${this.maxVisits} table visits for ${this.bytes.byteLength} bytes: offsets loop back onto tables already read (at ${what}, offset ${pos})`);
    }
    const vtable = pos - this.i32(pos);
    this.need(vtable, 4, `vtable of ${what}`);
    const vtableSize = this.u16(vtable);
    const objectSize = this.u16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(`vtable of ${what} at offset ${vtable} has invalid size ${vtableSize}`);
    this.need(vtable, vtableSize, `vtable of ${what}`);
    this.need(pos, objectSize, what);
    return new Table(this, pos, vtable, vtableSize, objectSize, what);
  }
}

/** Thrown when a read needs more of the file than was loaded; `end` is the offset it needs. */
export class NeedMoreBytes extends Error {
  constructor(readonly end: number) {
    super(`needs the file up to offset ${end}`);
  }
}

/** One table: fields are looked up through its vtable. */
export class Table {
  constructor(
    readonly fb: FlatBuffer, readonly pos: number, private readonly vtable: number,
    private readonly vtableSize: number, private readonly objectSize: number, readonly what: string,
  ) {}

  /** Absolute offset of field `id`, or 0 when the field is absent. */
  field(id: number): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtableSize) return 0;
    const rel = this.fb.u16(this.vtable + slot);
    if (rel === 0) return 0;
    if (rel >= this.objectSize) this.fb.fail(`field ${id} of ${this.what} at offset ${this.pos} lies outside its table`);
    return this.pos + rel;
  }

  has(id: number): boolean { return this.field(id) !== 0; }

  u8(id: number, dflt = 0): number { const p = this.field(id); return p ? this.fb.u8(p) : dflt; }
  i8(id: number, dflt = 0): number { const p = this.field(id); return p ? this.fb.i8(p) : dflt; }
  i32(id: number, dflt = 0): number { const p = this.field(id); return p ? this.fb.i32(p) : dflt; }
  u32(id: number, dflt = 0): number { const p = this.field(id); return p ? this.fb.u32(p) : dflt; }
  f32(id: number, dflt = 0): number { const p = this.field(id); return p ? this.fb.f32(p) : dflt; }
  bool(id: number, dflt = false): boolean { const p = this.field(id); return p ? this.fb.u8(p) !== 0 : dflt; }
  u64(id: number, what: string): number { const p = this.field(id); return p ? this.fb.u64(p, what) : 0; }

  table(id: number, what: string): Table | null {
    const p = this.field(id);
    return p ? this.fb.table(this.fb.deref(p, what), what) : null;
  }

  string(id: number, what: string): string | null {
    const v = this.vector(id, 1, what);
    return v ? new TextDecoder('utf-8').decode(this.fb.bytes.subarray(v.start, v.start + v.length)) : null;
  }

  /** Start and element count of a vector field; the whole vector is checked to lie in the file. */
  vector(id: number, elementSize: number, what: string): { start: number; length: number } | null {
    const p = this.field(id);
    if (!p) return null;
    const at = this.fb.deref(p, what);
    const length = this.fb.u32(at);
    const start = at + 4;
    this.fb.need(start, length * elementSize, what, `${what} claims ${length} elements at offset ${at}, past the end of the file`);
    return { start, length };
  }

  tables(id: number, what: string): Table[] {
    const v = this.vector(id, 4, what);
    if (!v) return [];
    const out: Table[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.fb.table(this.fb.deref(v.start + 4 * i, `${what}[${i}]`), `${what}[${i}]`));
    return out;
  }

  i32s(id: number, what: string): number[] | null {
    const v = this.vector(id, 4, what);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.fb.i32(v.start + 4 * i);
    return out;
  }

  f32s(id: number, what: string): number[] | null {
    const v = this.vector(id, 4, what);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.fb.f32(v.start + 4 * i);
    return out;
  }

  /** int64 values as numbers (zero points fit easily). */
  i64s(id: number, what: string): number[] | null {
    const v = this.vector(id, 8, what);
    if (!v) return null;
    const view = new DataView(this.fb.bytes.buffer, this.fb.bytes.byteOffset, this.fb.bytes.byteLength);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(view.getBigInt64(v.start + 8 * i, true));
    return out;
  }

  /** A [ubyte] vector as a zero-copy view. */
  bytes(id: number, what: string): Uint8Array | null {
    const v = this.vector(id, 1, what);
    return v ? this.fb.bytes.subarray(v.start, v.start + v.length) : null;
  }
}
