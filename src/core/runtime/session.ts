import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { OptLevel } from './types';

export const OPT_LEVELS: readonly OptLevel[] = ['disabled', 'basic', 'extended', 'all'];

/**
 * How an ORT session runs: every session Edgewise opens (benchmark children, calibration,
 * evaluation, analysis, training) is built from one of these by `sessionOptions`.
 */
export interface SessionSettings {
  /** Intra-op threads; default ORT's choice (one per core). */
  threads?: number;
  /** Default 1 (the graph runs sequentially). */
  interOpThreads?: number;
  /** Graph optimization level; default 'all'. */
  optLevel?: OptLevel;
  /** Provider names in order; 'cpu' is always added last as the fallback. Default ['cpu']. */
  executionProviders?: string[];
  /** Let idle threads spin; default false. */
  spinning?: boolean;
  profileFilePrefix?: string;
  optimizedModelFilePath?: string;
}

/**
 * The one builder of ORT session options. Spinning is off unless asked for: idle worker threads
 * that spin take a core from whoever else is busy (the extension host), which halves throughput.
 * ORT's own log lines are silenced up to errors (level 4): an error also reaches the caller as
 * an exception (worded for users by base/error-text.ts), so ORT's red copy on stderr would only
 * repeat it with colour codes.
 */
export function sessionOptions(s: SessionSettings = {}): InferenceSession.SessionOptions {
  removeTelemetryLogAtExit();
  const spin = s.spinning ? '1' : '0';
  const options: InferenceSession.SessionOptions = {
    interOpNumThreads: s.interOpThreads ?? 1,
    graphOptimizationLevel: s.optLevel ?? 'all',
    executionProviders: providerList(s.executionProviders ?? ['cpu']),
    executionMode: 'sequential',
    logSeverityLevel: 4,
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
  if (s.threads) options.intraOpNumThreads = s.threads;
  if (s.profileFilePrefix) {
    options.enableProfiling = true;
    options.profileFilePrefix = s.profileFilePrefix;
  }
  if (s.optimizedModelFilePath) options.optimizedModelFilePath = s.optimizedModelFilePath;
  return options;
}

let telemetryCleanup = false;

/**
 * ORT's bundled telemetry leaves an empty `mat-debug-<pid>.log` in the temp folder of every
 * process that makes a session (issue 22); removed at exit when it is empty.
 */
function removeTelemetryLogAtExit(): void {
  if (telemetryCleanup) return;
  telemetryCleanup = true;
  const log = path.join(os.tmpdir(), `mat-debug-${process.pid}.log`);
  process.once('exit', () => {
    try {
      if (fs.statSync(log).size === 0) fs.unlinkSync(log);
    } catch {
      // none was written
    }
  });
}

/** The user's providers in order, with 'cpu' last as the fallback for nodes others do not take. */
export function providerList(names: readonly string[]): string[] {
  const list = names.map((n) => n.trim().toLowerCase()).filter(Boolean);
  return list.includes('cpu') ? list : [...list, 'cpu'];
}

/** Execution providers this onnxruntime-node build ships ('cpu', 'webgpu'...); the machine may still lack a device. */
export function bundledProviders(): string[] {
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  return ort.listSupportedBackends().filter((b) => b.bundled).map((b) => b.name);
}

/** Rejects provider names this build of ORT does not know before a child is started. */
export function checkProviders(names: readonly string[]): void {
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const known = ort.listSupportedBackends();
  for (const n of providerList(names)) {
    const b = known.find((k) => k.name === n);
    if (!b) throw new Error(`unknown execution provider '${n}' (this onnxruntime-node knows: ${known.map((k) => k.name).join(', ')})`);
    if (!b.bundled) throw new Error(`execution provider '${n}' is not installed with this onnxruntime-node (installed: ${known.filter((k) => k.bundled).map((k) => k.name).join(', ')})`);
  }
}
