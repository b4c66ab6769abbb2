/**
 * The device folder an updater owns:
 *
 *   current.json          the pointer: the model a cold start loads, and the previous good one
 *   health.json           trial state of the current model, versions this device fell back from
 *   versions/V-SHA/FILE   installed releases (complete and verified before they get here)
 *   staging/              downloads in progress (resumable) and rebuilt deltas
 *   tuf/                  trusted TUF metadata
 *   lock                  held while an update runs
 *
 * A model gets into versions/ by one rename of a verified file, and becomes current by one
 * rename of current.json, so a crash at any point leaves the old pointer or the new one, each
 * naming a complete file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, isTempName, readJsonFile, renameDurable, writeFileDurable } from '../files';
import type { Release } from '../release';

/** A model the device can load: an installed release, or the bundled model (file null). */
export interface ModelRef {
  version: string | null;
  /** Relative to the device folder; null: the app's bundled model. */
  file: string | null;
  sha256?: string;
  size?: number;
}

export interface Pointer {
  current: ModelRef;
  /** The last model that loaded well, kept for fallback. */
  previous?: ModelRef;
  changedAt: string;
}

export interface HealthState {
  /** The model this trial state is about (the pointer's current). */
  version: string | null;
  sha256?: string;
  /** Loaded successfully at least once. */
  confirmed: boolean;
  /** Cold starts that picked it without a successful load yet. */
  attempts: number;
  lastError?: string;
  /** Releases this device fell back from, with why; never installed again. */
  blocked: Record<string, { reason: string; at: string }>;
}

export const BUNDLED: ModelRef = { version: null, file: null };

export class DeviceFolder {
  readonly tufDir: string;
  readonly stagingDir: string;
  readonly versionsDir: string;
  readonly lockFile: string;
  readonly outboxFile: string;
  private readonly pointerFile: string;
  private readonly healthFile: string;

  constructor(readonly dir: string) {
    this.tufDir = path.join(dir, 'tuf');
    this.stagingDir = path.join(dir, 'staging');
    this.versionsDir = path.join(dir, 'versions');
    this.lockFile = path.join(dir, 'lock');
    this.outboxFile = path.join(dir, 'health-outbox.jsonl');
    this.pointerFile = path.join(dir, 'current.json');
    this.healthFile = path.join(dir, 'health.json');
  }

  ensure(): void {
    for (const d of [this.dir, this.stagingDir, this.versionsDir]) fs.mkdirSync(d, { recursive: true });
  }

  pointer(): Pointer {
    return readJsonFile<Pointer>(this.pointerFile) ?? { current: BUNDLED, changedAt: '' };
  }

  setPointer(p: Pointer): void {
    writeFileDurable(this.pointerFile, JSON.stringify(p));
  }

  health(ref: ModelRef): HealthState {
    const h = readJsonFile<HealthState>(this.healthFile);
    const blocked = h?.blocked ?? {};
    if (!h || h.version !== ref.version || h.sha256 !== ref.sha256) {
      // A new current model starts its trial; the bundled model needs none.
      return { version: ref.version, sha256: ref.sha256, confirmed: ref.file === null, attempts: 0, blocked };
    }
    return h;
  }

  setHealth(h: HealthState): void {
    writeFileDurable(this.healthFile, JSON.stringify(h));
  }

  /** Absolute path of an installed model. */
  absolute(ref: ModelRef): string {
    return path.join(this.dir, ref.file!);
  }

  /** Whether an installed model's file is there with its length (its hash was checked before install). */
  intact(ref: ModelRef): boolean {
    if (ref.file === null) return true;
    return fs.statSync(this.absolute(ref), { throwIfNoEntry: false })?.size === ref.size;
  }

  /** Where a release lives once installed. */
  refFor(r: Release): ModelRef {
    const file = path.posix.join('versions', `${r.version}-${r.sha256.slice(0, 12)}`, path.posix.basename(r.path));
    return { version: r.version, file, sha256: r.sha256, size: r.size };
  }

  partFile(sha256: string, kind: 'model' | 'delta'): string {
    return path.join(this.stagingDir, `${sha256}.${kind}.part`);
  }

  /** Moves a verified staged file into its version folder (one rename) and fsyncs both folders. */
  install(staged: string, ref: ModelRef): void {
    const dest = this.absolute(ref);
    const folder = path.dirname(dest);
    fs.rmSync(folder, { recursive: true, force: true }); // leftovers of an interrupted install; never current
    fs.mkdirSync(folder, { recursive: true });
    fsyncDir(this.versionsDir);
    renameDurable(staged, dest);
  }

  /** Removes versions other than `keep`, staged parts other than `keepParts`, and temporary files. */
  collectGarbage(keep: ModelRef[], keepParts: string[]): void {
    const keepDirs = new Set(keep.filter((r) => r.file).map((r) => path.dirname(this.absolute(r))));
    for (const d of fs.readdirSync(this.versionsDir)) {
      const full = path.join(this.versionsDir, d);
      if (!keepDirs.has(full)) fs.rmSync(full, { recursive: true, force: true });
    }
    const parts = new Set(keepParts);
    for (const f of fs.readdirSync(this.stagingDir)) {
      const full = path.join(this.stagingDir, f);
      if (!parts.has(full)) fs.rmSync(full, { recursive: true, force: true });
    }
    for (const f of fs.readdirSync(this.dir)) {
      if (isTempName(f)) fs.rmSync(path.join(this.dir, f), { force: true });
    }
  }
}
