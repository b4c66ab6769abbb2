import { throwIfCancelled } from '../../base/cancel';
import type { ProgressCount } from '../../base/progress';

/** Bad pruning input: the message is one line naming the problem (a cancelled run ends with CancelledError). */
export class PruneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PruneError';
  }
}

/** Progress callback: what is happening now, and the share done in [0, 1]. */
export type PruneProgress = (message: string, fraction: number, count?: ProgressCount) => void;

export function checkSparsity(s: number): void {
  if (!Number.isFinite(s) || s <= 0 || s >= 1) throw new PruneError(`sparsity must be a number strictly between 0 and 1, got ${s}`);
}

/**
 * A pass written as a generator yields between units of work (a layer, a group). Run it straight
 * through with `runSteps`, or with `runStepsAsync`, which gives the event loop a turn every ~50 ms
 * so a cancellation (or any other message) can arrive, and stops when the signal is aborted.
 */
export type Steps<T> = Generator<void, T, void>;

export function runSteps<T>(steps: Steps<T>, signal?: AbortSignal): T {
  for (;;) {
    throwIfCancelled(signal);
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function runStepsAsync<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  let last = performance.now();
  for (;;) {
    throwIfCancelled(signal);
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - last > 50) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}
