import type { BenchmarkProgress } from './types';
import { countMessage, countShare, type ProgressCount } from '../base/progress';
import { formatDuration } from '../base/units';

/** What each benchmark phase is called in progress messages. */
export const PHASE_TEXT: Record<BenchmarkProgress['phase'], string> = {
  connect: 'connecting', upload: 'uploading', load: 'creating the session', 'first-run': 'first run', warmup: 'warm-up',
  runs: 'timed runs', profile: 'profiling layers', 'profile-optimized': 'profiling the optimized graph',
};

/**
 * A phase as a countable step: runs (bytes while uploading) done of the planned total, or, when
 * the phase runs until a time has passed, of no total, with the share from runs and time.
 */
export function phaseCount(p: BenchmarkProgress, text = PHASE_TEXT[p.phase]): ProgressCount | undefined {
  const unit = p.phase === 'upload' ? 'bytes' : 'runs';
  if (p.minMs) {
    const share = Math.min(p.atLeast ? (p.done ?? 0) / p.atLeast : 1, (p.elapsedMs ?? 0) / p.minMs);
    return { stage: `${text} for at least ${formatDuration(p.minMs)}`, done: p.done ?? 0, unit, share };
  }
  return p.total ? { stage: text, done: p.done ?? 0, total: p.total, unit } : undefined;
}

/** The share of a phase done (0..1); 0 for a phase without a count. */
export function phaseShare(p: BenchmarkProgress): number {
  const c = phaseCount(p);
  return c ? countShare(c) : 0;
}

/** A phase as progress text with its count: 'timed runs 40/100 runs', 'uploading 1 MiB of 4 MiB'. */
export function phaseText(p: BenchmarkProgress, text = PHASE_TEXT[p.phase]): string {
  const c = phaseCount(p, text);
  return c ? countMessage(c) : text;
}
