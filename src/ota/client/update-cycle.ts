/**
 * One update check: refresh the signed metadata, choose the release this device should run,
 * get its file (a copy already installed, a delta rebuilt from the installed model, or a
 * resumable download), verify it, install it and flip the pointer. Runs under the folder lock.
 */
import * as fs from 'node:fs';
import type { TargetFile } from '@tufjs/models';
import { CancelledError } from '../../core/base/cancel';
import { digestFile } from '../files';
import { DeltaMismatchError, applyDelta } from '../delta/apply';
import { METADATA_DIR, TARGETS_DIR, hashedName, releaseFromTarget, type Release } from '../release';
import { chooseRelease } from '../rollout';
import type { HealthReport } from '../health';
import { downloadResumable } from './download';
import type { GetOptions, Traffic } from './http';
import { BUNDLED, type DeviceFolder, type ModelRef, type Pointer } from './store';
import { refreshMetadata, type SignedTargets } from './tuf';

export type UpdateAction = 'up-to-date' | 'installed' | 'reverted' | 'deferred';

/** How a release got onto the device. */
export type UpdateVia = 'delta' | 'full' | 'installed-copy' | 'bundled';

export interface UpdateResult {
  action: UpdateAction;
  /** Version before and after (null: the bundled model). */
  from: string | null;
  to: string | null;
  via?: UpdateVia;
  reason: string;
  /** Why a published delta was not used, when it was not. */
  deltaFallback?: string;
  /** Bytes of the model already staged by an earlier, interrupted attempt. */
  resumedFrom?: number;
  /** Whether the repository changed since this device's previous check (new signed metadata). */
  repositoryChanged: boolean;
  traffic: UpdateTraffic;
  durationMs: number;
}

export interface UpdateTraffic {
  requests: number;
  metadataBytes: number;
  modelBytes: number;
  deltaBytes: number;
}

/** Steps an update passes, in order; `onProgress` sees each. */
export type UpdateStep =
  | 'locked' | 'metadata-fetch' | 'metadata' | 'chosen' | 'delta-downloaded' | 'rebuilt'
  | 'download' | 'verified' | 'installed-file' | 'pointer' | 'done';

export interface UpdateProgress {
  step: UpdateStep;
  detail?: string;
  bytes?: number;
  total?: number;
}

export class UpdateError extends Error {
  constructor(message: string, readonly phase: 'metadata' | 'download' | 'disk' | 'install', readonly traffic: UpdateTraffic, options?: ErrorOptions) {
    super(message, options);
  }
}

export interface CycleContext {
  folder: DeviceFolder;
  repoUrl: string;
  trustedRoot: Uint8Array;
  deviceId: string;
  appVersion: string;
  channel: string;
  bundledModel?: string;
  bundledVersion?: string;
  canDownload: () => boolean | Promise<boolean>;
  http: GetOptions;
  report: (r: Omit<HealthReport, 'deviceId' | 'channel' | 'appVersion' | 'at'>) => Promise<void>;
  onProgress: (p: UpdateProgress) => void;
}

export async function runUpdateCycle(c: CycleContext): Promise<UpdateResult> {
  const started = Date.now();
  const meta: Traffic = { requests: 0, bytes: 0 };
  const model: Traffic = { requests: 0, bytes: 0 };
  const delta: Traffic = { requests: 0, bytes: 0 };
  const traffic = (): UpdateTraffic => ({ requests: meta.requests + model.requests + delta.requests, metadataBytes: meta.bytes, modelBytes: model.bytes, deltaBytes: delta.bytes });
  const done = (r: Omit<UpdateResult, 'traffic' | 'durationMs' | 'repositoryChanged'>): UpdateResult => {
    c.onProgress({ step: 'done', detail: r.action });
    return { ...r, repositoryChanged: signed.changed, traffic: traffic(), durationMs: Date.now() - started };
  };
  const fail = (phase: UpdateError['phase'], e: unknown): never => {
    if (e instanceof UpdateError || e instanceof CancelledError) throw e;
    if (c.http.signal?.aborted) throw new CancelledError();
    const msg = e instanceof Error ? e.message : String(e);
    throw new UpdateError(isDiskFull(e) ? `the device's disk is full (${msg}); the installed model is untouched` : msg, isDiskFull(e) ? 'disk' : phase, traffic(), { cause: e });
  };

  let signed: SignedTargets;
  try {
    signed = await refreshMetadata({
      tufDir: c.folder.tufDir, trustedRoot: c.trustedRoot, metadataUrl: `${c.repoUrl}/${METADATA_DIR}/`,
      http: c.http, traffic: meta, onFetch: (url) => c.onProgress({ step: 'metadata-fetch', detail: url }),
    });
  } catch (e) {
    return fail('metadata', e);
  }
  c.onProgress({ step: 'metadata' });
  const releases = signed.targets.map(releaseFromTarget).filter((r): r is Release => r !== undefined);
  const pointer = c.folder.pointer();
  const current = c.folder.intact(pointer.current) ? pointer.current : BUNDLED;
  // The bundled model's version comes from the app (a new app version may bundle a newer model).
  const currentVersion = current.file === null ? c.bundledVersion ?? null : current.version;
  const health = c.folder.health(current);
  const choice = chooseRelease(releases, {
    deviceId: c.deviceId, channel: c.channel, appVersion: c.appVersion,
    current: currentVersion ?? undefined, blocked: new Set(Object.keys(health.blocked)),
  });
  const r = choice.release;
  c.onProgress({ step: 'chosen', detail: r?.version ?? 'bundled' });
  const base = { from: currentVersion, reason: choice.reason };
  const keepParts: string[] = [];
  const tidy = (...keep: (ModelRef | undefined)[]) => c.folder.collectGarbage(keep.filter((k): k is ModelRef => k !== undefined), keepParts);

  if (choice.keep) {
    tidy(pointer.current, pointer.previous);
    return done({ ...base, action: 'up-to-date', to: currentVersion });
  }
  if (!r || (r.version === c.bundledVersion && (current.file === null || c.bundledModel))) {
    // The bundled model is what the device should run.
    if (current.file === null || !c.bundledModel) {
      tidy(pointer.current, pointer.previous);
      const reason = current.file === null ? choice.reason : `${choice.reason}; no bundled model to return to`;
      return done({ ...base, action: 'up-to-date', to: currentVersion, reason });
    }
    flip(c, pointer, BUNDLED, current, health.confirmed);
    tidy(current);
    return done({ ...base, action: 'reverted', to: c.bundledVersion ?? null, via: 'bundled' });
  }
  if (current.sha256 === r.sha256) {
    tidy(current, pointer.previous);
    return done({ ...base, action: 'up-to-date', to: r.version });
  }

  const ref = c.folder.refFor(r);
  if (c.folder.intact(ref)) {
    // Going back to a release still on the device (a rollback, or the previous model).
    flip(c, pointer, ref, current, health.confirmed);
    tidy(ref, current);
    return done({ ...base, action: r.version === pointer.previous?.version ? 'reverted' : 'installed', to: r.version, via: 'installed-copy' });
  }
  if (!(await c.canDownload())) return done({ ...base, action: 'deferred', to: currentVersion, reason: `${r.version} is available; downloading is not allowed now (canDownload)` });

  const part = c.folder.partFile(r.sha256, 'model');
  keepParts.push(part);
  const resumedFrom = fs.statSync(part, { throwIfNoEntry: false })?.size ?? 0;
  const url = (path: string, sha256: string) => targetUrl(c.repoUrl, path, sha256, signed.consistentSnapshot);
  let via: UpdateVia = 'full';
  let deltaFallback: string | undefined;
  try {
    checkFreeSpace(c.folder.dir, r.size - resumedFrom + (r.delta?.size ?? 0));
    deltaFallback = await tryDelta(c, r, current, signed.targets, part, delta, url);
    if (deltaFallback === undefined) via = 'delta';
    else {
      c.onProgress({ step: 'download', bytes: resumedFrom, total: r.size });
      await downloadResumable(url(r.path, r.sha256), part, { length: r.size, sha256: r.sha256 }, {
        http: c.http, traffic: model, onBytes: (bytes, total) => c.onProgress({ step: 'download', bytes, total }),
      });
    }
  } catch (e) {
    // A full disk gets its space back at once: the app needs it more than a half-downloaded model.
    if (isDiskFull(e)) fs.rmSync(part, { force: true });
    return fail('download', e);
  }
  c.onProgress({ step: 'verified', detail: via });
  try {
    c.folder.install(part, ref);
    c.onProgress({ step: 'installed-file', detail: ref.file! });
    flip(c, c.folder.pointer(), ref, current, health.confirmed);
  } catch (e) {
    return fail('install', e);
  }
  await c.report({ version: r.version, event: 'installed' });
  keepParts.length = 0;
  tidy(ref, current);
  return done({ ...base, action: 'installed', to: r.version, via, deltaFallback, resumedFrom: via === 'full' && resumedFrom > 0 ? resumedFrom : undefined });
}

function checkFreeSpace(dir: string, needed: number): void {
  const s = fs.statfsSync(dir);
  const free = s.bavail * s.bsize;
  if (free < needed) throw Object.assign(new Error(`the update needs ${needed} bytes, ${free} are free`), { code: 'ENOSPC' });
}

/**
 * Rebuilds the release from the installed model and its patch into `part`. Undefined when that
 * worked, else why not (the caller downloads the full file). Disk errors are thrown.
 */
async function tryDelta(
  c: CycleContext, r: Release, current: ModelRef, targets: TargetFile[], part: string, traffic: Traffic,
  url: (path: string, sha256: string) => string,
): Promise<string | undefined> {
  const d = r.delta;
  if (!d) return 'no delta published';
  if (d.from !== (current.file === null ? c.bundledVersion : current.version)) return `the delta starts from ${d.from}, the device has ${current.version ?? 'the bundled model'}`;
  const installed = current.file === null ? c.bundledModel : c.folder.absolute(current);
  if (!installed) return 'no installed model to patch';
  const installedSha = current.file === null ? (await digestFile(installed)).sha256 : current.sha256;
  if (installedSha !== d.fromSha256) return 'the installed model is not the delta\'s base';
  const signed = targets.find((t) => t.path === d.path);
  if (!signed || signed.hashes.sha256 === undefined) return 'the delta is not in the signed targets';
  const deltaPart = c.folder.partFile(signed.hashes.sha256, 'delta');
  try {
    await downloadResumable(url(d.path, signed.hashes.sha256), deltaPart, { length: signed.length, sha256: signed.hashes.sha256 }, {
      http: c.http, traffic, onBytes: (bytes, total) => c.onProgress({ step: 'download', detail: 'delta', bytes, total }),
    });
    c.onProgress({ step: 'delta-downloaded' });
    applyDelta(fs.readFileSync(deltaPart), installed, part, { sha256: r.sha256, size: r.size });
    c.onProgress({ step: 'rebuilt' });
    return undefined;
  } catch (e) {
    if (isDiskFull(e)) throw e;
    fs.rmSync(part, { force: true });
    return e instanceof DeltaMismatchError ? e.message : `delta failed: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    fs.rmSync(deltaPart, { force: true });
  }
}

/** The pointer flip: one rename of current.json. The model being left becomes `previous` if it loaded well. */
function flip(c: CycleContext, pointer: Pointer, next: ModelRef, leaving: ModelRef, leavingConfirmed: boolean): void {
  const previous = leavingConfirmed ? leaving : pointer.previous;
  c.folder.setPointer({ current: next, previous: previous && previous.sha256 !== next.sha256 ? previous : undefined, changedAt: new Date().toISOString() });
  c.onProgress({ step: 'pointer', detail: next.version ?? 'bundled' });
}

/** URL of a target; with consistent snapshots, files are stored as `DIR/SHA256.NAME`. */
export function targetUrl(repoUrl: string, targetPath: string, sha256: string, consistentSnapshot: boolean): string {
  const name = consistentSnapshot ? hashedName(targetPath, sha256) : targetPath;
  return `${repoUrl}/${TARGETS_DIR}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
