/** Content hashes of a job's input and output files, cached per file version within the process. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const cache = new Map<string, string>();
const CHUNK = 1 << 20;

/**
 * SHA-256 (hex) and size of a regular file, or of a folder: its files' relative names and hashes,
 * sorted; undefined when it does not exist or is no regular file (a FIFO would block the open and
 * /dev/zero never ends: a failed run on hostile input is recorded without their hash).
 */
export function contentHash(file: string): { sha256: string; bytes: number } | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) {
    const h = createHash('sha256');
    let bytes = 0;
    for (const name of fs.readdirSync(file).sort()) {
      const sub = contentHash(path.join(file, name));
      if (!sub) continue;
      bytes += sub.bytes;
      h.update(`${name}\0${sub.sha256}\n`);
    }
    return { sha256: h.digest('hex'), bytes };
  }
  if (!st.isFile()) return undefined;
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  let sha256 = cache.get(key);
  if (!sha256) {
    sha256 = hashFile(file);
    cache.set(key, sha256);
  }
  return { sha256, bytes: st.size };
}

function hashFile(file: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}
