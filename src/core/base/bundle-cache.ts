/**
 * Files made from one of our bundles for the Node that runs it (V8's code cache, the layout
 * snapshot), kept in the cache folder as `NAME-WHERE-VERSION.EXT`: WHERE is the bundle's path
 * (checkouts side by side keep their own), VERSION the bundle's (inode, size, modification and
 * change times) and Node's. A newer build's file replaces the older ones of the same WHERE.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir } from './cache-dir';

/** A bundle modified in the last seconds is not cached from (as file hashes: a coarse clock could hide a second write). */
const TRUST_AFTER_MS = 2000;

const hash = (parts: unknown[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);

/** cacheDir()/FOLDER/NAME-WHERE-VERSION.EXT; `node`: what names the Node (its version and architecture by default). */
export function bundleCacheFile(folder: string, name: string, bundle: string, ext: string, st: fs.Stats, node: unknown[] = [process.version, process.arch]): string {
  return path.join(cacheDir(), folder, `${name}-${hash([bundle])}-${hash([...node, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs])}${ext}`);
}

/** Whether a bundle was last written long enough ago to cache from. */
export function settledBundle(st: fs.Stats): boolean {
  return Math.max(st.mtimeMs, st.ctimeMs) < Date.now() - TRUST_AFTER_MS;
}

/** Removes the files of the same NAME-WHERE other than `file` (and other than temporaries being written). */
export function removeOlderBuilds(file: string): void {
  const dir = path.dirname(file);
  const where = path.basename(file).split('-').slice(0, -1).join('-');
  for (const f of fs.readdirSync(dir)) {
    if (f.startsWith(`${where}-`) && f !== path.basename(file) && !f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
  }
}
