/**
 * File steps of the release repository and the device folder, on top of core/base/atomic-file:
 * a write is made under a temporary name, fsynced, renamed over its destination, and the folder
 * fsynced, so after a crash or power loss a reader sees the old file or the new one, never a mix.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWrite, fsyncDir } from '../core/base/atomic-file';

export { fsyncDir, writeAll } from '../core/base/atomic-file';

/** A name beside `file` that no other writer uses and that `isTempName` recognises. */
export function tempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Temporary files of interrupted writes (this module's and core/base/atomic-file's). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** Writes `data` to `file` atomically and durably. */
export function writeFileDurable(file: string, data: string | Uint8Array): void {
  atomicWrite(file, [typeof data === 'string' ? Buffer.from(data) : data]);
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
