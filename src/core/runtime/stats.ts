import type { LatencyStats } from './types';

/** Percentile with linear interpolation between closest ranks (NumPy's default), p in [0, 100]. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/**
 * A distribution-free confidence interval of the median: the order statistics x(k) and x(n+1-k)
 * with the largest k for which Binomial(n, 1/2) puts at most (1 - level)/2 below k. Undefined
 * when n is too small for the level (fewer than 6 values at 95%).
 */
export function medianInterval(values: readonly number[], level = 0.95): { low: number; high: number } | undefined {
  const n = values.length;
  const tail = (1 - level) / 2;
  // P(B <= j) for B ~ Binomial(n, 1/2), summed in float64 from the exact terms C(n, i) / 2^n.
  let term = 0.5 ** n;
  let below = 0;
  let k = 0;
  for (let j = 0; j < n; j++) {
    below += term;
    if (below > tail) break;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  if (k < 1) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { low: sorted[k - 1], high: sorted[n - k] };
}

/** The run-to-run spread of repeated timings: their interquartile range (p75 − p25); 0 for fewer than two. */
export function spreadOf(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 75) - percentile(sorted, 25);
}

/** Summary statistics of run times in ms (population standard deviation). */
export function latencyStats(samplesMs: number[]): LatencyStats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const variance = sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return {
    samplesMs,
    minMs: sorted[0],
    meanMs: mean,
    stdMs: Math.sqrt(variance),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[n - 1],
    throughputPerSec: 1000 / mean,
  };
}

/**
 * Samples one timed run processes: the first dimension of the first input when it has two or more
 * (the batch), else 1. Throughput is counted in samples, so batch 32 at 4 runs/s is 128 samples/s.
 */
export function samplesPerRun(inputs: readonly { shape: readonly number[] }[]): number {
  const shape = inputs[0]?.shape ?? [];
  return shape.length >= 2 && shape[0] > 0 ? shape[0] : 1;
}
