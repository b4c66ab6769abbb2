/**
 * `release refresh`: renews the expiry of the metadata that expires soonest (timestamp, snapshot,
 * and targets when it has less than a month left). A static repository needs this on a schedule
 * (a daily CI job), or devices treat it as frozen and refuse it.
 */
import type { KeySource } from './keys';
import { ReleaseRepository } from './repository';

export interface RefreshResult {
  timestampExpires: string;
  snapshotExpires: string;
  targetsExpires: string;
  resignedTargets: boolean;
}

const RENEW_TARGETS_WITHIN_MS = 30 * 86_400_000;

export async function refreshRepository(repoDir: string, keys: KeySource, o: { now?: Date; signal?: AbortSignal } = {}): Promise<RefreshResult> {
  return ReleaseRepository.withLock(repoDir, (repo) => {
    const now = o.now ?? new Date();
    const resignTargets = Date.parse(repo.targets.signed.expires) - now.getTime() < RENEW_TARGETS_WITHIN_MS;
    repo.commit(keys, { now, resignTargets });
    return {
      timestampExpires: repo.timestamp.signed.expires,
      snapshotExpires: repo.snapshot.signed.expires,
      targetsExpires: repo.targets.signed.expires,
      resignedTargets: resignTargets,
    };
  }, o.signal);
}
