/**
 * A release repository on disk: plain static files any web server or CDN can serve.
 *
 *   metadata/  1.root.json ... N.root.json, root.json, N.targets.json, N.snapshot.json, timestamp.json
 *   targets/   CHANNEL/VERSION/SHA256.FILE  (consistent snapshots: a file never changes once written)
 *
 * Metadata is built and signed with @tufjs/models. A change writes target files first, then the
 * new targets, snapshot and, last, timestamp.json: until that one rename, clients see the old
 * repository, and after it, a complete new one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetaFile, Metadata, MetadataKind, Snapshot, TargetFile, Targets, Timestamp, type Root } from '@tufjs/models';
import { acquireLock } from '../lock';
import { copyFileDurable, digestFile, sha256Hex, writeFileDurable } from '../files';
import { METADATA_DIR, TARGETS_DIR, hashedName, releaseFromTarget, type Release } from '../release';
import { signer, type RoleKeys, type RoleName } from './keys';

export const SPEC_VERSION = '1.0.31';

/** How long each role's metadata stays valid after it is signed. A timestamp older than this freezes clients: re-sign it (`release refresh`). */
export const EXPIRY_DAYS: Record<RoleName, number> = { root: 365, targets: 365, snapshot: 30, timestamp: 7 };

export type Expiry = Partial<Record<RoleName, Date>>;

export function expiresAt(role: RoleName, now: Date, override?: Expiry): string {
  const d = override?.[role] ?? new Date(now.getTime() + EXPIRY_DAYS[role] * 86_400_000);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Signable = Metadata<Root> | Metadata<Targets> | Metadata<Snapshot> | Metadata<Timestamp>;

export class RepositoryError extends Error {}

export class ReleaseRepository {
  readonly metadataDir: string;
  readonly targetsDir: string;
  private targetsChanged = false;

  private constructor(
    readonly dir: string,
    readonly root: Metadata<Root>,
    public targets: Metadata<Targets>,
    public snapshot: Metadata<Snapshot>,
    public timestamp: Metadata<Timestamp>,
  ) {
    this.metadataDir = path.join(dir, METADATA_DIR);
    this.targetsDir = path.join(dir, TARGETS_DIR);
  }

  static open(dir: string): ReleaseRepository {
    const m = path.join(dir, METADATA_DIR);
    if (!fs.existsSync(path.join(m, 'root.json'))) {
      throw new RepositoryError(`${dir} is not a release repository (no ${METADATA_DIR}/root.json); create one with 'edgewise release init'`);
    }
    const read = (f: string) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(m, f), 'utf8'));
      } catch (e) {
        throw new RepositoryError(`${path.join(m, f)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`);
      }
    };
    const root = Metadata.fromJSON(MetadataKind.Root, read('root.json'));
    const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, read('timestamp.json'));
    const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, read(`${timestamp.signed.snapshotMeta.version}.snapshot.json`));
    const targetsMeta = snapshot.signed.meta['targets.json'];
    if (!targetsMeta) throw new RepositoryError(`${dir}: the snapshot lists no targets.json`);
    const targets = Metadata.fromJSON(MetadataKind.Targets, read(`${targetsMeta.version}.targets.json`));
    return new ReleaseRepository(dir, root, targets, snapshot, timestamp);
  }

  /** Opens the repository under its publish lock, so two publishers never interleave. */
  static async withLock<T>(dir: string, fn: (repo: ReleaseRepository) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const lock = await acquireLock(path.join(dir, '.edgewise-publish.lock'), { signal, timeoutMs: 120_000, what: `release repository ${dir}` });
    try {
      return await fn(ReleaseRepository.open(dir));
    } finally {
      lock.release();
    }
  }

  releases(): Release[] {
    return Object.values(this.targets.signed.targets).map(releaseFromTarget).filter((r): r is Release => r !== undefined);
  }

  target(targetPath: string): TargetFile | undefined {
    return this.targets.signed.targets[targetPath];
  }

  /** The stored file of a target (its consistent-snapshot name). */
  fileOf(t: TargetFile): string {
    return path.join(this.targetsDir, ...hashedName(t.path, t.hashes.sha256).split('/'));
  }

  /** Copies a file (or writes bytes) into targets/ and adds its entry with `custom` fields. */
  async addTarget(targetPath: string, source: string | Uint8Array[], custom: Record<string, unknown>): Promise<TargetFile> {
    if (this.target(targetPath)) throw new RepositoryError(`${targetPath} is already published; releases are immutable (publish a new version)`);
    const digest = typeof source === 'string'
      ? await digestFile(source)
      : { sha256: sha256Hex(Buffer.concat(source)), size: source.reduce((n, c) => n + c.length, 0) };
    const t = new TargetFile({ path: targetPath, length: digest.size, hashes: { sha256: digest.sha256 }, unrecognizedFields: { custom: custom as never } });
    const dest = this.fileOf(t);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (typeof source === 'string') copyFileDurable(source, dest);
    else writeFileDurable(dest, Buffer.concat(source));
    this.putTarget(t);
    return t;
  }

  /** Replaces a target's custom fields (its file stays as it is). */
  setCustom(targetPath: string, custom: Record<string, unknown>): void {
    const t = this.target(targetPath);
    if (!t) throw new RepositoryError(`${targetPath} is not in the repository`);
    this.putTarget(new TargetFile({ path: t.path, length: t.length, hashes: t.hashes, unrecognizedFields: { ...t.unrecognizedFields, custom: custom as never } }));
  }

  /** Takes targets out of the signed list; their files stay (clients holding older metadata may still fetch them). */
  removeTargets(paths: readonly string[]): void {
    const targets = { ...this.targets.signed.targets };
    for (const p of paths) {
      if (!targets[p]) throw new RepositoryError(`${p} is not in the repository`);
      delete targets[p];
    }
    this.setTargets(targets);
  }

  private putTarget(t: TargetFile): void {
    this.setTargets({ ...this.targets.signed.targets, [t.path]: t });
  }

  private setTargets(targets: Record<string, TargetFile>): void {
    const s = this.targets.signed;
    this.targets = new Metadata(new Targets({ version: s.version, specVersion: s.specVersion, expires: s.expires, targets, delegations: s.delegations }));
    this.targetsChanged = true;
  }

  /**
   * Signs and writes what changed: a new targets version (if any target changed), then a new
   * snapshot, then timestamp.json, which makes the change visible. `resign` also renews an
   * unchanged targets role (its expiry).
   */
  commit(keys: RoleKeys, options: { now?: Date; expires?: Expiry; resignTargets?: boolean } = {}): void {
    const now = options.now ?? new Date();
    let targetsBytes: Buffer | undefined;
    if (this.targetsChanged || options.resignTargets) {
      const s = this.targets.signed;
      this.targets = new Metadata(new Targets({ version: s.version + 1, specVersion: SPEC_VERSION, expires: expiresAt('targets', now, options.expires), targets: s.targets, delegations: s.delegations }));
      targetsBytes = this.sign('targets', this.targets, keys);
    } else {
      targetsBytes = fs.readFileSync(path.join(this.metadataDir, `${this.targets.signed.version}.targets.json`));
    }
    const snap = new Metadata(new Snapshot({
      version: this.snapshot.signed.version + 1, specVersion: SPEC_VERSION, expires: expiresAt('snapshot', now, options.expires),
      meta: { 'targets.json': metaFile(this.targets.signed.version, targetsBytes) },
    }));
    const snapBytes = this.sign('snapshot', snap, keys);
    const ts = new Metadata(new Timestamp({
      version: this.timestamp.signed.version + 1, specVersion: SPEC_VERSION, expires: expiresAt('timestamp', now, options.expires),
      snapshotMeta: metaFile(snap.signed.version, snapBytes),
    }));
    const tsBytes = this.sign('timestamp', ts, keys);
    // Order matters: everything the new timestamp refers to exists before it does.
    if (this.targetsChanged || options.resignTargets) writeFileDurable(path.join(this.metadataDir, `${this.targets.signed.version}.targets.json`), targetsBytes);
    writeFileDurable(path.join(this.metadataDir, `${snap.signed.version}.snapshot.json`), snapBytes);
    writeFileDurable(path.join(this.metadataDir, 'timestamp.json'), tsBytes);
    this.snapshot = snap;
    this.timestamp = ts;
    this.targetsChanged = false;
  }

  /** Signs `md` with the threshold of `role`'s keys listed in root; returns the file's bytes. */
  sign(role: RoleName, md: Signable, keys: RoleKeys): Buffer {
    return signMetadata(this.root, role, md, keys);
  }
}

export function signMetadata(root: Metadata<Root>, role: RoleName, md: Signable, keys: RoleKeys): Buffer {
  const r = root.signed.roles[role];
  for (const k of keys.keys(role, r.keyIDs, r.threshold)) (md as Metadata<Root>).sign(signer(k), true);
  return Buffer.from(JSON.stringify(md.toJSON()));
}

function metaFile(version: number, bytes: Buffer): MetaFile {
  return new MetaFile({ version, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } });
}
