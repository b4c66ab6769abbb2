import { childScript, startChild } from '../runtime/benchmark';
import { CancelledError, type ProgressCount } from './job';
import { TrainError, type TrainHooks, type TrainJobOptions, type TrainJobResult } from './train';
import type { EpochReport, StepEvent } from '../runtime/train-loop';

/** The job options that cross a process boundary (no callbacks, no signal). */
export type TrainRequestOptions = Omit<TrainJobOptions, keyof TrainHooks>;

export type TrainParentMessage = { type: 'start'; file: string; options: TrainRequestOptions } | { type: 'cancel' };

export type TrainChildMessage =
  | { type: 'progress'; message: string; fraction?: number; count?: ProgressCount }
  | { type: 'step'; step: StepEvent }
  | { type: 'epoch'; epoch: EpochReport }
  | { type: 'done'; result: TrainJobResult }
  | { type: 'error'; kind: 'input' | 'cancelled' | 'internal'; message: string };

export interface ChildHooks extends TrainHooks {
  /** How long a cancelled child may take to stop at its next step before it is killed (default 15 s). */
  cancelGraceMs?: number;
}

/**
 * Runs a training job in a fresh child process (the worker keeps serving while it trains, and a
 * crash in native code ends the child, not the worker). Cancelling asks the child to stop at its
 * next step, which keeps the last checkpoint; a child that does not stop in time is killed.
 */
export function runTrainInChild(file: string, options: TrainRequestOptions, hooks: ChildHooks = {}): Promise<TrainJobResult> {
  const script = childScript('train-child', __dirname);
  if (!script) return Promise.reject(new Error(`cannot find the training child script next to ${__dirname} (run npm run build)`));
  if (hooks.signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const child = startChild(script);
    let stderr = '';
    let outcome: { result?: TrainJobResult; error?: Error } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
    const onAbort = () => {
      if (child.connected) child.send({ type: 'cancel' } satisfies TrainParentMessage);
      killTimer = setTimeout(() => { outcome ??= { error: new CancelledError() }; child.kill('SIGKILL'); }, hooks.cancelGraceMs ?? 15_000);
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: TrainChildMessage) => {
      if (m.type === 'progress') hooks.progress?.(m.message, m.fraction, m.count);
      else if (m.type === 'step') hooks.onStep?.(m.step);
      else if (m.type === 'epoch') hooks.onEpoch?.(m.epoch);
      else if (m.type === 'done') outcome = { result: m.result };
      else outcome = { error: m.kind === 'cancelled' ? new CancelledError() : m.kind === 'input' ? new TrainError(m.message) : new Error(m.message) };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      hooks.signal?.removeEventListener('abort', onAbort);
      if (outcome?.result) resolve(outcome.result);
      else reject(outcome?.error ?? new Error(`the training process ended without a result (${signal ?? `exit code ${code}`})${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    });
    child.send({ type: 'start', file, options } satisfies TrainParentMessage);
  });
}
