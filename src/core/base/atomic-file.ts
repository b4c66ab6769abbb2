import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A file written under a temporary name beside its destination (`.NAME.PID.ID.tmp`), renamed
 * into place on commit. Creating one first removes the temporaries of the same destination left
 * by processes that no longer run (a job killed with kill -9 cannot clean up after itself).
 */
export class AtomicFile {
  readonly tmp: string;
  private fd: number | undefined;

  constructor(readonly file: string) {
    clearStaleTemps(file);
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${(Date.now() * 1000 + tempSerial++).toString(36)}.tmp`);
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

let tempSerial = 0;
const TEMP_NAME = /^\.(.+)\.(\d+)\.([0-9a-z]+)\.tmp$/;

/** Removes the temporaries of `file` whose writing process is gone; returns their paths. */
export function clearStaleTemps(file: string): string[] {
  const dir = path.dirname(file);
  const name = path.basename(file);
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const e of entries) {
    const m = TEMP_NAME.exec(e);
    if (!m || m[1] !== name) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || isRunning(pid)) continue;
    const p = path.join(dir, e);
    try {
      if (!fs.lstatSync(p).isFile()) continue;
      fs.rmSync(p, { force: true });
      removed.push(p);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
