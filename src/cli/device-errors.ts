import { CancelledError } from '../core/jobs/job';
import { DeviceError } from '../core/runtime/devices/errors';
import { BenchmarkError } from '../core/runtime/types';
import { CliError } from './command';

/** Benchmark and device failures as one-line CLI errors: exit 130 when cancelled, 1 otherwise. */
export async function deviceErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof CancelledError) throw new CliError('cancelled', 130);
    if (e instanceof BenchmarkError) throw new CliError(e.message, e.kind === 'cancelled' ? 130 : 1);
    if (e instanceof DeviceError) throw new CliError(e.message, 1);
    throw e;
  }
}
