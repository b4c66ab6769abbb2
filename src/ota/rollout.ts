/**
 * Which release a device should run. Pure: the device client decides with it, and the publisher's
 * status and the fleet benchmark predict with it.
 */
import { createHash } from 'node:crypto';
import { compareVersions, type Release } from './release';
import semverGte from 'semver/functions/gte';

/**
 * The device's place in a release's rollout, uniform in [0, 100): a stable hash of the device id
 * and the release, so raising the percentage only adds devices, and each release samples anew.
 */
export function cohortPercent(deviceId: string, channel: string, version: string): number {
  const h = createHash('sha256').update(`${deviceId}\0${channel}\0${version}`).digest();
  return (h.readUInt32BE(0) / 2 ** 32) * 100;
}

export interface DeviceFacts {
  deviceId: string;
  channel: string;
  appVersion: string;
  /** Version the device runs now (undefined: the bundled model). */
  current?: string;
  /** Versions the device fell back from; never taken again. */
  blocked?: ReadonlySet<string>;
}

export interface Choice {
  /** The release to run; undefined: the bundled model (or, with `keep`, the model it runs). */
  release?: Release;
  /** Keep the model the device runs: its release is no longer listed (retired, or a bundled model newer than the channel) and nothing newer applies. */
  keep?: boolean;
  /** Why, in a few words (for logs and `device-update --json`). */
  reason: string;
}

/**
 * The newest release of the device's channel that it may run: not rolled back, its app new enough,
 * not blocked, and either the one it already runs or active with the device inside the rollout.
 * A paused release keeps its devices and takes no new ones. A device never moves to an older
 * version without a reason the repository states (a rollback): when the version it runs is not
 * listed (a retired release, or a bundled model newer than the channel's releases), it keeps it
 * until a newer release applies.
 */
export function chooseRelease(releases: readonly Release[], d: DeviceFacts): Choice {
  let best: Release | undefined;
  const skipped: string[] = [];
  const unlisted = d.current !== undefined && !releases.some((r) => r.channel === d.channel && r.version === d.current);
  for (const r of releases) {
    if (r.channel !== d.channel) continue;
    const why = unlisted && compareVersions(r.version, d.current!) <= 0 ? `not newer than ${d.current}, which the device runs` : ineligible(r, d);
    if (why) {
      skipped.push(`${r.version}: ${why}`);
      continue;
    }
    if (!best || compareVersions(r.version, best.version) > 0) best = r;
  }
  if (best) return { release: best, reason: best.version === d.current ? 'current release' : `release ${best.version} (rollout ${best.rollout}%)` };
  if (unlisted) return { keep: true, reason: `keeps ${d.current} (not listed on channel '${d.channel}'); no newer release applies${skipped.length ? ` (${skipped.join('; ')})` : ''}` };
  return { reason: skipped.length ? `no release applies (${skipped.join('; ')})` : `no release on channel '${d.channel}'` };
}

function ineligible(r: Release, d: DeviceFacts): string | undefined {
  if (r.state === 'rolled-back') return 'rolled back';
  if (d.blocked?.has(r.version)) return 'failed on this device';
  if (r.minAppVersion && !semverGte(d.appVersion, r.minAppVersion)) return `needs app ${r.minAppVersion}`;
  if (r.version === d.current) return undefined;
  if (r.state === 'paused') return 'paused';
  if (cohortPercent(d.deviceId, d.channel, r.version) >= r.rollout) return `outside the ${r.rollout}% rollout`;
  return undefined;
}
