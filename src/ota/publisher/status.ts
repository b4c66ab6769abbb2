/**
 * `release status`: the channels of a repository, their releases and rollout, the metadata's
 * expiry, and, given health reports, how each release is doing on devices.
 */
import { InputFileError, readInputText } from '../../core/base/input-file';
import { aggregateHealth, parseHealthLines, type ReleaseHealth } from '../health';
import { compareVersions, type Release } from '../release';
import { ReleaseRepository } from './repository';
import { formatNumber } from '../../core/base/units';

/** A JSON-lines file of device health reports, read whole: past this it is not a report file to read at once. */
const HEALTH_FILE_LIMIT = { bytes: 256 << 20, why: 'too large a health report file to read at once (256 MiB at most)' };

export interface ReleaseStatus extends Release {
  health?: ReleaseHealth;
}

export interface RepositoryStatus {
  repo: string;
  channels: { channel: string; releases: ReleaseStatus[] }[];
  metadata: {
    targetsVersion: number;
    timestampVersion: number;
    /** Expiry times; a client refuses metadata past them (`release refresh` renews). */
    expires: { root: string; targets: string; snapshot: string; timestamp: string };
    warnings: string[];
  };
  /** Where the health figures came from, if any. */
  health?: string;
}

const DAY = 86_400_000;

export function repositoryStatus(repoDir: string, o: { channel?: string; health?: ReleaseHealth[]; healthSource?: string; now?: Date } = {}): RepositoryStatus {
  const repo = ReleaseRepository.open(repoDir);
  const now = (o.now ?? new Date()).getTime();
  const byChannel = new Map<string, ReleaseStatus[]>();
  for (const r of repo.releases()) {
    if (o.channel && r.channel !== o.channel) continue;
    const health = o.health?.find((h) => h.channel === r.channel && h.version === r.version);
    byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), { ...r, health }]);
  }
  const expires = {
    root: repo.root.signed.expires, targets: repo.targets.signed.expires,
    snapshot: repo.snapshot.signed.expires, timestamp: repo.timestamp.signed.expires,
  };
  const warnings: string[] = [];
  for (const [role, when] of Object.entries(expires)) {
    const left = Date.parse(when) - now;
    if (left <= 0) warnings.push(`${role} metadata expired at ${when}: devices refuse this repository until it is re-signed (edgewise release refresh)`);
    else if (left < 2 * DAY) warnings.push(`${role} metadata expires at ${when}, in ${formatNumber(left / 3_600_000)} h (edgewise release refresh)`);
  }
  if (o.channel && !byChannel.has(o.channel)) warnings.push(`channel '${o.channel}' has no releases`);
  return {
    repo: repo.dir,
    channels: [...byChannel].sort(([a], [b]) => a.localeCompare(b)).map(([channel, releases]) => ({
      channel, releases: releases.sort((a, b) => compareVersions(b.version, a.version)),
    })),
    metadata: { targetsVersion: repo.targets.signed.version, timestampVersion: repo.timestamp.signed.version, expires, warnings },
    health: o.healthSource,
  };
}

/** Health per release from a JSON-lines file of reports, or from a collector's summary URL. */
export async function loadHealth(source: string, signal?: AbortSignal): Promise<ReleaseHealth[]> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(`${source.replace(/\/+$/, '')}/summary`, { signal });
    if (!res.ok) throw new Error(`${source}/summary: HTTP ${res.status}`);
    return (await res.json()) as ReleaseHealth[];
  }
  let text: string;
  try {
    text = readInputText(source, { what: 'health report', limit: HEALTH_FILE_LIMIT });
  } catch (e) {
    throw e instanceof InputFileError && e.problem === 'no such file' ? new Error(`${source}: no such health report file`) : e;
  }
  return aggregateHealth(parseHealthLines(text));
}
