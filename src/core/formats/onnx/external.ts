import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorProto } from './proto/onnx_pb';
import { OnnxFormatError } from './errors';
import { InputFile, InputFileError, inputFileSize } from '../../base/input-file';

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

/**
 * Reads external tensor bytes, each tensor's slice on its own with positional reads, so data
 * files of any size work (readFileSync stops at 2 GiB) and only the tensors asked for are read.
 * A tensor's bytes are read once and kept, unless `keep` is false.
 */
export class ExternalDataReader {
  private readonly cache = new WeakMap<TensorProto, Uint8Array>();
  private readonly sizes = new Map<string, number>();
  private readonly paths = new Map<string, string>();

  constructor(private readonly modelDir: string, private readonly modelFile: string) {}

  read(t: TensorProto, expectedBytes: number, keep = true): Uint8Array {
    const cached = this.cache.get(t);
    if (cached) return cached;
    const { abs, ref, length } = this.span(t, expectedBytes);
    const bytes = Buffer.allocUnsafe(length);
    this.readInto(abs, ref, 0, bytes, t.name);
    if (keep) this.cache.set(t, bytes);
    return bytes;
  }

  /** Reads `into.byteLength` bytes of a tensor's external data, from byte `offset` of the tensor on (nothing kept). */
  readRange(t: TensorProto, offset: number, into: Uint8Array): void {
    const ref = externalRef(t, this.modelFile);
    const abs = this.resolve(ref.location);
    if (ref.length !== undefined && offset + into.byteLength > ref.length) {
      throw new OnnxFormatError(this.modelFile, `tensor '${t.name}': bytes ${offset}..${offset + into.byteLength} asked of its ${ref.length}`);
    }
    this.readInto(abs, ref, offset, into, t.name);
  }

  /** Checks that a tensor's external bytes exist, without reading them. */
  check(t: TensorProto, expectedBytes: number): void {
    this.span(t, expectedBytes);
  }

  /** Every external data file the tensors read so far resolve to (absolute paths). */
  files(): string[] {
    return [...new Set(this.paths.values())];
  }

  /**
   * The one rule for external data: a file inside the model's folder, a length equal to what the
   * shape needs (when the model states one), and the bytes present in the file.
   */
  private span(t: TensorProto, expectedBytes: number): { abs: string; ref: ExternalRef; length: number } {
    const ref = externalRef(t, this.modelFile);
    const abs = this.resolve(ref.location);
    const length = ref.length ?? expectedBytes;
    if (length !== expectedBytes) {
      throw new OnnxFormatError(this.modelFile, `tensor '${t.name}' has ${length} bytes of external data, its shape needs ${expectedBytes}`);
    }
    const size = this.fileSize(abs, ref.location, t.name);
    if (ref.offset + length > size) throw this.pastEnd(t.name, ref, length, size);
    return { abs, ref, length };
  }

  private resolve(location: string): string {
    let abs = this.paths.get(location);
    if (abs === undefined) this.paths.set(location, (abs = resolveExternalPath(this.modelDir, location, this.modelFile)));
    return abs;
  }

  private fileSize(abs: string, location: string, tensor: string): number {
    let size = this.sizes.get(abs);
    if (size === undefined) {
      size = this.withFile(location, tensor, () => inputFileSize(abs, { what: 'data' }));
      this.sizes.set(abs, size);
    }
    return size;
  }

  private readInto(abs: string, ref: ExternalRef, offset: number, into: Uint8Array, tensor: string): void {
    this.withFile(ref.location, tensor, () => {
      const f = InputFile.open(abs, { what: 'data' });
      try {
        const at = ref.offset + offset;
        if (at + into.byteLength > f.size) throw this.pastEnd(tensor, ref, offset + into.byteLength, f.size);
        f.readInto(into, at);
      } finally {
        f.close();
      }
    });
  }

  /** Runs `fn`, naming the model, the data file and the tensor in a file problem. */
  private withFile<T>(location: string, tensor: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      const why = e.problem === 'no such file' ? 'is missing' : e.problem;
      throw new OnnxFormatError(this.modelFile, `external data file '${location}' for tensor '${tensor}' ${why}`);
    }
  }

  private pastEnd(tensor: string, ref: ExternalRef, length: number, size: number): OnnxFormatError {
    return new OnnxFormatError(this.modelFile, `tensor '${tensor}' reads bytes ${ref.offset}..${ref.offset + length} of '${ref.location}', which has only ${size}`);
  }
}
