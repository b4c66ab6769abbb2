import * as fs from 'node:fs';
import { TfliteFormatError } from '../formats/tflite/errors';
import { TFLITE_RUNTIME } from '../formats/tflite/runtime-support';
import { describeInputs, planInputs, type InputPlan } from './inputs';
import { machineInfo } from './machine';
import { latencyStats } from './stats';
import { TfliteRuntimeUnsupported, type TfliteData } from './tflite';
import { measureTflite } from './tflite-measure';
import { timedWithEnergy } from './energy-phase';
import { BenchmarkError, type BenchmarkJob, type BenchmarkProgress, type BenchmarkResult, type EnergyReport } from './types';

/**
 * A benchmark job on a .tflite file, with the same result as for ONNX, measured on TFLite's
 * WebAssembly interpreter (one thread, XNNPACK). Thread counts above 1, execution providers,
 * optimization levels and the per-layer profile do not apply; the warnings say so.
 */
export async function measureTfliteJob(job: BenchmarkJob, progress: (p: Omit<BenchmarkProgress, 'threads' | 'pid'>) => void): Promise<BenchmarkResult> {
  const rssBaselineBytes = process.memoryUsage().rss;
  let rssAfterLoadBytes = 0;
  let plan: InputPlan | undefined;
  progress({ phase: 'load' });
  const minMs = job.minDurationMs ?? 0;
  // With a time to fill, the number of runs is not known in advance (as in bench-child.ts).
  const planned = (elapsedMs: number) => (minMs > 0 ? { atLeast: job.runs, minMs, elapsedMs } : { total: job.runs });
  let lastReport = 0;
  let m: Awaited<ReturnType<typeof measureTflite>>;
  let energy: EnergyReport | undefined;
  try {
    m = await measureTflite(job.model, {
      warmup: job.warmup, runs: job.runs, minDurationMs: job.minDurationMs,
      timedLoop: async (loop) => {
        const timed = await timedWithEnergy(job.energy, loop);
        energy = timed.energy;
        return timed.samples;
      },
      feeds: (inputs) => {
        rssAfterLoadBytes = process.memoryUsage().rss;
        plan = planInputs(inputs, job.dims, job.inputFiles);
        return plan.inputs.map((i) => i.data as TfliteData);
      },
      onPhase: (phase) => progress({ phase, ...(phase === 'runs' ? { done: 0, ...planned(0) } : {}) }),
      onRun: (done, elapsedMs) => {
        if (elapsedMs - lastReport < 200) return;
        lastReport = elapsedMs;
        progress({ phase: 'runs', done, ...planned(elapsedMs) });
      },
    });
  } catch (e) {
    if (e instanceof TfliteRuntimeUnsupported || e instanceof TfliteFormatError) throw new BenchmarkError('model', e.message);
    if (e instanceof BenchmarkError) throw e;
    throw new BenchmarkError('model', `${job.model}: the TFLite interpreter failed to run it: ${(e as Error).message.split('\n')[0]}`);
  }
  const warnings = [...m.warnings, ...plan!.warnings];
  if (job.threads !== 1) warnings.push(`${TFLITE_RUNTIME} runs on one thread: measured with 1, not ${job.threads}`);
  if (job.profile) warnings.push('no per-layer profile for .tflite models');
  if (job.outputCheck) warnings.push('no output check for .tflite models (ONNX models only)');
  return {
    model: job.model, modelBytes: fs.statSync(job.model).size, threads: 1, optLevel: job.optLevel,
    executionProviders: ['tflite-wasm'], spinning: false, ortVersion: TFLITE_RUNTIME, machine: machineInfo(),
    inputs: describeInputs(plan!.inputs), warnings, warmup: job.warmup, initMs: m.initMs, firstRunMs: m.firstRunMs,
    latency: latencyStats(m.samplesMs), peakRssBytes: process.resourceUsage().maxRSS * 1024, rssAfterLoadBytes, rssBaselineBytes, energy,
  };
}
