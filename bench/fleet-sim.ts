/**
 * The simulated fleet of bench/fleet.ts: devices with the real device library, the release
 * operator (a staged-rollout plan and a health rule that pauses and rolls back), and their logs.
 */
import * as path from 'node:path';
import { ModelUpdater, type UpdateResult } from '../src/ota/client';
import type { ReleaseHealth } from '../src/ota/health';
import { changeRelease } from '../src/ota/publisher/channel';
import type { KeySource } from '../src/ota/publisher/keys';
import { publishRelease } from '../src/ota/publisher/publish';

/** Deterministic random numbers (mulberry32), so runs are comparable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface Device {
  id: string;
  updater: ModelUpdater;
  /** Simulated hour of the last update check. */
  lastCheck: number;
  unmetered: boolean;
}

export interface CheckLog {
  at: number;
  device: string;
  result?: UpdateResult;
  error?: string;
}

export type Step =
  | { at: number; publish: string; model: string; rollout: number; deltaFrom?: string }
  | { at: number; promote: string; rollout: number };

export interface Change {
  at: number;
  version: string;
  action: 'publish' | 'promote' | 'pause' | 'rollback' | 'skip';
  rollout?: number;
  why?: string;
}

/**
 * Runs the plan, and each hour applies the health rule: a release that at least `minDevices`
 * devices failed to load, at a failure rate of `maxFailureRate` or more, is paused, and rolled
 * back `rollbackAfterHours` later. A promotion waits for a healthy release.
 */
export class Operator {
  readonly changes: Change[] = [];
  private readonly stopped = new Set<string>();
  private readonly rollbackAt = new Map<string, number>();

  constructor(
    private readonly repo: string,
    private readonly keys: KeySource,
    private readonly plan: Step[],
    private readonly rule = { minDevices: 5, maxFailureRate: 0.2, rollbackAfterHours: 2 },
  ) {}

  async tick(hour: number, health: ReleaseHealth[]): Promise<void> {
    for (const h of health) {
      const failing = h.loadFailed + h.fallback;
      if (!this.stopped.has(h.version) && failing >= this.rule.minDevices && h.failureRate >= this.rule.maxFailureRate) {
        this.stopped.add(h.version);
        await changeRelease(this.repo, this.keys, 'pause', { channel: 'stable', version: h.version });
        this.changes.push({ at: hour, version: h.version, action: 'pause', why: `${failing} devices failed to load it (${(100 * h.failureRate).toFixed(0)}%)` });
        this.rollbackAt.set(h.version, hour + this.rule.rollbackAfterHours);
      }
    }
    for (const [version, at] of this.rollbackAt) {
      if (at > hour) continue;
      this.rollbackAt.delete(version);
      await changeRelease(this.repo, this.keys, 'rollback', { channel: 'stable', version });
      this.changes.push({ at: hour, version, action: 'rollback' });
    }
    for (const s of this.plan.filter((x) => x.at === hour)) {
      if ('publish' in s) {
        await publishRelease(this.repo, this.keys, { model: s.model, channel: 'stable', version: s.publish, rollout: s.rollout, deltaFrom: s.deltaFrom });
        this.changes.push({ at: hour, version: s.publish, action: 'publish', rollout: s.rollout });
      } else if (this.stopped.has(s.promote)) {
        this.changes.push({ at: hour, version: s.promote, action: 'skip', why: 'stopped by the health rule' });
      } else {
        await changeRelease(this.repo, this.keys, 'promote', { channel: 'stable', version: s.promote, rollout: s.rollout });
        this.changes.push({ at: hour, version: s.promote, action: 'promote', rollout: s.rollout });
      }
    }
  }

  /** When a device with cohort `c` (0-100) could first take `version`: the first publish/promote whose rollout exceeds it. */
  eligibleAt(version: string, c: number): number | undefined {
    return this.changes.find((x) => x.version === version && (x.action === 'publish' || x.action === 'promote') && (x.rollout ?? 0) > c)?.at;
  }

  pausedAt(version: string): number | undefined {
    return this.changes.find((x) => x.version === version && x.action === 'pause')?.at;
  }
}

/** Which model file a device loaded: installed ones are in versions/VERSION-SHA12/. */
export function versionOf(file: string, bundled: string): string {
  if (file === bundled) return 'bundled';
  return path.basename(path.dirname(file)).replace(/-[0-9a-f]{12}$/, '');
}

/** Runs `fn` over `items`, `limit` at a time. */
export async function pool<T>(items: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

export function percentiles(xs: number[], ps = [50, 90, 99]): Record<string, number> {
  const s = [...xs].sort((a, b) => a - b);
  return Object.fromEntries(ps.map((p) => [`p${p}`, s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN]));
}
