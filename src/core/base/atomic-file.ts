import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file written under a temporary name beside its destination, renamed into place on commit. */
export class AtomicFile {
  readonly tmp: string;
  private fd: number | undefined;

  constructor(readonly file: string) {
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    this.fd = fs.openSync(this.tmp, 'wx');
  }

  write(chunk: Uint8Array): void {
    writeAll(this.fd!, chunk);
  }

  /** fsync, rename into place, fsync the folder: after a crash or power loss, the old file or the new one. */
  commit(): void {
    fs.fsyncSync(this.fd!);
    fs.closeSync(this.fd!);
    this.fd = undefined;
    fs.renameSync(this.tmp, this.file);
    fsyncDir(path.dirname(this.file));
  }

  abort(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Writes all of `bytes` at the file's position (one writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, Math.min(bytes.length - written, 1 << 30));
}

/** fsync a folder, so renames inside it survive a power loss (a no-op where folders cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes chunks to a temporary file beside `file`, fsyncs, and renames it into place. */
export function atomicWrite(file: string, chunks: Uint8Array[]): void {
  const f = new AtomicFile(file);
  try {
    for (const c of chunks) f.write(c);
    f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}
