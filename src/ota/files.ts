/**
 * Durable file steps for the release repository and the device folder: a write is made under a
 * temporary name, fsynced, renamed over its destination, and the folder fsynced, so after a
 * crash or power loss a reader sees the old file or the new one, never a mix.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** fsync a folder, so the renames inside it survive a power loss. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    // Some platforms (Windows) cannot open or fsync a folder; the rename is then as durable as it gets.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A name beside `file` that no other writer uses and that `isTempName` recognises. */
export function tempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** Writes `data` to `file` atomically and durably. */
export function writeFileDurable(file: string, data: string | Uint8Array): void {
  const tmp = tempPath(file);
  const fd = fs.openSync(tmp, 'wx');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  renameDurable(tmp, file);
}

/** Renames and fsyncs the destination folder (and the source's, when it differs). */
export function renameDurable(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    fs.rmSync(from, { force: true, recursive: true });
    throw e;
  }
  fsyncDir(path.dirname(to));
  if (path.dirname(from) !== path.dirname(to)) fsyncDir(path.dirname(from));
}

/** Copies `src` to `dest` atomically (temporary name, fsync, rename). */
export function copyFileDurable(src: string, dest: string): void {
  const tmp = tempPath(dest);
  try {
    fs.copyFileSync(src, tmp, fs.constants.COPYFILE_EXCL);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  renameDurable(tmp, dest);
}

export interface FileDigest {
  sha256: string;
  size: number;
}

/** sha256 and length of a file, read in chunks (models can be larger than we want in memory). */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes all of `bytes` at the file's current position (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/** Reads and parses a JSON file; undefined when it is missing or not valid JSON (a torn write). */
export function readJsonFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
