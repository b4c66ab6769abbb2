/**
 * Rollout control of a channel's releases: promote (raise or set the percentage; resumes a paused
 * release), pause (no new devices take it), rollback (devices leave it for the newest release
 * they may run, or the bundled model). Each is a signed change of the release's custom fields.
 */
import { compareVersions, modelCustom, type Release, type ReleaseState } from '../release';
import type { KeySource } from './keys';
import { ReleaseRepository } from './repository';

export type ChannelAction = 'promote' | 'pause' | 'rollback';

export interface ChannelChange {
  channel: string;
  /** Default for pause and rollback: the channel's newest release still in play. */
  version?: string;
  /** For promote. */
  rollout?: number;
  now?: Date;
  signal?: AbortSignal;
}

export interface ChannelChangeResult {
  action: ChannelAction;
  before: Release;
  after: Release;
  /** Where devices on the release go after a rollback: a version, or null for the bundled model. */
  devicesReturnTo?: string | null;
}

export async function changeRelease(repoDir: string, keys: KeySource, action: ChannelAction, c: ChannelChange): Promise<ChannelChangeResult> {
  return ReleaseRepository.withLock(repoDir, (repo) => {
    const releases = repo.releases().filter((r) => r.channel === c.channel);
    const before = pick(releases, c, action);
    const state: ReleaseState = action === 'promote' ? 'active' : action === 'pause' ? 'paused' : 'rolled-back';
    if (action === 'promote') {
      if (before.state === 'rolled-back') throw new Error(`${c.channel} ${before.version} was rolled back; publish a new version instead`);
      if (c.rollout === undefined) throw new Error('promote needs --rollout');
    }
    if (action === 'pause' && before.state !== 'active') throw new Error(`${c.channel} ${before.version} is ${before.state}, not active`);
    const after: Release = { ...before, state, rollout: action === 'promote' ? c.rollout! : before.rollout, updatedAt: (c.now ?? new Date()).toISOString() };
    repo.setCustom(before.path, modelCustom(after));
    repo.commit(keys, { now: c.now });
    const result: ChannelChangeResult = { action, before, after };
    if (action === 'rollback') {
      const next = releases.filter((r) => r !== before && r.state !== 'rolled-back').sort((a, b) => compareVersions(b.version, a.version))[0];
      result.devicesReturnTo = next?.version ?? null;
    }
    return result;
  }, c.signal);
}

function pick(releases: Release[], c: ChannelChange, action: ChannelAction): Release {
  if (releases.length === 0) throw new Error(`channel '${c.channel}' has no releases`);
  if (c.version) {
    const r = releases.find((x) => x.version === c.version);
    if (!r) throw new Error(`channel '${c.channel}' has no release ${c.version} (it has ${releases.map((x) => x.version).join(', ')})`);
    return r;
  }
  if (action === 'promote') throw new Error('promote needs --version');
  const inPlay = releases.filter((r) => r.state !== 'rolled-back').sort((a, b) => compareVersions(b.version, a.version));
  if (!inPlay[0]) throw new Error(`channel '${c.channel}' has no release in play`);
  return inPlay[0];
}
