import type { BenchmarkProgress } from './types';
import { formatBytes } from '../base/units';

/** What each benchmark phase is called in progress messages. */
export const PHASE_TEXT: Record<BenchmarkProgress['phase'], string> = {
  connect: 'connecting', upload: 'uploading', load: 'creating the session', 'first-run': 'first run', warmup: 'warm-up',
  runs: 'timed runs', profile: 'profiling layers', 'profile-optimized': 'profiling the optimized graph',
};

/** A phase as progress text with its count (megabytes while uploading). */
export function phaseText(p: BenchmarkProgress): string {
  const count = !p.total ? '' : p.phase === 'upload' ? ` ${formatBytes(p.done ?? 0)} of ${formatBytes(p.total)}` : ` ${p.done}/${p.total}`;
  return `${PHASE_TEXT[p.phase]}${count}`;
}
