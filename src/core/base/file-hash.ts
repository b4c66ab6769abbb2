/**
 * SHA-256 of a local file, remembered across processes so that a large model is not read again
 * on every command (a run record's input hash, the content key of a model cached on a device).
 * Entries live in the cache folder (never the workspace), keyed by the file's path and version:
 * device, inode, size, modification and change times. As git does with its index, a file
 * modified within TRUST_AFTER_MS of being hashed is not remembered (a coarse clock could hide a
 * second write), and files under MIN_BYTES are not worth an entry. Nothing relies on an entry for
 * more than skipping a read: a device checks each file it receives with its own sha256sum.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir } from './cache-dir';

const MIN_BYTES = 1 << 20;
const TRUST_AFTER_MS = 2000;
const MAX_ENTRIES = 256;
const CHUNK = 1 << 20;
const VERSION = 1;

interface Entry { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number; sha256: string; hashedAt: number }
interface Store { version: number; files: Record<string, Entry> }

let store: Store | undefined;
const inProcess = new Map<string, string>();

function storeFile(): string {
  return path.join(cacheDir(), 'file-hashes.json');
}

function versionKey(st: fs.Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

function loadStore(): Store {
  if (store) return store;
  try {
    const s = JSON.parse(fs.readFileSync(storeFile(), 'utf8')) as Store;
    store = s.version === VERSION && s.files && typeof s.files === 'object' ? s : { version: VERSION, files: {} };
  } catch {
    store = { version: VERSION, files: {} };
  }
  return store;
}

function remembered(file: string, st: fs.Stats): string | undefined {
  const known = inProcess.get(`${file}\0${versionKey(st)}`);
  if (known || st.size < MIN_BYTES) return known;
  const e = loadStore().files[file];
  const same = e && e.dev === st.dev && e.ino === st.ino && e.size === st.size && e.mtimeMs === st.mtimeMs && e.ctimeMs === st.ctimeMs;
  return same && /^[0-9a-f]{64}$/.test(e.sha256) ? e.sha256 : undefined;
}

/** Keeps a hash made from `before` to now, if the file did not change meanwhile (and is not too fresh to trust). */
function remember(file: string, before: fs.Stats, startedAt: number, sha256: string): void {
  let after: fs.Stats;
  try {
    after = fs.statSync(file);
  } catch {
    return;
  }
  if (versionKey(after) !== versionKey(before)) return;
  inProcess.set(`${file}\0${versionKey(before)}`, sha256);
  if (before.size < MIN_BYTES || Math.max(before.mtimeMs, before.ctimeMs) > startedAt - TRUST_AFTER_MS) return;
  // Read again before writing: another process may have added entries since this one loaded them.
  store = undefined;
  const s = loadStore();
  s.files[file] = { dev: before.dev, ino: before.ino, size: before.size, mtimeMs: before.mtimeMs, ctimeMs: before.ctimeMs, sha256, hashedAt: startedAt };
  const names = Object.keys(s.files);
  if (names.length > MAX_ENTRIES) {
    names.sort((a, b) => s.files[a].hashedAt - s.files[b].hashedAt);
    for (const n of names.slice(0, names.length - MAX_ENTRIES)) delete s.files[n];
  }
  try {
    fs.mkdirSync(cacheDir(), { recursive: true });
    const tmp = `${storeFile()}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s));
    fs.renameSync(tmp, storeFile());
  } catch {
    // A cache that cannot be written only costs a read next time.
  }
}

/** SHA-256 (hex) of the regular file `file` as `st` describes it, read at most once per version. */
export function fileSha256Sync(file: string, st: fs.Stats = fs.statSync(file)): string {
  const abs = path.resolve(file);
  const known = remembered(abs, st);
  if (known) return known;
  const startedAt = Date.now();
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(abs, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  const sha256 = h.digest('hex');
  remember(abs, st, startedAt, sha256);
  return sha256;
}

/** The same, reading without blocking the event loop (other work overlaps it). */
export async function fileSha256(file: string, st: fs.Stats = fs.statSync(file)): Promise<string> {
  const abs = path.resolve(file);
  const known = remembered(abs, st);
  if (known) return known;
  const startedAt = Date.now();
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(abs, { highWaterMark: CHUNK })) h.update(chunk as Buffer);
  const sha256 = h.digest('hex');
  remember(abs, st, startedAt, sha256);
  return sha256;
}
