/**
 * Health reports devices send after a model change, and their aggregation per release. The
 * device client posts them; the health collector stores them as JSON lines; `release status`
 * and the Releases view aggregate them.
 */

export type HealthEvent = 'installed' | 'load-ok' | 'load-failed' | 'fallback';

export interface HealthReport {
  deviceId: string;
  channel: string;
  /** The release the event is about; null for the bundled model. */
  version: string | null;
  event: HealthEvent;
  appVersion?: string;
  reason?: string;
  /** ISO time on the device. */
  at: string;
}

const EVENTS: readonly HealthEvent[] = ['installed', 'load-ok', 'load-failed', 'fallback'];

/** The report in `value` if it is one (the collector rejects anything else). */
export function parseHealthReport(value: unknown): HealthReport | undefined {
  const v = value as Partial<HealthReport> | null;
  if (!v || typeof v !== 'object') return undefined;
  if (typeof v.deviceId !== 'string' || v.deviceId.length === 0 || v.deviceId.length > 200) return undefined;
  if (typeof v.channel !== 'string' || !(v.version === null || typeof v.version === 'string')) return undefined;
  if (!EVENTS.includes(v.event as HealthEvent) || typeof v.at !== 'string') return undefined;
  return {
    deviceId: v.deviceId,
    channel: v.channel.slice(0, 64),
    version: v.version === null ? null : v.version.slice(0, 64),
    event: v.event as HealthEvent,
    appVersion: typeof v.appVersion === 'string' ? v.appVersion.slice(0, 64) : undefined,
    reason: typeof v.reason === 'string' ? v.reason.slice(0, 500) : undefined,
    at: v.at.slice(0, 40),
  };
}

export interface ReleaseHealth {
  channel: string;
  version: string;
  /** Distinct devices per event. */
  installed: number;
  loadOk: number;
  loadFailed: number;
  fallback: number;
  /** Devices that failed to load it or fell back, over devices that reported a load. */
  failureRate: number;
  /** A few distinct failure reasons, most frequent first. */
  reasons: { reason: string; devices: number }[];
  lastReportAt?: string;
}

/** Health per channel and version, from reports in any order. */
export function aggregateHealth(reports: Iterable<HealthReport>): ReleaseHealth[] {
  const byRelease = new Map<string, { channel: string; version: string; sets: Record<HealthEvent, Set<string>>; reasons: Map<string, Set<string>>; last?: string }>();
  for (const r of reports) {
    if (r.version === null) continue;
    const key = `${r.channel}\0${r.version}`;
    let agg = byRelease.get(key);
    if (!agg) {
      agg = { channel: r.channel, version: r.version, sets: { installed: new Set(), 'load-ok': new Set(), 'load-failed': new Set(), fallback: new Set() }, reasons: new Map() };
      byRelease.set(key, agg);
    }
    agg.sets[r.event].add(r.deviceId);
    if (r.reason && (r.event === 'load-failed' || r.event === 'fallback')) {
      const devices = agg.reasons.get(r.reason) ?? new Set<string>();
      devices.add(r.deviceId);
      agg.reasons.set(r.reason, devices);
    }
    if (!agg.last || r.at > agg.last) agg.last = r.at;
  }
  return [...byRelease.values()].map(({ channel, version, sets, reasons, last }) => {
    const failed = new Set([...sets['load-failed'], ...sets.fallback]);
    const loaded = new Set([...sets['load-ok'], ...failed]);
    return {
      channel,
      version,
      installed: sets.installed.size,
      loadOk: sets['load-ok'].size,
      loadFailed: sets['load-failed'].size,
      fallback: sets.fallback.size,
      failureRate: loaded.size ? failed.size / loaded.size : 0,
      reasons: [...reasons].map(([reason, d]) => ({ reason, devices: d.size })).sort((a, b) => b.devices - a.devices).slice(0, 5),
      lastReportAt: last,
    };
  });
}

/** Parses a JSON-lines file's text, skipping lines that are not reports (a torn last line). */
export function parseHealthLines(text: string): HealthReport[] {
  const out: HealthReport[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = parseHealthReport(JSON.parse(line));
      if (r) out.push(r);
    } catch {
      // A line cut short by a crash of the collector.
    }
  }
  return out;
}
