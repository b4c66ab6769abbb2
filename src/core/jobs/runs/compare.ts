/**
 * Comparing runs: their figures side by side and the Pareto front of size, latency and accuracy
 * (the runs no other run beats on every one of those it shares with them).
 */
import type { RunMetrics, RunRecord } from './types';

/** The axes a front is drawn on, and which way is better. */
export const PARETO_AXES = [
  { key: 'sizeBytes', label: 'size', better: 'lower' },
  { key: 'p50Ms', label: 'p50 latency', better: 'lower' },
  { key: 'accuracy', label: 'top-1 accuracy', better: 'higher' },
] as const satisfies readonly { key: keyof RunMetrics; label: string; better: 'lower' | 'higher' }[];

export type ParetoKey = (typeof PARETO_AXES)[number]['key'];

export interface RunComparison {
  runs: RunRecord[];
  /** Axes every compared run has a figure for: the front is computed on these. */
  axes: ParetoKey[];
  /** Ids of the runs on the front (all of them when no axis is shared). */
  front: string[];
}

export function compareRuns(runs: RunRecord[]): RunComparison {
  const axes = PARETO_AXES.filter((a) => runs.every((r) => Number.isFinite(r.metrics[a.key]))).map((a) => a.key);
  const front = runs.filter((r) => !runs.some((o) => o !== r && dominates(o.metrics, r.metrics, axes))).map((r) => r.id);
  return { runs, axes, front };
}

/** True when `a` is at least as good as `b` on every axis and better on one. */
export function dominates(a: RunMetrics, b: RunMetrics, axes: readonly ParetoKey[]): boolean {
  let better = false;
  for (const key of axes) {
    const sign = PARETO_AXES.find((x) => x.key === key)!.better === 'lower' ? 1 : -1;
    const d = sign * (a[key]! - b[key]!);
    if (d > 0) return false;
    if (d < 0) better = true;
  }
  return better;
}

/** A run's main output (the model it made), else its input: what "open" opens. */
export function runModel(r: RunRecord): string {
  return r.outputs.find((f) => f.role === 'out')?.path ?? r.input;
}
