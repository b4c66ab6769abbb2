import { diagnose, type Finding } from '../analysis/diagnostics';
import { fp16Clamps } from '../analysis/fp16-clamps';
import { externalDataFile, loadModel, saveModel } from '../formats/onnx/io';
import type { Model } from '../formats/onnx/model';
import { compareModels, type Accuracy, type OutputComparison } from '../analysis/accuracy';
import { EntropyCalibrator } from '../passes/calibrate/entropy';
import { MinMaxCalibrator } from '../passes/calibrate/minmax';
import { PercentileCalibrator } from '../passes/calibrate/percentile';
import type { Calibrator } from '../passes/calibrate/calibrator';
import type { NodeSelection } from '../passes/common';
import { convertFp16, type Fp16Report } from '../passes/fp16';
import { quantizeDynamic, type DynamicReport } from '../passes/quantize/dynamic';
import { quantizeStatic, staticCalibrationTensors, type StaticReport } from '../passes/quantize/static';
import { quantizeInt4, quantizeInt8Weights, type WeightOnlyReport } from '../passes/quantize/weight-only';
import { calibrate } from '../runtime/calibration-run';
import { loadDataset, type Dataset, type Preprocess } from '../runtime/data';
import { loadLabels } from '../runtime/data-labels';
import { countOf, openCountingFused } from '../runtime/fused-ops';
import { openSession, type SharedSession } from '../runtime/ort-session';
import { quickLatency } from '../runtime/quick-bench';
import { throttled } from '../runtime/throttle';
import { removeOnFailure, resolveOutput, throwIfCancelled, type JobHooks, type OutputOptions } from './job';
import { recordedJob } from './runs/record';

import { QUANTIZE_MODES, type CalibrationMethod, type QuantizeMode } from './choices';
import { formatInteger, formatPercent } from '../base/units';
import { counter } from '../base/progress';
import { compareTimes, type LatencyVerdict } from '../analysis/noise';

export { CALIBRATION_METHODS, QUANTIZE_MODES, type CalibrationMethod, type QuantizeMode } from './choices';

/** Quantize options (the job contract: jobs/job.ts); the default output is `<model>.<mode>.onnx` next to the input. */
export interface QuantizeJobOptions extends NodeSelection, OutputOptions, JobHooks {
  mode: QuantizeMode;
  /** Calibration data (static); random samples with a warning when absent. */
  calib?: string;
  calibration?: CalibrationMethod;
  percentile?: number;
  movingAverage?: boolean;
  perChannel?: boolean;
  activationType?: 'uint8' | 'int8';
  /** Dynamic: 'onnx' (MatMulInteger chain) or 'com.microsoft' (DynamicQuantizeMatMul). */
  dynamicForm?: 'onnx' | 'com.microsoft';
  blockSize?: number;
  symmetric?: boolean;
  accuracyLevel?: number;
  keepIoTypes?: boolean;
  /** Evaluation data and labels; without, outputs are compared on the calibration (or random) data. */
  evalData?: string;
  labels?: string;
  preprocess?: Preprocess;
  /** Samples drawn when no data is given. */
  randomCount?: number;
  /** Skip the quick latency figures / the fused-op count. */
  skipLatency?: boolean;
  skipFused?: boolean;
  threads?: number;
  /**
   * Opening both models in ONNX Runtime to prove the result (fused ops, outputs, latency):
   * 'auto' (default) skips it above `ortCheckMaxNodes`, 'always' and 'never' do what they say.
   */
  ortCheck?: OrtCheck;
  /** The node count above which 'auto' skips the ORT check (default ORT_CHECK_MAX_NODES). */
  ortCheckMaxNodes?: number;
}

export const ORT_CHECKS = ['auto', 'always', 'never'] as const;
export type OrtCheck = (typeof ORT_CHECKS)[number];

/**
 * Above this many nodes (the larger of input and output) the job does not open the models in ORT
 * by default: its session creation grows faster than the node count on graphs where every node
 * has its own initializer (the MatMul/Add/Relu chain: see bench/big.ts and the commit measuring it).
 */
export const ORT_CHECK_MAX_NODES = 50_000;

export type PassReport = Fp16Report | DynamicReport | StaticReport | WeightOnlyReport;

export interface QuantizeJobResult {
  input: string;
  output: string;
  mode: QuantizeMode;
  fileBytesBefore: number;
  fileBytesAfter: number;
  fileRatio: number;
  passMs: number;
  report: PassReport;
  calibration?: { method: CalibrationMethod; data: string; synthetic: boolean; samples: number; tensors: number; ms: number };
  /** What ORT runs after its graph optimizations. */
  fused?: {
    quantizedOps: Record<string, number>; quantizedOpCount: number; weightedNodesQuantized: number; share: number | null; qdqLeft: number;
    /** The float ops the Q/DQ left unfused sit around, by op type. */
    unfusedOps: Record<string, number>;
  };
  evaluation?: {
    data: string; synthetic: boolean; samples: number;
    accuracyBefore?: Accuracy; accuracyAfter?: Accuracy; outputs: OutputComparison[];
  };
  latency?: {
    beforeP50Ms: number; afterP50Ms: number; speedup: number; threads: number; runs: number; note: string;
    /** The result against the input by the one noise rule (analysis/noise.ts), and the least difference that counts, ms. */
    verdict: LatencyVerdict; noiseMs: number;
  };
  /**
   * Static INT8 made the model slower beyond the noise: what to try instead. Dynamic INT8, or
   * keeping in float (--exclude-op) the quantized op types that sit between Q/DQ ORT left unfused.
   * `unfusedAround`: every op type those Q/DQ sit around, most first (shape readers left out).
   */
  slowerAdvice?: { tryMode: 'dynamic'; unfusedAround: string[]; excludeOps: string[] };
  /** The ORT check (fused ops, outputs, latency) was not run: why, and the node counts that decided it. */
  ortCheckSkipped?: { reason: 'too-large'; nodes: number; limit: number } | { reason: 'never' };
  warnings: string[];
  /** Findings on the output model (FP16: clamped weights), for the Problems panel. */
  findings: Finding[];
}

/** The calibrator the options ask for (every job that calibrates activations uses this one factory). */
export function makeCalibrator(o: Pick<QuantizeJobOptions, 'calibration' | 'movingAverage' | 'percentile' | 'activationType'>): Calibrator {
  switch (o.calibration ?? 'minmax') {
    case 'minmax': return new MinMaxCalibrator({ movingAverage: o.movingAverage });
    case 'percentile': return new PercentileCalibrator({ percentile: o.percentile, symmetric: o.activationType === 'int8' });
    case 'entropy': return new EntropyCalibrator();
    default: throw new Error(`unknown calibration method '${o.calibration}' (minmax, percentile, entropy)`);
  }
}

/** What the pass itself takes: the job's options without its data, output and checking steps (a recipe's `quantize` step). */
export type QuantizeSettings = Omit<QuantizeJobOptions, keyof OutputOptions | 'calib' | 'evalData' | 'labels' | 'preprocess' | 'randomCount' | 'skipLatency' | 'skipFused'>;

/**
 * The pass on a loaded model, calibrating static INT8 on `calibData`: what `runQuantizeJob` and a
 * recipe's `quantize` step both run, with one calibrator factory and the same defaults.
 */
export async function quantizeModel(
  model: Model, o: QuantizeSettings, calibData?: Dataset,
): Promise<{ model: Model; report: PassReport; calibration?: QuantizeJobResult['calibration'] }> {
  switch (o.mode) {
    case 'fp16': return convertFp16(model, { ...o, keepIoTypes: o.keepIoTypes });
    case 'dynamic': return quantizeDynamic(model, { ...o, form: o.dynamicForm });
    case 'int4': return quantizeInt4(model, o);
    case 'int8-weights': return quantizeInt8Weights(model, o);
    case 'static': {
      if (!calibData) throw new Error(`${model.label}: static quantization needs calibration data`);
      const tensors = staticCalibrationTensors(model, o);
      o.progress?.(`calibrating ${tensors.length} tensors on ${calibData.description} (${o.calibration ?? 'minmax'})`);
      const cal = await calibrate(model, tensors, calibData, makeCalibrator(o), {
        signal: o.signal, threads: o.threads,
        progress: throttled(counter(o.progress, 'calibration', 'samples')),
      });
      throwIfCancelled(o.signal);
      const calibration = { method: cal.method, data: calibData.description, synthetic: calibData.synthetic, samples: cal.samples, tensors: cal.tensors, ms: cal.ms };
      return { ...quantizeStatic(model, { ...o, ranges: cal.ranges }), calibration };
    }
    default: throw new Error(`unknown mode '${o.mode}' (${QUANTIZE_MODES.join(', ')})`);
  }
}

/**
 * Quantizes a model file and proves the result: load, (calibrate), run the pass, save atomically,
 * count what ORT fused, compare outputs/accuracy, and time both quickly. A failed or cancelled job
 * leaves no output file behind.
 */
async function quantizeJob(inputFile: string, o: QuantizeJobOptions): Promise<QuantizeJobResult> {
  const progress = o.progress ?? (() => {});
  const warnings: string[] = [];
  const warn = (m: string) => { warnings.push(m); o.warn?.(m); };
  if (!QUANTIZE_MODES.includes(o.mode)) throw new Error(`unknown mode '${o.mode}' (${QUANTIZE_MODES.join(', ')})`);
  const model = loadModel(inputFile);
  const output = resolveOutput(inputFile, {
    tag: o.mode, out: o.out, force: o.force, reads: [...model.externalFiles(), o.calib, o.evalData, o.labels], companions: (f) => [externalDataFile(f)],
  });
  const dataOpts = { ...o.preprocess, randomCount: o.randomCount, warn };
  // Data problems (wrong shape, missing labels) fail before any work is done.
  if (o.labels && !o.evalData && !o.calib) throw new Error(`${o.labels}: labels need the data they label (--eval)`);
  const calibData: Dataset | undefined = o.mode === 'static' ? await loadDataset(model, o.calib, dataOpts) : undefined;
  const evalData = o.evalData ? await loadDataset(model, o.evalData, dataOpts) : calibData ?? await loadDataset(model, o.calib, dataOpts);
  const labels = o.labels ? loadLabels(o.labels, evalData.count) : undefined;
  const t0 = performance.now();
  const result = await quantizeModel(model, o, calibData);
  const { calibration } = result;
  const passMs = performance.now() - t0 - (calibration?.ms ?? 0);
  throwIfCancelled(o.signal);
  progress(`writing ${output}`);
  const saved = saveModel(result.model, output, { overwrite: o.force });
  return removeOnFailure([output, saved.externalFile], async () => {
    const fileBytesBefore = model.storedBytes();
    const fileBytesAfter = saved.bytes + (saved.externalBytes ?? 0);
    const job: QuantizeJobResult = {
      input: model.label, output, mode: o.mode, fileBytesBefore, fileBytesAfter, fileRatio: fileBytesAfter / fileBytesBefore,
      passMs, report: result.report, calibration, warnings,
      findings: result.report.pass === 'fp16' ? diagnose({ fp16Clamps: fp16Clamps(result.model, result.report) }) : [],
    };

    const skipped = ortCheckSkip(o, Math.max(model.graph.nodes.length, result.model.graph.nodes.length));
    if (skipped) {
      job.ortCheckSkipped = skipped;
      warn(ortCheckSkippedText(skipped, output));
      return job;
    }

    // One session per model for the fused-op count, the comparison and the timing (on a large
    // model making a session costs more than the pass); both released whatever happens.
    const threads = o.threads ?? 1;
    throwIfCancelled(o.signal);
    progress(o.skipFused ? 'opening both models' : 'opening both models, counting the ops ORT fused');
    let before: SharedSession | undefined;
    let after: SharedSession | undefined;
    try {
      before = { label: inputFile, session: await openSession(inputFile, { threads }) };
      if (o.skipFused) after = { label: output, session: await openSession(output, { threads }) };
      else {
        const opened = await openCountingFused(output, { threads });
        after = { label: output, session: opened.session };
        const weighted = result.report.pass === 'fp16' ? 0 : result.report.quantized.filter((n) => ['Conv', 'MatMul', 'Gemm'].includes(n.opType)).length;
        const q = opened.fused.quantized;
        const fusedWeighted = (q.QLinearConv ?? 0) + (q.NhwcQLinearConv ?? 0) + (q.QLinearMatMul ?? 0) + (q.QGemm ?? 0) +
          (q.DynamicQuantizeMatMul ?? 0) + (q.MatMulIntegerToFloat ?? 0) + (q.MatMulNBits ?? 0);
        job.fused = {
          quantizedOps: q, quantizedOpCount: countOf(q), weightedNodesQuantized: weighted,
          share: weighted && result.report.pass !== 'int8-weights' ? Math.min(1, fusedWeighted / weighted) : null, qdqLeft: opened.fused.qdqLeft,
          unfusedOps: opened.fused.unfusedOps,
        };
      }

      throwIfCancelled(o.signal);
      progress(`comparing outputs on ${evalData.description}`);
      const cmp = await compareModels(before, after, evalData, labels, { signal: o.signal, threads });
      job.evaluation = {
        data: cmp.data, synthetic: cmp.synthetic, samples: cmp.samples,
        accuracyBefore: cmp.accuracyA, accuracyAfter: cmp.accuracyB, outputs: cmp.outputs,
      };

      if (!o.skipLatency) {
        throwIfCancelled(o.signal);
        progress('timing both models (quick, in-process)');
        const lb = await quickLatency(before, evalData, { threads, signal: o.signal });
        const la = await quickLatency(after, evalData, { threads, signal: o.signal });
        const { verdict, noise } = compareTimes({ median: la.p50Ms, spread: la.spreadMs }, { median: lb.p50Ms, spread: lb.spreadMs });
        job.latency = {
          beforeP50Ms: lb.p50Ms, afterP50Ms: la.p50Ms, speedup: lb.p50Ms / la.p50Ms, threads: lb.threads, runs: lb.runs,
          note: 'quick in-process median; use the benchmark for real figures', verdict, noiseMs: noise,
        };
        if (o.mode === 'static' && verdict === 'slower') job.slowerAdvice = slowerAdvice(job.fused?.unfusedOps ?? {}, result.report);
        if (o.mode === 'fp16') warn('FP16 halves the file; on CPU ONNX Runtime computes in float32 with Casts, so it is usually slower there. It pays off on GPU/NPU targets.');
      }
    } finally {
      await before?.session.release();
      await after?.session.release();
    }
    return job;
  });
}

/** Whether the job skips its ORT check, and why. */
function ortCheckSkip(o: Pick<QuantizeJobOptions, 'ortCheck' | 'ortCheckMaxNodes'>, nodes: number): QuantizeJobResult['ortCheckSkipped'] {
  const check = o.ortCheck ?? 'auto';
  if (!ORT_CHECKS.includes(check)) throw new Error(`unknown ORT check '${check}' (${ORT_CHECKS.join(', ')})`);
  if (check === 'never') return { reason: 'never' };
  const limit = o.ortCheckMaxNodes ?? ORT_CHECK_MAX_NODES;
  return check === 'auto' && nodes > limit ? { reason: 'too-large', nodes, limit } : undefined;
}

/** The one sentence the CLI and the extension's report give for a skipped ORT check. */
export function ortCheckSkippedText(s: NonNullable<QuantizeJobResult['ortCheckSkipped']>, output: string): string {
  const what = 'outputs not compared, fused ops and latency not measured';
  if (s.reason === 'never') return `ORT load check skipped (--ort-check never): ${what}; run \`edgewise bench ${output}\` to check it`;
  return `ORT load check skipped: ${formatInteger(s.nodes)} nodes is above ${formatInteger(s.limit)} (ONNX Runtime takes minutes to load graphs this large): ` +
    `${what}; run \`edgewise bench ${output}\` to check it, or quantize with --ort-check always`;
}

/** Ops that only read a tensor's shape: a Q/DQ before them is not theirs to remove. */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/** What to try when static INT8 is slower (see QuantizeJobResult.slowerAdvice). */
export function slowerAdvice(unfusedOps: Record<string, number>, report: PassReport): NonNullable<QuantizeJobResult['slowerAdvice']> {
  const unfusedAround = Object.entries(unfusedOps).filter(([op]) => !SHAPE_READERS.has(op)).sort((a, b) => b[1] - a[1]).map(([op]) => op);
  const quantized = new Set(report.pass === 'fp16' ? [] : report.quantized.map((n) => n.opType));
  return { tryMode: 'dynamic', unfusedAround, excludeOps: unfusedAround.filter((op) => quantized.has(op)) };
}

export const runQuantizeJob = recordedJob('quantize', quantizeJob, {
  inputs: (input, o) => ({ input, calib: o.calib, evalData: o.evalData, labels: o.labels }),
  outputs: (r) => ({ out: r.output }),
  metrics: (r) => {
    const ev = r.evaluation;
    return {
      sizeBytes: r.fileBytesAfter, p50Ms: r.latency?.afterP50Ms,
      accuracy: ev?.accuracyAfter && 100 * ev.accuracyAfter.top1, accuracyBefore: ev?.accuracyBefore && 100 * ev.accuracyBefore.top1,
      agreement: ev?.outputs[0] && 100 * ev.outputs[0].top1Agreement, cosine: ev?.outputs[0]?.cosine,
    };
  },
  summary: (r) => `${r.mode}, ${formatPercent(r.fileRatio, 0)} of the input's bytes`,
});
