/**
 * The run record of the job contract (jobs/job.ts): a job exported through `recordedJob` leaves
 * one record per run (succeeded, failed or cancelled) in the runs root (store.ts). Jobs a job runs
 * inside itself (a recipe's export pass) are part of the outer run and leave none of their own.
 * Recording never fails a job: a record that cannot be written is a warning.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CancelledError } from '../../base/cancel';
import { machineInfo } from '../../runtime/machine';
import { trace } from '../../base/trace';
import { contentHash } from './hash';
import { recordPath, runsRootFor, writeRunRecord } from './store';
import { RUN_RECORD_VERSION, type RunFile, type RunKind, type RunMachine, type RunMetrics, type RunRecord } from './types';

/** What a job tells its record besides what the wrapper sees; every part optional. */
export interface RunFacts<O, R> {
  /**
   * Files the job reads, keyed by the option that names them ('calib', 'labels'...); re-running
   * resolves those options from here. Default: just the job's first argument, as 'input'.
   */
  inputs?: (input: string, o: O) => Record<string, string | undefined>;
  /** Files the job wrote, keyed the same way (usually 'out'). */
  outputs?: (r: R) => Record<string, string | null | undefined>;
  metrics?: (r: R) => RunMetrics;
  summary?: (r: R) => string;
  budgets?: (r: R) => RunRecord['budgets'];
  /** Where it ran, when not this machine ('local'). */
  target?: (o: O) => string | undefined;
}

const inside = new AsyncLocalStorage<true>();

type Job<O, R> = (input: string, o: O) => Promise<R>;

/** `job` with a run record of each call; use it for the export of every job a user starts. */
export function recordedJob<O extends { warn?: (message: string) => void }, R>(kind: RunKind, job: Job<O, R>, facts: RunFacts<O, R> = {}): Job<O, R> {
  return async (input, o) => {
    const root = inside.getStore() ? undefined : runsRootFor(input);
    if (!root) return job(input, o);
    const startedAt = new Date();
    const t0 = performance.now();
    const inputs = files(root, { input, ...facts.inputs?.(input, o) });
    trace(`record: ${kind} inputs hashed`);
    const base = { root, kind, startedAt, t0, input, o, inputs, target: facts.target?.(o) ?? 'local' };
    let result: R;
    try {
      result = await inside.run(true, () => job(input, o));
    } catch (e) {
      save(base, { status: e instanceof CancelledError ? 'cancelled' : 'failed', error: firstLine(e) });
      throw e;
    }
    const described = safely(o, () => ({
      outputs: files(root, facts.outputs?.(result) ?? {}),
      metrics: facts.metrics?.(result) ?? {},
      summary: facts.summary?.(result),
      budgets: facts.budgets?.(result),
    }));
    save(base, { status: 'ok', ...described });
    return result;
  };
}

interface Base<O> { root: string; kind: RunKind; startedAt: Date; t0: number; input: string; o: O; inputs: RunFile[]; target: string }

function save<O extends { warn?: (message: string) => void }>(b: Base<O>, end: Partial<RunRecord> & Pick<RunRecord, 'status'>): void {
  safely(b.o, () => {
    const record: RunRecord = {
      version: RUN_RECORD_VERSION,
      id: runId(b.startedAt, b.kind),
      kind: b.kind,
      status: end.status,
      ...(end.error ? { error: end.error } : {}),
      startedAt: b.startedAt.toISOString(),
      durationMs: Math.round(performance.now() - b.t0),
      input: recordPath(b.root, b.input),
      options: plainOptions(b.o),
      inputs: b.inputs,
      outputs: end.outputs ?? [],
      metrics: end.metrics ?? {},
      machine: thisMachine(),
      target: b.target,
      ...(end.summary ? { summary: end.summary } : {}),
      ...(end.budgets ? { budgets: end.budgets } : {}),
    };
    writeRunRecord(b.root, record);
  });
}

/** Runs `work`; a failure becomes a warning that the run was not recorded. */
function safely<T>(o: { warn?: (message: string) => void }, work: () => T): T | undefined {
  try {
    return work();
  } catch (e) {
    o.warn?.(`the run was not recorded: ${firstLine(e)}`);
    return undefined;
  }
}

/** `20261204T031500123Z-quantize-1a2b`: sorts by start time; the suffix tells runs started the same millisecond apart. */
export function runId(at: Date, kind: RunKind): string {
  return `${at.toISOString().replace(/[-:.]/g, '')}-${kind}-${randomBytes(2).toString('hex')}`;
}

function files(root: string, byRole: Record<string, string | null | undefined>): RunFile[] {
  const out: RunFile[] = [];
  for (const [role, file] of Object.entries(byRole)) {
    if (!file) continue;
    const h = contentHash(path.resolve(file));
    if (h) out.push({ role, path: recordPath(root, file), ...h });
  }
  return out;
}

/** The options as JSON: callbacks, the signal and other non-data left out. */
function plainOptions(o: unknown): Record<string, unknown> {
  const text = JSON.stringify(o ?? {}, (key, v) => (typeof v === 'function' || (typeof AbortSignal !== 'undefined' && v instanceof AbortSignal) ? undefined : v));
  return JSON.parse(text) as Record<string, unknown>;
}

function thisMachine(): RunMachine {
  const m = machineInfo();
  return { host: os.hostname(), cpuModel: m.cpuModel, cores: m.cores, totalMemBytes: m.totalMemBytes, platform: m.platform, arch: m.arch, nodeVersion: m.nodeVersion };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
