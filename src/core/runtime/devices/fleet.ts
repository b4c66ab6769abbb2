/**
 * The fleet: one model measured on each target in turn, each result checked against its own
 * target's budgets. The slowest real device decides: the verdict fails when any device breaks a
 * budget, and the report names the slowest one. Emulated results are shown but never budgeted
 * or ranked. With an output check, each target's top-1 answers are compared with the first's.
 */
import { CancelledError } from '../../base/cancel';
import { checkBudgets, type BudgetBreak, type Target } from '../targets';
import { BenchmarkError, type BenchmarkJob, type BenchmarkProgress, type BenchmarkResult } from '../types';
import { DeviceError } from './errors';
import { isEmulated } from './open';
import { benchmarkOnTarget } from './run-target';

export interface FleetEntry {
  target: string;
  emulated: boolean;
  /** One per thread count. */
  results: BenchmarkResult[];
  /** Budgets broken (never checked on an emulated target). */
  budgetBreaks: BudgetBreak[];
  /** Why this target has no result. */
  error?: { kind: string; message: string };
  /** Top-1 agreement with the fleet's reference (its first target with answers). */
  agreement?: { with: string; samples: number; same: number; share: number };
}

export interface FleetReport {
  model: string;
  entries: FleetEntry[];
  /** The real device with the highest p50 (at its first thread count). */
  slowest?: string;
  /** fail: a budget broken; error: a target could not be measured; pass otherwise. */
  verdict: 'pass' | 'fail' | 'error';
}

export interface FleetHooks {
  signal?: AbortSignal;
  onProgress?(target: string, index: number, p: BenchmarkProgress): void;
}

export async function runFleet(targets: Target[], job: BenchmarkJob, threadsOf: (t: Target) => number[], hooks: FleetHooks = {}): Promise<FleetReport> {
  const entries: FleetEntry[] = [];
  for (const [i, target] of targets.entries()) {
    const emulated = isEmulated(target);
    try {
      const results = await benchmarkOnTarget(target, job, threadsOf(target), { signal: hooks.signal, onProgress: (p) => hooks.onProgress?.(target.name, i, p) });
      entries.push({ target: target.name, emulated, results, budgetBreaks: emulated ? [] : results.flatMap((r) => checkBudgets(r, target)) });
    } catch (e) {
      if ((e instanceof BenchmarkError && e.kind === 'cancelled') || e instanceof CancelledError) throw e;
      const kind = e instanceof DeviceError || e instanceof BenchmarkError ? e.kind : 'internal';
      entries.push({ target: target.name, emulated, results: [], budgetBreaks: [], error: { kind, message: (e as Error).message } });
    }
  }
  addAgreement(entries);
  const real = entries.filter((e) => !e.emulated && e.results.length);
  const slowest = real.sort((a, b) => b.results[0].latency.p50Ms - a.results[0].latency.p50Ms)[0]?.target;
  const verdict = entries.some((e) => e.error) ? 'error' : entries.some((e) => e.budgetBreaks.length) ? 'fail' : 'pass';
  return { model: job.model, entries, slowest, verdict };
}

function addAgreement(entries: FleetEntry[]): void {
  const answered = entries.filter((e) => e.results[0]?.outputCheck);
  const ref = answered[0];
  if (!ref) return;
  const a = ref.results[0].outputCheck!.top1;
  for (const e of answered) {
    const b = e.results[0].outputCheck!.top1;
    const n = Math.min(a.length, b.length);
    let same = 0;
    for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
    e.agreement = { with: ref.target, samples: n, same, share: n ? same / n : 0 };
  }
}
