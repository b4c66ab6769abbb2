import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorProto } from './proto/onnx_pb';
import { OnnxFormatError } from './errors';

export interface ExternalRef {
  location: string;
  offset: number;
  length: number | undefined;
}

export function externalRef(t: TensorProto, file: string): ExternalRef {
  const kv = new Map(t.externalData.map((e) => [e.key, e.value]));
  const location = kv.get('location');
  if (!location) throw new OnnxFormatError(file, `tensor '${t.name}' is marked external but has no 'location'`);
  const offset = kv.has('offset') ? Number(kv.get('offset')) : 0;
  const length = kv.has('length') ? Number(kv.get('length')) : undefined;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
    throw new OnnxFormatError(file, `tensor '${t.name}' has an invalid external offset/length (${kv.get('offset')}/${kv.get('length')})`);
  }
  return { location, offset, length };
}

/**
 * The absolute path of an external data file. A location that is absolute, or that leaves the
 * model's folder (`..`, or a symlink pointing outside), is an attack on the user's files: refused.
 */
export function resolveExternalPath(modelDir: string, location: string, file: string): string {
  if (location.includes('\0')) throw new OnnxFormatError(file, `external data location '${location}' contains a NUL byte`);
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location)) {
    throw new OnnxFormatError(file, `external data location '${location}' is an absolute path; only paths inside the model's folder are allowed`);
  }
  const root = path.resolve(modelDir);
  const resolved = path.resolve(root, location.replace(/\\/g, '/'));
  if (!isInside(root, resolved)) {
    throw new OnnxFormatError(file, `external data location '${location}' escapes the model's folder`);
  }
  if (fs.existsSync(resolved)) {
    const real = fs.realpathSync(resolved);
    if (!isInside(fs.realpathSync(root), real)) {
      throw new OnnxFormatError(file, `external data location '${location}' is a link that leads outside the model's folder`);
    }
  }
  return resolved;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Largest single read: read(2) moves at most about 2 GiB per call on Linux. */
const READ_CHUNK = 1 << 30;

/**
 * Reads external tensor bytes, each tensor's slice on its own with positional reads, so data
 * files of any size work (readFileSync stops at 2 GiB) and only the tensors asked for are read.
 * A tensor's bytes are read once and kept, unless `keep` is false.
 */
export class ExternalDataReader {
  private readonly cache = new WeakMap<TensorProto, Uint8Array>();
  private readonly sizes = new Map<string, number>();

  constructor(private readonly modelDir: string, private readonly modelFile: string) {}

  read(t: TensorProto, expectedBytes: number, keep = true): Uint8Array {
    const cached = this.cache.get(t);
    if (cached) return cached;
    const ref = externalRef(t, this.modelFile);
    const abs = resolveExternalPath(this.modelDir, ref.location, this.modelFile);
    const length = ref.length ?? expectedBytes;
    if (length < expectedBytes) {
      throw new OnnxFormatError(this.modelFile, `tensor '${t.name}' has ${length} bytes of external data, its shape needs ${expectedBytes}`);
    }
    const bytes = Buffer.allocUnsafe(length);
    this.readInto(abs, ref, 0, bytes, t.name);
    if (keep) this.cache.set(t, bytes);
    return bytes;
  }

  /** Reads `into.byteLength` bytes of a tensor's external data, from byte `offset` of the tensor on (nothing kept). */
  readRange(t: TensorProto, offset: number, into: Uint8Array): void {
    const ref = externalRef(t, this.modelFile);
    const abs = resolveExternalPath(this.modelDir, ref.location, this.modelFile);
    if (ref.length !== undefined && offset + into.byteLength > ref.length) {
      throw new OnnxFormatError(this.modelFile, `tensor '${t.name}': bytes ${offset}..${offset + into.byteLength} asked of its ${ref.length}`);
    }
    this.readInto(abs, ref, offset, into, t.name);
  }

  /** Checks that a tensor's external bytes exist, without reading them. */
  check(t: TensorProto, expectedBytes: number): void {
    const ref = externalRef(t, this.modelFile);
    const abs = resolveExternalPath(this.modelDir, ref.location, this.modelFile);
    const size = this.fileSize(abs, ref.location, t.name);
    const length = ref.length ?? expectedBytes;
    if (ref.offset + length > size) throw this.pastEnd(t.name, ref, length, size);
  }

  private fileSize(abs: string, location: string, tensor: string): number {
    let size = this.sizes.get(abs);
    if (size === undefined) {
      try {
        const st = fs.statSync(abs);
        if (!st.isFile()) throw new OnnxFormatError(this.modelFile, `external data '${location}' for tensor '${tensor}' is not a regular file`);
        size = st.size;
      } catch (e) {
        if (e instanceof OnnxFormatError) throw e;
        throw this.unreadable(e, location, tensor);
      }
      this.sizes.set(abs, size);
    }
    return size;
  }

  private readInto(abs: string, ref: ExternalRef, offset: number, into: Uint8Array, tensor: string): void {
    const size = this.fileSize(abs, ref.location, tensor);
    const length = into.byteLength;
    const at = ref.offset + offset;
    if (at + length > size) throw this.pastEnd(tensor, ref, offset + length, size);
    let fd: number;
    try {
      fd = fs.openSync(abs, 'r');
    } catch (e) {
      throw this.unreadable(e, ref.location, tensor);
    }
    try {
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, into, done, Math.min(READ_CHUNK, length - done), at + done);
        if (n === 0) throw this.pastEnd(tensor, ref, offset + length, at + done);
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  private unreadable(e: unknown, location: string, tensor: string): OnnxFormatError {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(e)})`;
    return new OnnxFormatError(this.modelFile, `external data file '${location}' for tensor '${tensor}' ${why}`);
  }

  private pastEnd(tensor: string, ref: ExternalRef, length: number, size: number): OnnxFormatError {
    return new OnnxFormatError(this.modelFile, `tensor '${tensor}' reads bytes ${ref.offset}..${ref.offset + length} of '${ref.location}', which has only ${size}`);
  }
}
