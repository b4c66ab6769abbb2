/**
 * `release publish`: adds a model to a channel as a new, signed release, optionally with a
 * tensor-level patch from an earlier release of the channel.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelProto } from '../../core/formats/onnx/codec';
import { forEachTensor } from '../../core/formats/onnx/packed';
import { TensorProto_DataLocation } from '../../core/formats/onnx/proto/onnx_pb';
import { throwIfCancelled } from '../../core/base/cancel';
import { readInputFile } from '../../core/base/input-file';
import { makeDelta } from '../delta/make';
import { rebuildChunks } from '../delta/apply';
import { decodePatch } from '../delta/patch';
import { checkChannelName, isVersion, modelCustom, releasePath, type DeltaCustom, type DeltaInfo, type Release } from '../release';
import type { KeySource } from './keys';
import { ReleaseRepository } from './repository';
import { formatPercent } from '../../core/base/units';

export interface PublishOptions {
  model: string;
  channel: string;
  version: string;
  /** Whole percent of the channel's devices that take it at first. */
  rollout: number;
  minAppVersion?: string;
  notes?: string;
  /** Also publish a patch from this earlier release of the channel. */
  deltaFrom?: string;
  now?: Date;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface DeltaReport {
  from: string;
  /** Set when a patch was published. */
  path?: string;
  size?: number;
  /** Patch bytes over model bytes. */
  fraction?: number;
  reusedTensors?: number;
  changedTensors?: number;
  /** Why no patch was published. */
  skipped?: string;
}

export interface PublishResult {
  release: Release;
  /** The stored model file in the repository. */
  file: string;
  delta?: DeltaReport;
  metadataVersion: { targets: number; snapshot: number; timestamp: number };
}

/** A patch must save at least this share of the model's bytes to be worth publishing. */
const MIN_DELTA_SAVING = 0.1;

export async function publishRelease(repoDir: string, keys: KeySource, o: PublishOptions): Promise<PublishResult> {
  checkChannelName(o.channel);
  if (!isVersion(o.version)) throw new Error(`version '${o.version}' is not a semantic version (like 1.4.0)`);
  if (o.minAppVersion !== undefined && !isVersion(o.minAppVersion)) throw new Error(`minimum app version '${o.minAppVersion}' is not a semantic version`);
  if (!Number.isInteger(o.rollout) || o.rollout < 0 || o.rollout > 100) throw new Error(`rollout must be a whole percentage from 0 to 100, got ${o.rollout}`);
  const model = path.resolve(o.model);
  const modelBytes = readInputFile(model, { what: 'model' });
  if (/\.onnx$/i.test(model)) checkSingleFile(modelBytes, model);

  return ReleaseRepository.withLock(repoDir, async (repo) => {
    // Every key this needs is checked before anything is written.
    for (const role of ['targets', 'snapshot', 'timestamp'] as const) keys.keys(role, repo.root.signed.roles[role].keyIDs, repo.root.signed.roles[role].threshold);
    const existing = repo.releases().find((r) => r.channel === o.channel && r.version === o.version);
    if (existing) throw new Error(`${o.channel} ${o.version} is already published (releases are immutable; publish a new version)`);
    const targetPath = releasePath(o.channel, o.version, path.basename(model));
    const sha256 = createHash('sha256').update(modelBytes).digest('hex');
    const now = (o.now ?? new Date()).toISOString();

    let deltaInfo: DeltaInfo | undefined;
    let deltaReport: DeltaReport | undefined;
    if (o.deltaFrom) {
      o.onProgress?.(`building the patch from ${o.deltaFrom}`);
      const made = await buildDelta(repo, o, modelBytes, model, targetPath);
      deltaReport = made.report;
      deltaInfo = made.info;
    }
    throwIfCancelled(o.signal);
    const release: Release = {
      version: o.version, channel: o.channel, rollout: o.rollout, minAppVersion: o.minAppVersion, state: 'active',
      path: targetPath, sha256, size: modelBytes.length, notes: o.notes, publishedAt: now, updatedAt: now, delta: deltaInfo,
    };
    o.onProgress?.(`signing ${o.channel} ${o.version}`);
    const t = await repo.addTarget(targetPath, model, modelCustom(release));
    if (t.hashes.sha256 !== sha256) throw new Error(`${model} changed while it was being published`);
    repo.commit(keys, { now: o.now });
    return {
      release,
      file: repo.fileOf(t),
      delta: deltaReport,
      metadataVersion: { targets: repo.targets.signed.version, snapshot: repo.snapshot.signed.version, timestamp: repo.timestamp.signed.version },
    };
  }, o.signal);
}

async function buildDelta(repo: ReleaseRepository, o: PublishOptions, modelBytes: Buffer, model: string, targetPath: string): Promise<{ info?: DeltaInfo; report: DeltaReport }> {
  const from = o.deltaFrom!;
  const base = repo.releases().find((r) => r.channel === o.channel && r.version === from);
  if (!base) throw new Error(`--delta-from ${from}: no such release on channel ${o.channel}`);
  if (!/\.onnx$/i.test(base.path) || !/\.onnx$/i.test(model)) return { report: { from, skipped: 'patches are made for ONNX models only' } };
  const baseFile = repo.fileOf(repo.target(base.path)!);
  const baseBytes = fs.readFileSync(baseFile);
  const plan = makeDelta(baseBytes, modelBytes, { version: from, file: baseFile }, { version: o.version, file: model });
  // The patch must rebuild this exact file before any device gets it.
  const { header, literals } = decodePatch(Buffer.concat(plan.chunks));
  const rebuilt = createHash('sha256');
  for (const c of rebuildChunks(header, literals, baseBytes)) rebuilt.update(c);
  if (rebuilt.digest('hex') !== header.to.sha256) throw new Error('internal error: the patch does not rebuild the model');
  const fraction = plan.size / modelBytes.length;
  const stats = { from, size: plan.size, fraction, reusedTensors: plan.reusedTensors, changedTensors: plan.changedTensors };
  if (fraction > 1 - MIN_DELTA_SAVING) return { report: { ...stats, skipped: `the patch would be ${formatPercent(fraction, 0)} of the model` } };
  const deltaPath = `${targetPath}.from-${from}.delta`;
  const custom: { edgewise: DeltaCustom } = { edgewise: { kind: 'delta', channel: o.channel, version: o.version, from } };
  const t = await repo.addTarget(deltaPath, plan.chunks, custom);
  return {
    info: { from, fromSha256: base.sha256, path: deltaPath, sha256: t.hashes.sha256, size: t.length },
    report: { ...stats, path: deltaPath },
  };
}

/** A release is one file: an ONNX model with external data would reach devices without its weights. */
function checkSingleFile(bytes: Uint8Array, file: string): void {
  let external = false;
  forEachTensor(decodeModelProto(bytes, file), (t) => {
    if (t.dataLocation === TensorProto_DataLocation.EXTERNAL) external = true;
  });
  if (external) throw new Error(`${file} keeps weights in external data files; a release is one file (edgewise convert IN OUT --inline)`);
}
