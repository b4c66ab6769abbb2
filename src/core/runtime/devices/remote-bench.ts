/**
 * A benchmark on a device: the same job and the same child script as a local benchmark, run
 * there with the device's Node and onnxruntime; the result has the same shape, measured there
 * (its `machine` is the device's), plus where it ran. On a device set up before, with the model
 * cached, it takes one command: the harness starts if everything is in place, else Edgewise
 * checks the installation, uploads what is missing and starts it again.
 */
import { BenchmarkError, type BenchmarkJob, type BenchmarkProgress, type BenchmarkResult } from '../types';
import { harnessBundle } from './bundles';
import type { Device } from './device';
import { ensureHarness, readInstalled, rememberedInstalled, rememberInstalled, type Installed } from './harness';
import { runHarness } from './harness-run';
import { planStage, stage } from './stage';
import { trace } from '../../base/trace';

export interface DeviceRunHooks {
  signal?: AbortSignal;
  onProgress?(p: BenchmarkProgress): void;
}

export async function runOnDevice(device: Device, job: BenchmarkJob, hooks: DeviceRunHooks = {}): Promise<BenchmarkResult> {
  const progress = (p: Omit<BenchmarkProgress, 'threads' | 'pid'>) => hooks.onProgress?.({ ...p, threads: job.threads, pid: 0 });
  progress({ phase: 'connect' });
  // Connecting and hashing the files overlap: both stand between the command and the first run.
  const shares = device.description.sharesFiles;
  const inputNames = Object.keys(job.inputFiles);
  const [, plans] = await Promise.all([device.shell().then((s) => (trace('device: connected'), s)), Promise.all([job.model, ...inputNames.map((n) => job.inputFiles[n]), ...(job.outputCheck ? [job.outputCheck.data] : [])].map((f) => planStage(f, shares))).then((p) => (trace('device: files hashed'), p))]);
  const check = job.outputCheck ? plans[plans.length - 1] : undefined;
  const remoteJob: BenchmarkJob = {
    ...job, model: plans[0].remote, inputFiles: Object.fromEntries(inputNames.map((n, i) => [n, plans[i + 1].remote])), scratchDir: undefined,
    outputCheck: job.outputCheck && { ...job.outputCheck, data: check!.remote },
  };
  const requires = plans.flatMap((p) => p.remotes);

  const remembered = rememberedInstalled(device);
  if (remembered) {
    const script = `harness/${(await harnessBundle()).id}/bench-child.js`;
    const result = await runJob(device, remembered, script, remoteJob, job, hooks, requires);
    if (result) return result;
  }
  const installed = await readInstalled(device).catch((e) => {
    rememberInstalled(device, undefined);
    throw e;
  });
  const upload = { signal: hooks.signal, onProgress: (done: number, total: number) => progress({ phase: 'upload', done, total }) };
  const { script } = await ensureHarness(device, upload);
  for (const plan of plans) await stage(device, plan, upload);
  const result = await runJob(device, installed, script, remoteJob, job, hooks);
  if (!result) throw new BenchmarkError('internal', `${device.label}: the harness did not start`);
  return result;
}

/** The job on the device; undefined when a file it needs is missing there (with `requires`). */
async function runJob(device: Device, installed: Installed, script: string, remoteJob: BenchmarkJob, job: BenchmarkJob, hooks: DeviceRunHooks, requires?: string[]): Promise<BenchmarkResult | undefined> {
  let phase = 'starting';
  let result: BenchmarkResult | undefined;
  let failure: BenchmarkError | undefined;
  const outcome = await runHarness(device, installed, script, { type: 'run', job: remoteJob }, {
    signal: hooks.signal,
    requires,
    phase: () => phase,
    onMessage: (m) => {
      if (m.type === 'progress') {
        phase = m.progress.phase;
        hooks.onProgress?.(m.progress);
      } else if (m.type === 'result') {
        result = m.result;
      } else if (m.type === 'error') {
        failure = new BenchmarkError(m.kind, `${device.label}: ${localNames(m.message, remoteJob, job)}`);
      }
    },
  });
  if (outcome === 'missing') return undefined;
  if (failure) throw failure;
  if (!result) throw new BenchmarkError('internal', `${device.label}: the harness ended without a result`);
  return {
    ...result,
    model: job.model,
    inputs: result.inputs.map((i) => (i.source === 'generated' ? i : { ...i, source: job.inputFiles[i.name] ?? i.source })),
    outputCheck: result.outputCheck && { ...result.outputCheck, data: job.outputCheck!.data },
    device: { target: device.name, address: device.description.address, emulated: device.emulated },
  };
}

/** Device paths in a message replaced by the user's own file names. */
function localNames(message: string, remoteJob: BenchmarkJob, job: BenchmarkJob): string {
  let out = message.split(remoteJob.model).join(job.model);
  for (const [name, remote] of Object.entries(remoteJob.inputFiles)) out = out.split(remote).join(job.inputFiles[name]);
  return out;
}
