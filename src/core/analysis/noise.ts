/**
 * When a latency difference is real: the one rule behind every "INT8 is slower / faster here"
 * verdict (analyze's findings, mixed precision's decisions, quantize's speedup, the worker's
 * counts). Each side is a median over repeated runs with its run-to-run spread, the interquartile
 * range of the per-run times. A difference counts only when it exceeds the spread of a difference
 * of two such measurements, √(spreadA² + spreadB²), and the timer's resolution; otherwise the two
 * are within noise and no advice follows from them.
 */
import { median, spreadOf } from '../runtime/stats';

export { spreadOf };

/** A time measured over repeated runs: the median and the run-to-run spread (IQR), in one unit (µs or ms). */
export interface Timed {
  median: number;
  spread: number;
}

export type LatencyVerdict = 'faster' | 'slower' | 'within-noise';

export interface LatencyComparison {
  /** `candidate` against `reference`: 'slower' when the candidate takes longer beyond the noise. */
  verdict: LatencyVerdict;
  /** candidate − reference. */
  difference: number;
  /** The least difference that counts. */
  noise: number;
}

/** The timer's resolution in µs: ORT's profiler reports whole microseconds per kernel. */
export const PROFILER_RESOLUTION_US = 1;

/** `samples` as a Timed: their median and spread. */
export function timed(samples: readonly number[]): Timed {
  return { median: median(samples), spread: spreadOf(samples) };
}

/**
 * The verdict on `candidate` against `reference` (same unit), with `resolution` the least step
 * the timer can tell apart (0 for wall-clock times taken with performance.now()).
 */
export function compareTimes(candidate: Timed, reference: Timed, resolution = 0): LatencyComparison {
  const difference = candidate.median - reference.median;
  const noise = Math.max(resolution, Math.hypot(candidate.spread, reference.spread));
  const verdict = Math.abs(difference) <= noise ? 'within-noise' : difference > 0 ? 'slower' : 'faster';
  return { verdict, difference, noise };
}
