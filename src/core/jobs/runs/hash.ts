/** Content hashes of a job's input and output files, each file read once per version (base/file-hash.ts). */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileSha256Sync } from '../../base/file-hash';

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
  return { sha256: fileSha256Sync(file, st), bytes: st.size };
}
