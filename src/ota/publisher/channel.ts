/**
 * Rollout control of a channel's releases: promote (raise or set the percentage; resumes a paused
 * release), pause (no new devices take it), rollback (devices leave it for the newest release
 * they may run, or the bundled model). Each is a signed change of the release's custom fields.
 * Retire takes a superseded release (and its patch) out of the signed list, so the targets
 * metadata every device fetches after a change stops growing; devices on it keep it until a newer
 * release applies to them (rollout.ts), and its files stay for clients holding older metadata.
 */
import { compareVersions, modelCustom, type Release, type ReleaseState } from '../release';
import type { KeySource } from './keys';
import { ReleaseRepository } from './repository';

export type ChannelAction = 'promote' | 'pause' | 'rollback' | 'retire';

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
  /** Retire: the target paths taken out of the signed list. */
  removed?: string[];
}

export async function changeRelease(repoDir: string, keys: KeySource, action: ChannelAction, c: ChannelChange): Promise<ChannelChangeResult> {
  return ReleaseRepository.withLock(repoDir, (repo) => {
    const releases = repo.releases().filter((r) => r.channel === c.channel);
    const before = pick(releases, c, action);
    if (action === 'retire') {
      checkRetirable(before, releases);
      const removed = [before.path, ...(before.delta && repo.target(before.delta.path) ? [before.delta.path] : [])];
      repo.removeTargets(removed);
      repo.commit(keys, { now: c.now });
      return { action, before, after: before, removed };
    }
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

/**
 * A release leaves the list once a newer one reached every device. A rolled-back release stays
 * listed: devices that have not checked since the rollback must still learn to leave it (a device
 * keeps an unlisted version).
 */
function checkRetirable(r: Release, releases: Release[]): void {
  if (r.state === 'rolled-back') throw new Error(`${r.channel} ${r.version} was rolled back; it stays listed so that every device leaves it`);
  const newer = releases.find((x) => compareVersions(x.version, r.version) > 0 && x.state === 'active' && x.rollout === 100);
  if (!newer) throw new Error(`${r.channel} ${r.version} may still reach devices: promote a newer release to 100% first`);
}

function pick(releases: Release[], c: ChannelChange, action: ChannelAction): Release {
  if (releases.length === 0) throw new Error(`channel '${c.channel}' has no releases`);
  if (c.version) {
    const r = releases.find((x) => x.version === c.version);
    if (!r) throw new Error(`channel '${c.channel}' has no release ${c.version} (it has ${releases.map((x) => x.version).join(', ')})`);
    return r;
  }
  if (action === 'promote' || action === 'retire') throw new Error(`${action} needs --version`);
  const inPlay = releases.filter((r) => r.state !== 'rolled-back').sort((a, b) => compareVersions(b.version, a.version));
  if (!inPlay[0]) throw new Error(`channel '${c.channel}' has no release in play`);
  return inPlay[0];
}
