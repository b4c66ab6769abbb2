/**
 * `quantize --max-accuracy-drop`: static INT8 with the most harmful layers returned to float until
 * the top-1 drop on the tuning data is within budget; optionally checked on held-out data.
 */
import { externalDataFile, loadModel, saveModel } from '../formats/onnx/io';
import type { Model } from '../formats/onnx/model';
import { loadDataset, type Dataset, type Preprocess } from '../runtime/data';
import { StaticLayerQuantizer } from '../analysis/static-quantizer';
import { evalSetOf, Scorer, type EvalSet, type MetricKind } from '../analysis/scorer';
import { sensitivity } from '../analysis/sensitivity';
import { mixedPrecision, type AccuracyBudget, type LayerDecision, type LayerPrecision, type MixedPrecisionResult } from '../analysis/mixed-precision';
import { latencyProbe } from '../analysis/latency-probe';
import { DEFAULT_JOB, runBenchmark } from '../runtime/benchmark';
import { CancelledError, OUTPUT_TAGS, removeOnFailure, resolveOutput, throwIfCancelled, type JobHooks, type OutputOptions } from './job';
import { recordedJob } from './runs/record';
import type { NearChance } from '../analysis/chance';
import { counter } from '../base/progress';
import { throttled } from '../runtime/throttle';
import { compareTimes, timed, type LatencyVerdict } from '../analysis/noise';

/** Mixed-precision options (the job contract: jobs/job.ts); the default output is `<model>.static.onnx`. */
export interface MixedPrecisionJobOptions extends OutputOptions, JobHooks {
  /** Largest top-1 drop from the float model on the tuning data, in points. */
  maxDrop: number;
  /** Tuning data and labels: the search measures the drop here. */
  evalData: string;
  labels: string;
  /** Calibration data (default: the tuning data). */
  calib?: string;
  /** Held-out data and labels the result is checked on (not searched on). */
  holdout?: { data: string; labels: string };
  perChannel?: boolean;
  activationType?: 'uint8' | 'int8';
  /** Profile per layer, keep the layers whose INT8 is slower in float, and keep the fastest candidate within budget. */
  latencyAware?: boolean;
  /** Skip timing the float model and the result. */
  skipLatency?: boolean;
  preprocess?: Preprocess;
}

export interface MixedPrecisionJobResult {
  input: string;
  output: string;
  maxDrop: number;
  floatTop1: number;
  top1: number;
  /** Never true when the float model is at chance on the tuning data (`nearChance`). */
  withinBudget: boolean;
  /** The float model is at chance on the tuning data (analysis/chance.ts): the drop means nothing. */
  nearChance?: NearChance;
  heldOut?: { floatTop1: number; top1: number; drop: number; nearChance?: NearChance };
  decisions: LayerDecision[];
  evaluations: number;
  /** Latency-aware runs: the timed candidates (p50, ms) and the one kept. */
  candidates?: { name: string; latencyMs: number; spreadMs: number; withinBudget: boolean }[];
  chosen?: string;
  /** p50 of the float model and of the result, each in a fresh benchmark process (1 thread). */
  /** p50 of the float model and the result, and the result against the float model by the one noise rule (analysis/noise.ts). */
  latency?: { floatP50Ms: number; resultP50Ms: number; speedup: number; verdict: LatencyVerdict; noiseMs: number };
  fileBytesBefore: number;
  fileBytesAfter: number;
}

/** What the search takes: the job's and a recipe's `mixed-precision` step's settings. */
export interface MixedPrecisionSettings extends Pick<JobHooks, 'signal'> {
  /** The tuning metric's budget: top-1 points (`maxDrop`, needs labels) and/or output cosine. */
  budget: AccuracyBudget;
  metric: MetricKind;
  perChannel?: boolean;
  activationType?: 'uint8' | 'int8';
  latencyAware?: boolean;
  /** A layer's precision fixed by the caller (a recipe's overrides, include/exclude); the search decides the rest. */
  fixed?: (layer: string) => LayerPrecision | undefined;
  progress?: (message: string) => void;
}

/**
 * The mixed-precision search on a loaded model, done once for the CLI, the worker and recipes:
 * static INT8 calibrated on `calib`, each layer's harm measured on `tune`, then the most harmful
 * layers returned to float until `budget` holds; latency-aware runs also keep in float the layers
 * whose INT8 is slower here and keep the fastest candidate within budget.
 */
export async function searchMixedPrecision(model: Model, calib: Dataset, tune: EvalSet, o: MixedPrecisionSettings): Promise<MixedPrecisionResult> {
  const { signal } = o;
  const progress = o.progress ?? (() => {});
  progress(`calibrating on ${calib.description}`);
  const quantizer = await StaticLayerQuantizer.create(model, calib, { perChannel: o.perChannel ?? false, activationType: o.activationType });
  throwIfCancelled(signal);
  const forceFloat = quantizer.layers.filter((l) => o.fixed?.(l) === 'float');
  const forceInt8 = quantizer.layers.filter((l) => o.fixed?.(l) === 'int8');
  const scorer = new Scorer(model, tune, o.metric);
  const float = await scorer.score(model);
  const sens = await sensitivity(quantizer, scorer, float, {
    layers: quantizer.layers.filter((l) => o.fixed?.(l) === undefined), signal,
    onProgress: throttled(counter(progress, 'sensitivity', 'layers'), 250),
  });
  const probe = o.latencyAware ? await latencyProbe(model, quantizer, { signal, progress }) : undefined;
  try {
    // Each step of the search reports progress: the place to stop when cancelled.
    const onProgress = (m: string) => { throwIfCancelled(signal); progress(m); };
    return await mixedPrecision(quantizer, scorer, float, sens.layers, {
      budget: o.budget, forceFloat, forceInt8, latency: probe?.latency, latencyOf: probe?.latencyOf, onProgress,
    });
  } finally {
    probe?.dispose();
  }
}

async function mixedPrecisionJob(inputFile: string, o: MixedPrecisionJobOptions): Promise<MixedPrecisionJobResult> {
  const progress = o.progress ?? (() => {});
  if (!(o.maxDrop >= 0)) throw new Error(`the accuracy budget must be a number of points >= 0, got ${o.maxDrop}`);
  const model = loadModel(inputFile);
  const output = resolveOutput(inputFile, {
    tag: OUTPUT_TAGS.mixedPrecision, out: o.out, force: o.force, companions: (f) => [externalDataFile(f)],
    reads: [...model.externalFiles(), o.evalData, o.labels, o.calib, o.holdout?.data, o.holdout?.labels],
  });
  const tuneDs = await loadDataset(model, o.evalData, o.preprocess, o.labels);
  const calibDs = o.calib ? await loadDataset(model, o.calib, o.preprocess) : tuneDs;
  const held = o.holdout ? evalSetOf(await loadDataset(model, o.holdout.data, o.preprocess, o.holdout.labels)) : undefined;

  try {
    return await search();
  } catch (e) {
    // A benchmark child ends with BenchmarkError 'cancelled': one error for every cancelled step.
    if (o.signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
  }

  async function search(): Promise<MixedPrecisionJobResult> {
    const { signal } = o;
    const mp = await searchMixedPrecision(model, calibDs, evalSetOf(tuneDs), {
      budget: { maxDrop: o.maxDrop }, metric: 'top1', perChannel: o.perChannel, activationType: o.activationType,
      latencyAware: o.latencyAware, signal, progress,
    });
    const float = mp.float;

    let heldOut: MixedPrecisionJobResult['heldOut'];
    if (held) {
      throwIfCancelled(signal);
      progress('checking the result on the held-out data');
      const hs = new Scorer(model, held, 'top1');
      const f = await hs.score(model), q = (await hs.score(mp.quantized.model)).value;
      heldOut = { floatTop1: f.value, top1: q, drop: f.value - q, ...(f.nearChance ? { nearChance: f.nearChance } : {}) };
    }
    throwIfCancelled(signal);
    progress(`writing ${output}`);
    const saved = saveModel(mp.quantized.model, output, { overwrite: o.force });
    return removeOnFailure([output, saved.externalFile], async () => {
      let latency: MixedPrecisionJobResult['latency'];
      if (!o.skipLatency) {
        progress('timing the float model and the result');
        const runs = async (file: string) => timed((await runBenchmark({ ...DEFAULT_JOB, model: file, runs: 40, warmup: 5 }, { signal })).latency.samplesMs);
        const floatRuns = await runs(inputFile), resultRuns = await runs(output);
        const { verdict, noise } = compareTimes(resultRuns, floatRuns);
        latency = { floatP50Ms: floatRuns.median, resultP50Ms: resultRuns.median, speedup: floatRuns.median / resultRuns.median, verdict, noiseMs: noise };
      }
      return {
        input: model.label, output, maxDrop: o.maxDrop, floatTop1: float.value, top1: mp.score.value, withinBudget: mp.withinBudget, nearChance: float.nearChance,
        heldOut, decisions: mp.decisions, evaluations: mp.evaluations, candidates: mp.candidates, chosen: mp.chosen, latency,
        fileBytesBefore: model.storedBytes(), fileBytesAfter: saved.bytes + (saved.externalBytes ?? 0),
      };
    });
  }
}

export const runMixedPrecisionJob = recordedJob('mixed-precision', mixedPrecisionJob, {
  inputs: (input, o) => ({ input, evalData: o.evalData, labels: o.labels, calib: o.calib, 'holdout.data': o.holdout?.data, 'holdout.labels': o.holdout?.labels }),
  outputs: (r) => ({ out: r.output }),
  metrics: (r) => ({
    sizeBytes: r.fileBytesAfter, p50Ms: r.latency?.resultP50Ms,
    accuracy: r.heldOut?.top1 ?? r.top1, accuracyBefore: r.heldOut?.floatTop1 ?? r.floatTop1,
  }),
  summary: (r) => `INT8 with ${r.decisions.filter((d) => d.precision !== 'int8').length} layers in float, top-1 drop ${(r.floatTop1 - r.top1).toFixed(2)} (budget ${r.maxDrop})`,
});
