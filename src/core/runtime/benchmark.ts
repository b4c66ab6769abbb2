/**
 * Runs benchmarks in fresh child processes, one at a time: two sessions at once slow each other
 * 3-4x, and a fresh process makes peak RSS the model's own. Cancelling kills the child.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchmarkError, type BenchmarkJob, type BenchmarkProgress, type BenchmarkResult, type ChildMessage } from './types';
import { trace } from '../base/trace';

export interface RunHooks {
  signal?: AbortSignal;
  onProgress?(p: BenchmarkProgress): void;
  /** The child's entry script; default dist/bench-child.js next to this bundle (or the .ts source under tsx). */
  childScript?: string;
  /** Pin the child to these CPUs (Linux `taskset`); ignored where pinning is unavailable. */
  affinity?: number[];
}

export const DEFAULT_JOB: Omit<BenchmarkJob, 'model'> = {
  threads: 1, warmup: 10, runs: 100, optLevel: 'all', executionProviders: ['cpu'], spinning: false,
  dims: {}, inputFiles: {}, profile: false,
};

let queueTail: Promise<unknown> = Promise.resolve();

/** Runs `task` after every benchmark queued before it has finished (in this process). */
function enqueue<T>(task: () => Promise<T>): Promise<T> {
  const run = queueTail.then(task, task);
  queueTail = run.catch(() => undefined);
  return run;
}

export function defaultChildScript(): string {
  const file = childScript('bench-child', __dirname);
  if (!file) throw new BenchmarkError('internal', `cannot find the benchmark child script next to ${__dirname} (run npm run build)`);
  return file;
}

/** A child entry script `<name>.js` beside the bundle (or `<name>.ts` beside the sources under tsx). */
export function childScript(name: string, dir: string): string | undefined {
  for (const file of [`${name}.js`, `${name}.ts`].map((f) => path.join(dir, f))) if (fs.existsSync(file)) return file;
  return undefined;
}

const TASKSET = '/usr/bin/taskset';

/** Whether `RunHooks.affinity` takes effect on this machine. */
export function canPin(): boolean {
  return process.platform === 'linux' && fs.existsSync(TASKSET);
}

/** Forks a child script with IPC (stderr piped); `.ts` scripts (tests) get tsx's loader. */
export function startChild(script: string, affinity?: number[]): ChildProcess {
  // Under tsx (tests, bench scripts) the child is the .ts source and needs tsx's loader too.
  const execArgv = script.endsWith('.ts') ? ['--require', createRequire(__filename).resolve('tsx/cjs')] : [];
  const stdio: ('ignore' | 'pipe' | 'ipc')[] = ['ignore', 'ignore', 'pipe', 'ipc'];
  if (affinity?.length && canPin()) {
    return spawn(TASKSET, ['-c', affinity.join(','), process.execPath, ...execArgv, script], { stdio });
  }
  return fork(script, [], { execArgv, stdio });
}

/** One benchmark in one fresh child; queued behind any other benchmark of this process. */
export function runBenchmark(job: BenchmarkJob, hooks: RunHooks = {}): Promise<BenchmarkResult> {
  return enqueue(() => runChild(job, hooks));
}

/** A thread sweep: one child per thread count, in order. */
export async function runSweep(job: BenchmarkJob, threads: readonly number[], hooks: RunHooks = {}): Promise<BenchmarkResult[]> {
  const results: BenchmarkResult[] = [];
  for (const t of threads) results.push(await runBenchmark({ ...job, threads: t }, hooks));
  return results;
}

function runChild(job: BenchmarkJob, hooks: RunHooks): Promise<BenchmarkResult> {
  if (hooks.signal?.aborted) return Promise.reject(new BenchmarkError('cancelled', 'benchmark cancelled'));
  const script = hooks.childScript ?? defaultChildScript();
  return new Promise((resolve, reject) => {
    const child = startChild(script, hooks.affinity);
    trace('local: child started');
    let outcome: { result?: BenchmarkResult; error?: BenchmarkError } | undefined;
    let phase = 'starting';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });

    const onAbort = () => {
      outcome ??= { error: new BenchmarkError('cancelled', 'benchmark cancelled') };
      child.kill('SIGKILL');
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') {
        phase = m.progress.phase;
        hooks.onProgress?.(m.progress);
      } else if (m.type === 'result') {
        outcome ??= { result: m.result };
      } else if (m.type === 'error') {
        outcome ??= { error: new BenchmarkError(m.kind, m.message) };
      }
    });
    child.on('error', (e) => {
      outcome ??= { error: new BenchmarkError('internal', `cannot start the benchmark process: ${e.message}`) };
    });
    // 'close' comes after the process exited and its stderr is drained.
    child.on('close', (code, signal) => {
      hooks.signal?.removeEventListener('abort', onAbort);
      if (outcome?.result) return resolve(outcome.result);
      if (outcome?.error) return reject(outcome.error);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop();
      reject(new BenchmarkError('crash', `${job.model}: the benchmark process ${how} during ${phase}${last ? `: ${last}` : ''}`));
    });
    child.send({ type: 'run', job });
  });
}
