/**
 * `edgewise bench` and the editor's Benchmark Model: latency, memory and per-layer time in fresh
 * child processes, one per thread count, checked against a target's budgets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../base/option-error';
import { inputFileSize } from '../base/input-file';
import { rangeProblem, THREADS, type Range } from '../base/range';
import { DEFAULT_JOB, runSweep } from '../runtime/benchmark';
import { checkProviders, OPT_LEVELS } from '../runtime/session';
import { checkBudgets, findTarget, type BudgetBreak, type Target } from '../runtime/targets';
import { BenchmarkError, type BenchmarkProgress, type BenchmarkResult, type OptLevel } from '../runtime/types';
import { CancelledError, type JobHooks } from './job';

/** Bench options (the job contract: jobs/job.ts). */
export interface BenchJobOptions extends JobHooks {
  /** Intra-op thread counts; more than one is a sweep, one child process each. Default: the target's, else 1. */
  threads?: number[];
  /** Timed runs (default 100) after `warmup` untimed ones (default 10). */
  runs?: number;
  warmup?: number;
  /** Keep running past `runs` until this much time has passed. */
  minDurationMs?: number;
  /** Per-layer latency from ORT's profiler (default false). */
  profile?: boolean;
  /** Runs per profiling session; default min(runs, 20). */
  profileRuns?: number;
  optLevel?: OptLevel;
  /** Execution providers by name ('cpu' is always the fallback); default ['cpu']. */
  executionProviders?: string[];
  /** Let ORT's idle threads spin (default false). */
  spinning?: boolean;
  /** A target name whose budgets the results are checked against ('local-cpu', 'edge-small', ...). */
  target?: string;
  /** The user's own targets, found before the built-in ones. */
  customTargets?: Target[];
  /** Values of symbolic dimensions; unset ones are 1, with a warning. */
  dims?: Record<string, number>;
  /** Input name -> .npy file; inputs not listed are generated. */
  inputFiles?: Record<string, string>;
}

export interface BenchJobResult {
  /** One per thread count, in the order asked. */
  results: BenchmarkResult[];
  target?: Target;
  /** Per result, the budgets of the target it breaks. */
  budgetBreaks: BudgetBreak[][];
}

const PHASE_TEXT: Record<BenchmarkProgress['phase'], string> = {
  load: 'creating the session', 'first-run': 'first run', warmup: 'warm-up', runs: 'timed runs',
  profile: 'profiling layers', 'profile-optimized': 'profiling the optimized graph',
};

/** Share of one child's work done when a phase starts (profiling phases only when asked). */
function phaseFraction(p: BenchmarkProgress, profile: boolean): number {
  const within = p.total ? Math.min(1, (p.done ?? 0) / p.total) : 0;
  const timedEnd = profile ? 0.7 : 1;
  switch (p.phase) {
    case 'load': return 0;
    case 'first-run': return 0.05;
    case 'warmup': return 0.05 + 0.1 * within * timedEnd;
    case 'runs': return (0.15 + 0.85 * within) * timedEnd;
    case 'profile': return 0.7 + 0.15 * within;
    case 'profile-optimized': return 0.85 + 0.15 * within;
  }
}

/** The bounds of the numeric options (the CLI parses its flags against the same). */
export const BENCH_LIMITS = {
  threads: THREADS,
  runs: { min: 1, max: 1_000_000, integer: true },
  warmup: { min: 0, max: 1_000_000, integer: true },
  profileRuns: { min: 1, max: 1_000_000, integer: true },
  /** One hour. */
  minDurationMs: { min: 0, max: 3_600_000 },
} satisfies Record<string, Range>;

function inRange(v: number | undefined, what: string, r: Range): void {
  const problem = v === undefined ? undefined : rangeProblem(v, r);
  if (problem) throw new OptionError(`${what} ${problem}, got ${v}`);
}

export async function runBenchJob(file: string, o: BenchJobOptions): Promise<BenchJobResult> {
  const model = path.resolve(file);
  inputFileSize(model, { what: 'model' });
  let target: Target | undefined;
  try {
    target = o.target ? findTarget(o.target, o.customTargets ?? []) : undefined;
    checkProviders(o.executionProviders ?? ['cpu']);
  } catch (e) {
    throw new OptionError((e as Error).message);
  }
  const threads = o.threads?.length ? o.threads : [target?.threads ?? 1];
  for (const t of threads) inRange(t, '--threads', BENCH_LIMITS.threads);
  inRange(o.runs, '--runs', BENCH_LIMITS.runs);
  inRange(o.warmup, '--warmup', BENCH_LIMITS.warmup);
  inRange(o.profileRuns, '--profile-runs', BENCH_LIMITS.profileRuns);
  inRange(o.minDurationMs, '--min-duration', BENCH_LIMITS.minDurationMs);
  if (o.optLevel !== undefined && !OPT_LEVELS.includes(o.optLevel)) throw new OptionError(`--opt-level must be one of ${OPT_LEVELS.join(', ')}, got '${o.optLevel}'`);
  for (const [name, f] of Object.entries(o.inputFiles ?? {})) if (!fs.existsSync(f)) throw new Error(`${path.resolve(f)}: no such file (--input ${name})`);
  const profile = o.profile ?? false;
  let results: BenchmarkResult[];
  try {
    results = await runSweep({
      ...DEFAULT_JOB, model, optLevel: o.optLevel ?? DEFAULT_JOB.optLevel, runs: o.runs ?? DEFAULT_JOB.runs, warmup: o.warmup ?? DEFAULT_JOB.warmup,
      minDurationMs: o.minDurationMs || undefined, executionProviders: o.executionProviders ?? DEFAULT_JOB.executionProviders,
      spinning: o.spinning ?? false, profile, profileRuns: o.profileRuns, dims: o.dims ?? {}, inputFiles: o.inputFiles ?? {},
    }, threads, {
      signal: o.signal,
      affinity: target?.affinity,
      onProgress: (p) => {
        const count = p.total ? ` ${p.done}/${p.total}` : '';
        o.progress?.(`${p.threads} thread(s): ${PHASE_TEXT[p.phase]}${count}`, (threads.indexOf(p.threads) + phaseFraction(p, profile)) / threads.length);
      },
    });
  } catch (e) {
    if (e instanceof BenchmarkError && e.kind === 'cancelled') throw new CancelledError(e.message);
    throw e;
  }
  for (const r of results) for (const w of r.warnings) o.warn?.(w);
  return { results, target, budgetBreaks: results.map((r) => (target ? checkBudgets(r, target) : [])) };
}
