/**
 * The one way Edgewise opens a file it was given (a model, its external data, a .npy array,
 * labels, images, a recipe): only a regular file, after following links, with its size known
 * before a byte is read. A FIFO, /dev/zero, /dev/urandom, a socket or a folder is refused at
 * once with a message naming the file, instead of blocking forever or filling memory.
 *
 * Opening is O_NONBLOCK, so a FIFO does not wait for a writer; the type is then checked on the
 * open descriptor (fstat), so a path swapped after a check cannot slip a device in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An input file that cannot be used; the message names the file and the problem in one line. */
export class InputFileError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'InputFileError';
  }
}

export interface InputOptions {
  /** What the file is, for messages ('model', 'data', 'labels', 'recipe'). */
  what?: string;
  /** Largest size accepted, with the reason shown when a file is larger. */
  limit?: { bytes: number; why: string };
}

/** Largest single read: read(2) moves at most about 2 GiB per call on Linux. */
const READ_CHUNK = 1 << 30;
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** An open regular file: its size as opened, and positional reads that never go past it. */
export class InputFile {
  private fd: number | undefined;

  private constructor(readonly file: string, fd: number, readonly size: number, private readonly mtimeMs: number) {
    this.fd = fd;
  }

  static open(file: string, o: InputOptions = {}): InputFile {
    const abs = path.resolve(file);
    let fd: number;
    try {
      fd = fs.openSync(abs, OPEN_FLAGS);
    } catch (e) {
      throw openError(abs, e, o.what);
    }
    try {
      const st = fs.fstatSync(fd);
      checkStats(abs, st, o);
      return new InputFile(abs, fd, st.size, st.mtimeMs);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** `length` bytes at `position` (a new buffer); the file must still hold them. */
  read(position: number, length: number): Buffer {
    if (position < 0 || length < 0 || position + length > this.size) {
      throw new InputFileError(this.file, `reading bytes ${position}..${position + length} of a file of ${this.size} bytes`);
    }
    const out = Buffer.allocUnsafe(length);
    this.readInto(out, position);
    return out;
  }

  /** Fills `out` from `position`. */
  readInto(out: Uint8Array, position: number): void {
    let done = 0;
    while (done < out.length) {
      const n = fs.readSync(this.fd!, out, done, Math.min(READ_CHUNK, out.length - done), position + done);
      if (n === 0) throw new InputFileError(this.file, `ended at byte ${position + done} while being read (was it changed meanwhile?)`);
      done += n;
    }
  }

  /** Fills `out` from `position`, reading on libuv's thread pool (the calling thread goes on). */
  async readIntoAsync(out: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < out.length) {
      const fd = this.fd;
      if (fd === undefined) throw new InputFileError(this.file, 'was closed while being read');
      const n = await new Promise<number>((resolve, reject) => {
        fs.read(fd, out, done, Math.min(READ_CHUNK, out.length - done), position + done, (e, bytes) => (e ? reject(e) : resolve(bytes)));
      });
      if (n === 0) throw new InputFileError(this.file, `ended at byte ${position + done} while being read (was it changed meanwhile?)`);
      done += n;
    }
  }

  /** True while the open file still has the size and modification time it had when opened. */
  unchanged(): boolean {
    if (this.fd === undefined) return false;
    const st = fs.fstatSync(this.fd);
    return st.size === this.size && st.mtimeMs === this.mtimeMs;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The size of a regular input file, checked like `InputFile.open` but without opening it. */
export function inputFileSize(file: string, o: InputOptions = {}): number {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    throw openError(abs, e, o.what);
  }
  checkStats(abs, st, o);
  return st.size;
}

/** The whole file, its size checked against `limit` before reading. */
export function readInputFile(file: string, o: InputOptions = {}): Buffer {
  const f = InputFile.open(file, o);
  try {
    return f.read(0, f.size);
  } finally {
    f.close();
  }
}

/** The whole file as UTF-8 text. */
export function readInputText(file: string, o: InputOptions = {}): string {
  return readInputFile(file, o).toString('utf8');
}

/** Up to `n` bytes from the start of the file, and its size. */
export function readInputHead(file: string, n: number, o: InputOptions = {}): { head: Buffer; size: number } {
  const f = InputFile.open(file, o);
  try {
    return { head: f.read(0, Math.min(n, f.size)), size: f.size };
  } finally {
    f.close();
  }
}

/** What a non-regular file is, in words; undefined for a regular file. */
export function specialKind(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkStats(file: string, st: fs.Stats, o: InputOptions): void {
  const kind = specialKind(st);
  if (kind) throw new InputFileError(file, `is ${kind}, not a ${o.what ? `${o.what} ` : ''}file`);
  if (o.limit && st.size > o.limit.bytes) throw new InputFileError(file, `is ${st.size} bytes, ${o.limit.why}`);
}

function openError(file: string, e: unknown, what?: string): InputFileError {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return new InputFileError(file, 'no such file');
    case 'ENOTDIR': return new InputFileError(file, 'no such file (a part of the path is not a folder)');
    case 'EACCES': case 'EPERM': return new InputFileError(file, 'permission denied');
    case 'ELOOP': return new InputFileError(file, 'is a symbolic link loop');
    case 'EISDIR': return new InputFileError(file, `is a folder, not a ${what ? `${what} ` : ''}file`);
    case 'ENXIO': return new InputFileError(file, `is a socket or a device without a reader, not a ${what ? `${what} ` : ''}file`);
    default: return new InputFileError(file, `cannot be read (${code ?? String(e)})`);
  }
}
