import { CancelledError } from '../core/jobs/job';
import { BenchmarkError } from '../core/runtime/types';

/**
 * A benchmark cancelled anywhere (here or on a device) as the one CancelledError (exit 130, its
 * message printed); device and benchmark failures print their one line and exit 1 (src/cli/main.ts).
 */
export async function deviceErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof BenchmarkError && e.kind === 'cancelled') throw new CancelledError(e.message);
    throw e;
  }
}
