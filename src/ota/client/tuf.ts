/**
 * Metadata refresh through tuf-js: the TUF client workflow (root chain, timestamp, snapshot,
 * targets; signatures, thresholds, versions, expiry, lengths and hashes) is tuf-js's. Edgewise adds
 * what a device needs around it: metadata persisted atomically (tuf-js writes files in place, so
 * it works on a copy that is renamed back file by file), and requests through the device's
 * counted, time-limited HTTP.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Metadata, MetadataKind, type TargetFile } from '@tufjs/models';
import { Updater, type Fetcher } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error';
import { readJsonFile, writeFileDurable } from '../files';
import { HttpError, httpGetBytes, type GetOptions, type Traffic } from './http';

/** The top-level metadata files, in the order they are committed (root first, timestamp last). */
const FILES = ['root.json', 'targets.json', 'snapshot.json', 'timestamp.json'] as const;

export interface RefreshOptions {
  /** Where the device keeps its trusted metadata. */
  tufDir: string;
  /** The root the app was shipped with: trusted on first use of the folder, never fetched. */
  trustedRoot: Uint8Array;
  metadataUrl: string;
  http: GetOptions;
  traffic: Traffic;
  onFetch?: (url: string) => void;
}

export interface SignedTargets {
  /** Verified entries of the repository's top-level targets role. */
  targets: TargetFile[];
  /** Whether target files are stored under their hash (`DIR/SHA256.NAME`). */
  consistentSnapshot: boolean;
  /** Whether the repository changed since the last refresh in this folder (a new timestamp). */
  changed: boolean;
}

export async function refreshMetadata(o: RefreshOptions): Promise<SignedTargets> {
  fs.mkdirSync(o.tufDir, { recursive: true });
  if (!readJsonFile(path.join(o.tufDir, 'root.json'))) writeFileDurable(path.join(o.tufDir, 'root.json'), o.trustedRoot);
  const work = `${o.tufDir}.work`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work);
  try {
    for (const f of FILES) {
      const src = path.join(o.tufDir, f);
      if (fs.existsSync(src)) fs.copyFileSync(src, path.join(work, f));
    }
    const updater = new Updater({
      metadataDir: work,
      metadataBaseUrl: o.metadataUrl,
      fetcher: new DeviceFetcher(o, work),
      // Bounds on what a hostile server may send (TUF's endless-data defence); timestamp is tiny.
      config: { timestampMaxLength: 16 * 1024, rootMaxLength: 512 * 1024, snapshotMaxLength: 1 << 20, targetsMaxLength: 8 << 20 },
    });
    await updater.refresh();
    // tuf-js verified targets.json in `work` (loaded from there, or downloaded and persisted there).
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(work, f), 'utf8'));
    const targets = Metadata.fromJSON(MetadataKind.Targets, read('targets.json'));
    const root = Metadata.fromJSON(MetadataKind.Root, read('root.json'));
    const changed = commit(work, o.tufDir).includes('timestamp.json');
    return { targets: Object.values(targets.signed.targets), consistentSnapshot: root.signed.consistentSnapshot, changed };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Renames back each file tuf-js changed (returned); each is old or new after a crash, and tuf-js
 * re-fetches what does not verify.
 */
function commit(work: string, dir: string): string[] {
  const changed: string[] = [];
  for (const f of FILES) {
    const next = path.join(work, f);
    if (!fs.existsSync(next)) continue;
    const bytes = fs.readFileSync(next);
    const prev = path.join(dir, f);
    if (fs.existsSync(prev) && fs.readFileSync(prev).equals(bytes)) continue;
    writeFileDurable(prev, bytes);
    changed.push(f);
  }
  return changed;
}

class DeviceFetcher implements Fetcher {
  constructor(private readonly o: RefreshOptions, private readonly work: string) {}

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    this.o.onFetch?.(url);
    try {
      return await httpGetBytes(url, maxLength, this.o.traffic, this.o.http);
    } catch (e) {
      if (e instanceof HttpError && e.status !== undefined) throw new DownloadHTTPError(e.message, e.status);
      if (e instanceof HttpError && e.tooLong) throw new DownloadLengthMismatchError(e.message);
      throw e;
    }
  }

  /** tuf-js uses this only for targets, which Edgewise downloads itself; kept for the interface. */
  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const file = path.join(this.work, 'download.tmp');
    fs.writeFileSync(file, await this.downloadBytes(url, maxLength));
    try {
      return await handler(file);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
}
