/**
 * `edgewise analyze` and the editor's per-layer analysis: a float model and its quantized (QDQ)
 * version on the same data, per-layer error, end-to-end scores, findings; with `latency`, both
 * models profiled per layer too.
 */
import { analyzePair, type PairAnalysis } from '../analysis/pair';
import { evalSetOf } from '../analysis/scorer';
import type { DiagnosticThresholds } from '../analysis/diagnostics';
import { loadModel } from '../formats/onnx/io';
import { nodeIds } from '../formats/onnx/node-id';
import { loadDataset, type DataOptions } from '../runtime/data';
import { BenchmarkError } from '../runtime/types';
import { CancelledError, type JobHooks } from './job';
import { recordedJob } from './runs/record';

/** Analyze options (the job contract: jobs/job.ts); the data options are the CLI's. */
export interface AnalyzeJobOptions extends DataOptions, JobHooks {
  /** The quantized (QDQ) model made from the float one. */
  quantized: string;
  /** Inputs both models run on (.npy, a folder of .npy files or images); batches of 100 unless `batch` says. */
  data: string;
  /** Class ids, one per sample: top-1 accuracy (else output agreement). */
  labels?: string;
  /** Warn below this SQNR (dB); default 20. */
  minSqnrDb?: number;
  /**
   * Also profile both model files per layer (a fresh benchmark process each, after the error
   * analysis; cancelling kills it): float and INT8 time per layer, gain, share, latency findings.
   */
  latency?: boolean;
  /** Profiled runs per model; default 20. */
  latencyRuns?: number;
  /** Inform when a float layer takes over this share (0..1) of the run; default 0.2. */
  hotLayerShare?: number;
  /** Warn when INT8 costs more than this many µs over float on a layer; default 0. */
  int8SlowerUs?: number;
  /** ORT intra-op threads of the comparison runs (default 1; profiling uses 1). */
  threads?: number;
}

export interface AnalyzeJobResult extends PairAnalysis {
  /** The two model files (absolute). */
  floatFile: string;
  quantizedFile: string;
  /** Samples both models ran on. */
  samples: number;
  /** The float model's nodes in graph order (view ids and op types), to lay tables out by. */
  nodes: { id: string; opType: string }[];
}

/** Samples per run unless `batch` says otherwise: analysis runs the same batches many times. */
const ANALYSIS_BATCH = 100;

async function analyzeJob(floatFile: string, o: AnalyzeJobOptions): Promise<AnalyzeJobResult> {
  o.progress?.('reading the models', 0);
  const floatModel = loadModel(floatFile);
  const quantModel = loadModel(o.quantized);
  const set = evalSetOf(await loadDataset(floatModel, o.data, { ...o, batch: o.batch ?? ANALYSIS_BATCH }, o.labels));
  const thresholds: Partial<DiagnosticThresholds> = {};
  if (o.minSqnrDb !== undefined) thresholds.minSqnrDb = o.minSqnrDb;
  if (o.hotLayerShare !== undefined) thresholds.hotLayerShare = o.hotLayerShare;
  if (o.int8SlowerUs !== undefined) thresholds.int8SlowerUs = o.int8SlowerUs;
  let analysis: PairAnalysis;
  try {
    analysis = await analyzePair(floatModel, quantModel, set, {
      thresholds,
      threads: o.threads,
      latency: o.latency ? { runs: o.latencyRuns } : undefined,
      signal: o.signal,
      // With latency, the error analysis is the first half of the work and profiling the second.
      progress: (m, fraction, count) => o.progress?.(fraction === undefined ? `${m} on ${set.samples} samples` : m, fraction === undefined ? (o.latency ? 0.25 : 0.5) : 0.5 + 0.5 * fraction, count),
    });
  } catch (e) {
    // Profiling runs in a benchmark child, which ends with its own error when aborted.
    if (e instanceof BenchmarkError && e.kind === 'cancelled') throw new CancelledError();
    throw e;
  }
  const nodes = floatModel.graph.nodes;
  return {
    ...analysis, floatFile: floatModel.label, quantizedFile: quantModel.label, samples: set.samples,
    nodes: nodeIds(nodes).map((id, i) => ({ id, opType: nodes[i].opType })),
  };
}

export const runAnalyzeJob = recordedJob('analyze', analyzeJob, {
  inputs: (input, o) => ({ input, quantized: o.quantized, data: o.data, labels: o.labels }),
  metrics: ({ float, quantized }) => ({
    accuracy: quantized.metric === 'top1' ? quantized.value : undefined, accuracyBefore: float.metric === 'top1' ? float.value : undefined,
    agreement: quantized.metric === 'agreement' ? quantized.value : undefined, cosine: quantized.outputCosine,
  }),
  summary: (r) => `${r.layers.length} layers compared on ${r.samples} samples, ${r.findings.length} findings`,
});
