/**
 * Jobs on devices (see job.ts): the fleet benchmark (a model on each target in turn), setting a
 * device up, and asking a set-up device what it is. Used by `edgewise bench --targets`,
 * `edgewise device setup|info` and the worker's device requests.
 */
import { DEFAULT_JOB } from '../runtime/benchmark';
import { DeviceError } from '../runtime/devices/errors';
import { runFleet, type FleetReport } from '../runtime/devices/fleet';
import { openDevice } from '../runtime/devices/open';
import { deviceFacts, setupDevice, type SetupReport } from '../runtime/devices/setup';
import { prefixed } from '../base/progress';
import { phaseCount, phaseShare, phaseText } from '../runtime/phases';
import type { Target } from '../runtime/targets';
import { BenchmarkError, type BenchmarkJob, type DeviceFacts } from '../runtime/types';
import { benchModelFile, checkBenchNumbers, type BenchJobOptions } from './bench';
import { CancelledError, throwIfCancelled, type JobHooks } from './job';

/** The bench job's run settings, the same on every target (threads: default each target's own, else 1). */
export interface FleetJobOptions extends JobHooks,
  Pick<BenchJobOptions, 'threads' | 'runs' | 'warmup' | 'minDurationMs' | 'profile' | 'profileRuns' | 'dims' | 'inputFiles'> {
  /** The targets, measured in this order; the first with answers is the reference for `check`. */
  targets: Target[];
  /** Also run this .npy data through the model on each target: top-1 agreement and kernels. */
  check?: BenchmarkJob['outputCheck'];
}

/** A cancelled benchmark as the one CancelledError. */
async function cancellable<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  throwIfCancelled(signal);
  try {
    return await work();
  } catch (e) {
    if (e instanceof BenchmarkError && e.kind === 'cancelled') throw new CancelledError();
    throw e;
  }
}

export async function runFleetJob(file: string, o: FleetJobOptions): Promise<FleetReport> {
  if (!o.targets.length) throw new Error('no targets to benchmark on');
  checkBenchNumbers(o);
  const job: BenchmarkJob = {
    ...DEFAULT_JOB, model: benchModelFile(file), runs: o.runs ?? DEFAULT_JOB.runs, warmup: o.warmup ?? DEFAULT_JOB.warmup, minDurationMs: o.minDurationMs,
    profile: o.profile ?? false, profileRuns: o.profileRuns, dims: o.dims ?? {}, inputFiles: o.inputFiles ?? {}, energy: {}, outputCheck: o.check,
  };
  return cancellable(o.signal, () => runFleet(o.targets, job, (t) => o.threads ?? [t.threads ?? 1], {
    signal: o.signal,
    onProgress: (name, i, p) => {
      const within = p.phase === 'runs' ? phaseShare(p) : 0;
      prefixed(o.progress, `${name}: `)(phaseText(p), (i + within) / o.targets.length, phaseCount(p));
    },
  }));
}

function deviceOf(target: Target) {
  const device = openDevice(target);
  if (!device) throw new DeviceError('config', `${target.name} is this machine: devices are ssh:// targets and qemu-arm64`);
  return device;
}

/** Installs Node, onnxruntime and the harness on the target's device. */
export async function runDeviceSetupJob(target: Target, o: JobHooks = {}): Promise<SetupReport> {
  const device = deviceOf(target);
  try {
    return await cancellable(o.signal, () => setupDevice(device, { signal: o.signal, onProgress: o.progress }));
  } finally {
    device.close();
  }
}

/** The device's CPU, cores, memory, OS, Node and onnxruntime, from its harness. */
export async function runDeviceInfoJob(target: Target, o: JobHooks = {}): Promise<{ device: string; emulated: boolean; facts: DeviceFacts }> {
  const device = deviceOf(target);
  try {
    const facts = await cancellable(o.signal, () => deviceFacts(device, o.signal));
    return { device: device.label, emulated: device.emulated, facts };
  } finally {
    device.close();
  }
}
