import type { BenchmarkProgress } from './types';

/** What each benchmark phase is called in progress messages. */
export const PHASE_TEXT: Record<BenchmarkProgress['phase'], string> = {
  connect: 'connecting', upload: 'uploading', load: 'creating the session', 'first-run': 'first run', warmup: 'warm-up',
  runs: 'timed runs', profile: 'profiling layers', 'profile-optimized': 'profiling the optimized graph',
};
