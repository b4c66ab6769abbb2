import { InputFile, InputFileError, inputFileSize } from '../../base/input-file';
import { CoreMLFormatError } from './errors';

/**
 * MIL blob storage (the `weights/weight.bin` of an ML Program): a 64-byte header (u32 count,
 * u32 version = 2), then per blob a 64-byte metadata record (u32 sentinel 0xDEADBEEF, u32 data
 * type, u64 size in bytes, u64 data offset, ...) and its data, each 64-byte aligned. MIL constants
 * refer to a blob by the offset of its metadata record. Nothing is read until asked for, and then
 * only the 64 bytes of a record or the bytes of one blob.
 */
export const BLOB_SENTINEL = 0xdeadbeef;
const RECORD_BYTES = 64;

/** Blob data types by their storage code, in Edgewise dtype names. */
export const BLOB_DTYPES: Record<number, string> = {
  1: 'float16', 2: 'float32', 3: 'uint8', 4: 'int8', 5: 'bfloat16', 6: 'int16', 7: 'uint16', 8: 'int4',
  9: 'uint1', 10: 'uint2', 11: 'uint4', 12: 'uint3', 13: 'uint6', 14: 'int32', 15: 'uint32',
  16: 'float8e4m3fn', 17: 'float8e5m2',
};

export interface BlobRecord {
  /** Offset of the metadata record (what MIL refers to). */
  offset: number;
  dtype: string;
  sizeInBytes: number;
  dataOffset: number;
}

export class BlobFile {
  private size?: number;
  private readonly records = new Map<number, BlobRecord>();
  /** Bytes read from disk so far (records and data), for benchmarks and tests. */
  bytesRead = 0;

  constructor(readonly file: string) {}

  fileBytes(): number {
    if (this.size === undefined) {
      this.size = this.opened(() => inputFileSize(this.file, { what: 'weight' }));
    }
    return this.size;
  }

  /** The storage header: blob count and format version (only version 2 is known). */
  header(): { count: number; version: number } {
    const b = this.read(0, RECORD_BYTES, 'the storage header');
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const header = { count: view.getUint32(0, true), version: view.getUint32(4, true) };
    if (header.version !== 2) throw new CoreMLFormatError(this.file, `blob storage version ${header.version}; only version 2 is known`);
    return header;
  }

  /** The metadata record at `offset`, checked: sentinel, known data type, data inside the file. */
  record(offset: number): BlobRecord {
    const hit = this.records.get(offset);
    if (hit) return hit;
    const size = this.fileBytes();
    if (offset < RECORD_BYTES || offset + RECORD_BYTES > size) {
      throw new CoreMLFormatError(this.file, `blob offset ${offset} is past the end of the file (${size} bytes)`);
    }
    const b = this.read(offset, RECORD_BYTES, `the blob record at offset ${offset}`);
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const sentinel = view.getUint32(0, true);
    if (sentinel !== BLOB_SENTINEL) {
      throw new CoreMLFormatError(this.file, `blob record at offset ${offset} starts with 0x${sentinel.toString(16).padStart(8, '0')}, not the 0xdeadbeef sentinel: wrong offset or corrupt file`);
    }
    const code = view.getUint32(4, true);
    const dtype = BLOB_DTYPES[code];
    if (!dtype) throw new CoreMLFormatError(this.file, `blob record at offset ${offset} has unknown data type ${code}`);
    const sizeInBytes = Number(view.getBigUint64(8, true));
    const dataOffset = Number(view.getBigUint64(16, true));
    if (dataOffset + sizeInBytes > size) {
      throw new CoreMLFormatError(this.file, `blob at offset ${offset} claims ${sizeInBytes} bytes at ${dataOffset}, past the end of the file (${size} bytes)`);
    }
    const rec = { offset, dtype, sizeInBytes, dataOffset };
    this.records.set(offset, rec);
    return rec;
  }

  /** One blob's bytes (a single read of exactly its size). */
  data(rec: BlobRecord): Uint8Array {
    return this.read(rec.dataOffset, rec.sizeInBytes, `the blob at offset ${rec.offset}`);
  }

  private read(position: number, length: number, what: string): Uint8Array {
    const f = this.opened(() => InputFile.open(this.file, { what: 'weight' }));
    try {
      if (position + length > f.size) throw new CoreMLFormatError(this.file, `${what} runs past the end of the file`);
      // Aligned to 8 so typed-array views over the result need no copy.
      const out = new Uint8Array(new ArrayBuffer(Math.ceil(length / 8) * 8), 0, length);
      f.readInto(out, position);
      this.bytesRead += length;
      return out;
    } finally {
      f.close();
    }
  }

  /** Runs `fn`, a weight file that cannot be used becoming a Core ML error that names it. */
  private opened<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      throw new CoreMLFormatError(this.file, e.problem === 'no such file' ? 'the weight file is missing' : `the weight file ${e.problem}`);
    }
  }
}
