/**
 * `edgewise bench` and the editor's Benchmark Model: latency, memory and per-layer time in fresh
 * child processes, one per thread count, checked against a target's budgets. A device target
 * (ssh://, the emulated ARM64 device) runs the same harness there; emulated latency is never budgeted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../base/option-error';
import { inputFileSize } from '../base/input-file';
import { rangeProblem, THREADS, type Range } from '../base/range';
import { formatOf, openModel } from '../formats/open';
import { DEFAULT_JOB } from '../runtime/benchmark';
import { benchmarkOnTarget } from '../runtime/devices/run-target';
import { prefixed } from '../base/progress';
import { phaseCount, phaseShare, phaseText } from '../runtime/phases';
import { trace } from '../base/trace';
import { checkProviders, OPT_LEVELS } from '../runtime/session';
import { brokenBudgets, budgetChecks, findTarget, type BudgetBreak, type BudgetCheck, type Target } from '../runtime/targets';
import { BenchmarkError, type BenchmarkJob, type BenchmarkProgress, type BenchmarkResult, type OptLevel } from '../runtime/types';
import { CancelledError, type JobHooks } from './job';
import { recordedJob } from './runs/record';
import { formatNumber } from '../base/units';

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
  /** Where to run and whose budgets to check ('local-cpu', 'edge-small', a device of `customTargets`, ...). */
  target?: string;
  /** The user's own targets (devices too), found before the built-in ones. */
  customTargets?: Target[];
  /** Also run this .npy data through the model: its top-1 answers and the kernels ORT ran. */
  check?: BenchmarkJob['outputCheck'];
  /** Values of symbolic dimensions; unset ones are 1, with a warning. */
  dims?: Record<string, number>;
  /** Input name -> .npy file; inputs not listed are generated. */
  inputFiles?: Record<string, string>;
}

export interface BenchJobResult {
  /** One per thread count, in the order asked. */
  results: BenchmarkResult[];
  target?: Target;
  /** Per result, every budget of the target beside what was measured (none when emulated). */
  budgets: BudgetCheck[][];
  /** Per result, the budgets of the target it breaks (the broken ones of `budgets`). */
  budgetBreaks: BudgetBreak[][];
}

/** Share of one child's work done when a phase starts (profiling phases only when asked). */
function phaseFraction(p: BenchmarkProgress, profile: boolean): number {
  const within = phaseShare(p);
  const timedEnd = profile ? 0.7 : 1;
  switch (p.phase) {
    case 'connect': case 'upload': case 'load': return 0;
    case 'first-run': return 0.05 * timedEnd;
    case 'warmup': return (0.05 + 0.1 * within) * timedEnd;
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

/** The numeric options within BENCH_LIMITS (also for the fleet job), else an OptionError naming the flag. */
export function checkBenchNumbers(o: Pick<BenchJobOptions, 'threads' | 'runs' | 'warmup' | 'profileRuns' | 'minDurationMs'>): void {
  for (const t of o.threads ?? []) inRange(t, '--threads', BENCH_LIMITS.threads);
  inRange(o.runs, '--runs', BENCH_LIMITS.runs);
  inRange(o.warmup, '--warmup', BENCH_LIMITS.warmup);
  inRange(o.profileRuns, '--profile-runs', BENCH_LIMITS.profileRuns);
  inRange(o.minDurationMs, '--min-duration', BENCH_LIMITS.minDurationMs);
}

/** The model file to benchmark, absolute; a missing file, a folder or a format that cannot run here is a clear error. */
export function benchModelFile(file: string): string {
  const model = path.resolve(file);
  inputFileSize(model, { what: 'model' });
  const format = formatOf(model);
  if (!format.actions.includes('bench')) throw new Error(`${model}: a ${format.label} model cannot be benchmarked here: ${format.unavailableReason ?? 'its format has no runtime in Edgewise'}`);
  return model;
}

/**
 * A model ONNX Runtime could not load or run, explained by its format's reader when the file
 * itself is at fault (truncated, corrupt, another kind of file), ORT's words after; else as it was.
 */
function explainModelError(model: string, e: BenchmarkError): BenchmarkError {
  // Other formats run on Edgewise's own readers, whose errors say it already.
  if (formatOf(model).id !== 'onnx') return e;
  try {
    openModel(model).summary();
    return e;
  } catch (problem) {
    const ort = e.message.startsWith(`${model}: `) ? e.message.slice(model.length + 2) : e.message;
    return new BenchmarkError('model', `${(problem as Error).message} [${ort}]`);
  }
}

async function benchJob(file: string, o: BenchJobOptions): Promise<BenchJobResult> {
  const model = benchModelFile(file);
  let target: Target | undefined;
  try {
    target = o.target ? findTarget(o.target, o.customTargets ?? []) : undefined;
    checkProviders(o.executionProviders ?? ['cpu']);
  } catch (e) {
    throw new OptionError((e as Error).message);
  }
  const threads = o.threads?.length ? o.threads : [target?.threads ?? 1];
  checkBenchNumbers({ ...o, threads });
  if (o.optLevel !== undefined && !OPT_LEVELS.includes(o.optLevel)) throw new OptionError(`--opt-level must be one of ${OPT_LEVELS.join(', ')}, got '${o.optLevel}'`);
  for (const [name, f] of Object.entries(o.inputFiles ?? {})) if (!fs.existsSync(f)) throw new Error(`${path.resolve(f)}: no such file (--input ${name})`);
  const profile = o.profile ?? false;
  let results: BenchmarkResult[];
  let traced = '';
  try {
    results = await benchmarkOnTarget(target ?? findTarget('local-cpu'), {
      ...DEFAULT_JOB, model, optLevel: o.optLevel ?? DEFAULT_JOB.optLevel, runs: o.runs ?? DEFAULT_JOB.runs, warmup: o.warmup ?? DEFAULT_JOB.warmup,
      minDurationMs: o.minDurationMs || undefined, executionProviders: o.executionProviders ?? DEFAULT_JOB.executionProviders,
      spinning: o.spinning ?? false, profile, profileRuns: o.profileRuns, dims: o.dims ?? {}, inputFiles: o.inputFiles ?? {}, energy: {}, outputCheck: o.check,
    }, threads, {
      signal: o.signal,
      onProgress: (p) => {
        if (p.phase !== traced) trace(`progress: ${(traced = p.phase)}`);
        prefixed(o.progress, `${p.threads} thread(s): `)(phaseText(p), (threads.indexOf(p.threads) + phaseFraction(p, profile)) / threads.length, phaseCount(p));
      },
    });
  } catch (e) {
    if (e instanceof BenchmarkError && e.kind === 'cancelled') throw new CancelledError(e.message);
    if (e instanceof BenchmarkError && e.kind === 'model') throw explainModelError(model, e);
    throw e;
  }
  for (const r of results) for (const w of r.warnings) o.warn?.(w);
  // Emulated latency is never held against a budget.
  const budgets = results.map((r) => (target && !r.device?.emulated ? budgetChecks(r, target) : []));
  return { results, target, budgets, budgetBreaks: budgets.map(brokenBudgets) };
}

export const runBenchJob = recordedJob('bench', benchJob, {
  inputs: (input, o) => ({ input, 'check.data': o.check?.data, ...Object.fromEntries(Object.entries(o.inputFiles ?? {}).map(([k, v]) => [`inputFiles.${k}`, v])) }),
  // The first thread count's figures (a sweep's other counts stay in the record's options).
  metrics: ({ results: [r] }) => (r ? { sizeBytes: r.modelBytes, p50Ms: r.latency.p50Ms, p95Ms: r.latency.p95Ms, peakRssBytes: r.peakRssBytes } : {}),
  summary: ({ results }) => results.map((r) => `${r.threads} thread(s) p50 ${formatNumber(r.latency.p50Ms)} ms`).join(', '),
  budgets: ({ target, budgetBreaks }) => (target ? [{ name: `target ${target.name}`, ok: budgetBreaks.every((b) => b.length === 0), message: budgetBreaks.flat().map((b) => b.message).join('; ') || 'within the target\'s budgets' }] : undefined),
  target: (o) => o.target,
});
