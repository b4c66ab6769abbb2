/**
 * The analysis of a float model and its quantized version on one data set, as the CLI prints it
 * and the editor shows it: end-to-end scores, per-layer error, findings, per-node facts.
 */
import type { Model } from '../formats/onnx/model';
import { tensorErrors, type TensorError } from './tensor-error';
import { inferTensorMap } from './tensor-match';
import { Scorer, type EvalSet, type Score } from './scorer';
import { diagnose, type DiagnosticThresholds, type Finding } from './diagnostics';
import { nodeFacts, type NodeFacts } from './annotations';
import { profilePair, type PairLatency, type PairLatencyOptions } from './pair-latency';
import { throttled } from '../runtime/throttle';
import { counter, type Progress } from '../base/progress';

export interface PairAnalysis {
  float: Score;
  quantized: Score;
  layers: TensorError[];
  findings: Finding[];
  facts: Record<string, NodeFacts>;
  /** Per-layer latency of both models, when asked for. */
  latency?: PairLatency;
  seconds: number;
}

export interface PairOptions {
  /** The pass's float -> quantized tensor mapping; inferred from the Q/DQ structure when absent. */
  tensorMap?: Record<string, string>;
  thresholds?: Partial<DiagnosticThresholds>;
  progress?: Progress;
  /** See TensorErrorOptions.inGraph. */
  inGraph?: boolean;
  /**
   * Also profile both models (a fresh benchmark process each, after the error analysis) for
   * per-layer latency gains and run-time shares; its `signal` cancels the profiling.
   */
  latency?: Omit<PairLatencyOptions, 'progress'>;
  /** Cancels the whole analysis (CancelledError while comparing, BenchmarkError 'cancelled' while profiling). */
  signal?: AbortSignal;
  /** ORT intra-op threads of the comparison runs (default 1); profiling has its own (`latency.threads`). */
  threads?: number;
}

export async function analyzePair(floatModel: Model, quantModel: Model, data: EvalSet, options: PairOptions = {}): Promise<PairAnalysis> {
  const t0 = performance.now();
  const map = options.tensorMap ?? inferTensorMap(floatModel, quantModel);
  if (Object.keys(map).length === 0) throw new Error(`${quantModel.label}: no tensor matches ${floatModel.label} (is it a QDQ model made from it?)`);
  options.progress?.(`comparing ${Object.keys(map).length} tensors`);
  const outs = { float: [] as Float32Array[], quant: [] as Float32Array[] };
  const layers = await tensorErrors(floatModel, quantModel, map, data.batches, {
    inGraph: options.inGraph,
    threads: options.threads,
    signal: options.signal,
    onProgress: throttled(counter(options.progress, `comparing ${Object.keys(map).length} tensors`, 'runs')),
    onOutputs: (b, f, q) => { outs.float[b] = f; outs.quant[b] = q; },
  });
  const scorer = new Scorer(floatModel, data, undefined, { threads: options.threads });
  let float: Score, quantized: Score;
  if (outs.float.length === data.batches.length) {
    float = scorer.scoreOutputs(outs.float, outs.float);
    quantized = scorer.scoreOutputs(outs.quant);
  } else {
    options.progress?.('scoring both models');
    float = await scorer.score(floatModel);
    quantized = await scorer.score(quantModel);
  }
  const latency = options.latency ? await profilePair(floatModel, quantModel, { signal: options.signal, ...options.latency, progress: options.progress }) : undefined;
  const findings = diagnose({ tensorErrors: layers, latencyGains: latency?.gains, layerShares: latency?.shares, nearChance: float.nearChance }, options.thresholds);
  const facts = nodeFacts({ tensorErrors: layers, gains: latency?.gains, latency: latency?.shares });
  return { float, quantized, layers, findings, facts, latency, seconds: (performance.now() - t0) / 1000 };
}
