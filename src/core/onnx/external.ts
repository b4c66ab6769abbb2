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

/** Reads external tensor bytes; each data file is read once and sliced (views, no per-tensor copy). */
export class ExternalDataReader {
  private readonly files = new Map<string, Buffer>();

  constructor(private readonly modelDir: string, private readonly modelFile: string) {}

  read(t: TensorProto, expectedBytes: number): Uint8Array {
    const ref = externalRef(t, this.modelFile);
    const abs = resolveExternalPath(this.modelDir, ref.location, this.modelFile);
    let buf = this.files.get(abs);
    if (!buf) {
      try {
        buf = fs.readFileSync(abs);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(e)})`;
        throw new OnnxFormatError(this.modelFile, `external data file '${ref.location}' for tensor '${t.name}' ${why}`);
      }
      this.files.set(abs, buf);
    }
    const length = ref.length ?? expectedBytes;
    if (ref.offset + length > buf.length) {
      throw new OnnxFormatError(this.modelFile, `tensor '${t.name}' reads bytes ${ref.offset}..${ref.offset + length} of '${ref.location}', which has only ${buf.length}`);
    }
    if (length < expectedBytes) {
      throw new OnnxFormatError(this.modelFile, `tensor '${t.name}' has ${length} bytes of external data, its shape needs ${expectedBytes}`);
    }
    return buf.subarray(ref.offset, ref.offset + length);
  }
}
