/**
 * What a release is, as both sides see it: the TUF target entry of a model carries Edgewise's
 * fields under `custom.edgewise`. The TUF length and sha256 of the entry are what a device
 * verifies; the copies in the custom fields make the entry readable on its own.
 */
import semverCompare from 'semver/functions/compare';
import semverValid from 'semver/functions/valid';

/** Folders of a release repository: TUF metadata, and the files it signs. */
export const METADATA_DIR = 'metadata';
export const TARGETS_DIR = 'targets';

export type ReleaseState = 'active' | 'paused' | 'rolled-back';

export interface DeltaInfo {
  /** The release version the patch applies to. */
  from: string;
  fromSha256: string;
  /** Target path of the patch file. */
  path: string;
  sha256: string;
  size: number;
}

export interface Release {
  version: string;
  channel: string;
  /** Percent of the channel's devices (a whole number, 0-100) that take this release. */
  rollout: number;
  minAppVersion?: string;
  state: ReleaseState;
  /** Target path of the model, `CHANNEL/VERSION/FILE`. */
  path: string;
  sha256: string;
  size: number;
  notes?: string;
  publishedAt: string;
  updatedAt: string;
  delta?: DeltaInfo;
}

/** `custom.edgewise` of a model target. */
export interface ModelCustom extends Omit<Release, 'path'> {
  kind: 'model';
}

/** `custom.edgewise` of a delta target. */
export interface DeltaCustom {
  kind: 'delta';
  channel: string;
  version: string;
  from: string;
}

/** A target entry's parts the release code reads (TUF's TargetFile has these). */
export interface TargetEntry {
  path: string;
  length: number;
  hashes: Record<string, string>;
  custom: Record<string, unknown>;
}

/**
 * The release a model target describes, or undefined for other targets and for entries whose
 * custom fields disagree with the signed length and hash (never trust the copy over the original).
 */
export function releaseFromTarget(t: TargetEntry): Release | undefined {
  const c = t.custom.edgewise as Partial<ModelCustom> | undefined;
  if (!c || c.kind !== 'model') return undefined;
  if (typeof c.version !== 'string' || !semverValid(c.version) || typeof c.channel !== 'string') return undefined;
  if (c.sha256 !== t.hashes.sha256 || c.size !== t.length) return undefined;
  if (!Number.isInteger(c.rollout) || c.rollout! < 0 || c.rollout! > 100) return undefined;
  const state = c.state === 'paused' || c.state === 'rolled-back' ? c.state : 'active';
  return {
    version: c.version,
    channel: c.channel,
    rollout: c.rollout!,
    minAppVersion: typeof c.minAppVersion === 'string' ? c.minAppVersion : undefined,
    state,
    path: t.path,
    sha256: t.hashes.sha256,
    size: t.length,
    notes: typeof c.notes === 'string' ? c.notes : undefined,
    publishedAt: String(c.publishedAt ?? ''),
    updatedAt: String(c.updatedAt ?? c.publishedAt ?? ''),
    delta: validDelta(c.delta),
  };
}

function validDelta(d: unknown): DeltaInfo | undefined {
  const x = d as Partial<DeltaInfo> | undefined;
  if (!x || typeof x.from !== 'string' || typeof x.path !== 'string' || typeof x.sha256 !== 'string') return undefined;
  if (typeof x.fromSha256 !== 'string' || typeof x.size !== 'number') return undefined;
  return { from: x.from, fromSha256: x.fromSha256, path: x.path, sha256: x.sha256, size: x.size };
}

export function modelCustom(r: Release): { edgewise: ModelCustom } {
  const { path: _path, ...rest } = r;
  return { edgewise: { kind: 'model', ...dropUndefined(rest) } };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Target path of a release's model: `CHANNEL/VERSION/FILE`. */
export function releasePath(channel: string, version: string, file: string): string {
  return `${channel}/${version}/${file}`;
}

/** `DIR/FILE` -> `DIR/SHA256.FILE`: where a target is stored in a repository with consistent snapshots. */
export function hashedName(targetPath: string, sha256: string): string {
  const slash = targetPath.lastIndexOf('/');
  return `${targetPath.slice(0, slash + 1)}${sha256}.${targetPath.slice(slash + 1)}`;
}

export function compareVersions(a: string, b: string): number {
  return semverCompare(a, b);
}

export function isVersion(v: string): boolean {
  return semverValid(v) !== null;
}

/**
 * '5%' or '5' -> 5. Whole percentages only: TUF signs canonical JSON, which has no fractions.
 */
export function parseRollout(text: string): number {
  const m = /^\s*(\d+)\s*%?\s*$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 100)) throw new Error(`rollout must be a whole percentage from 0 to 100, got '${text}'`);
  return n;
}

/** Channel names become path segments and URLs: keep them plain. */
export function checkChannelName(channel: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(channel)) {
    throw new Error(`channel '${channel}' must be letters, digits, '.', '_' or '-' (at most 64)`);
  }
}
