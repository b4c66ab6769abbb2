/** A benchmark on a target: on this machine in a fresh child per thread count, or on its device. */
import { runSweep, type RunHooks } from '../benchmark';
import type { Target } from '../targets';
import type { BenchmarkJob, BenchmarkResult } from '../types';
import { openDevice } from './open';
import { runOnDevice } from './remote-bench';

export async function benchmarkOnTarget(target: Target, job: BenchmarkJob, threads: readonly number[], hooks: Omit<RunHooks, 'affinity'> = {}): Promise<BenchmarkResult[]> {
  const device = openDevice(target);
  if (!device) return runSweep(job, threads, { ...hooks, affinity: target.affinity });
  try {
    const results: BenchmarkResult[] = [];
    for (const t of threads) results.push(await runOnDevice(device, { ...job, threads: t }, hooks));
    return results;
  } finally {
    device.close();
  }
}
