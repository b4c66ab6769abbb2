/**
 * Per-layer latency of a float model and its quantized version: each model is profiled in its own
 * fresh benchmark child (one after the other, at ORT's full optimization level, the way it runs in
 * production), the kernel times are gathered per layer of the float model, and the quantized
 * model's layers are matched to them. Cancelling kills the running child.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import type { NodeProto } from '../formats/onnx/proto/onnx_pb';
import { saveModel } from '../formats/onnx/io';
import { nodeIds } from '../formats/onnx/node-id';
import { DEFAULT_JOB, runBenchmark } from '../runtime/benchmark';
import type { BenchmarkProgress, BenchmarkResult, LayerProfile, NodeLatency } from '../runtime/types';
import { prefixed, type Progress } from '../base/progress';
import { PHASE_TEXT, phaseCount, phaseShare, phaseText } from '../runtime/phases';
import { latencyGains, layerTimes, profileNodeTimes, type LayerLatency } from './latency-gain';
import { valueRecord } from '../graph/types';

export interface PairLatencyOptions {
  /** Profiled runs per model (after 2 warm-up runs); default 20. */
  runs?: number;
  /** ORT intra-op threads; default 1. */
  threads?: number;
  signal?: AbortSignal;
  /** `fraction` is the share of the latency work done (0..1). */
  progress?: Progress;
  /** The benchmark child's entry script (tests); default as runBenchmark finds it. */
  childScript?: string;
  /**
   * Profile the models' own files (default). Models built in memory must pass false: a pass's
   * output keeps its input's file as its source, so that file is not the model.
   */
  useFiles?: boolean;
}

/** One float layer's time and its share of the float model's kernel time. */
export interface LayerShare {
  nodeId: string;
  /** The layer's time per run: the median over the profiled runs (named as the facts and rules take it). */
  meanUs: number;
  /**
   * meanUs over the time of all the float model's kernels per run (0..1): what the layer costs of
   * the model's own work. Not over the wall time, which preemption on a busy machine inflates
   * (the per-kernel medians leave it out) and which for tiny models is mostly the JS binding.
   */
  share: number;
}

export interface ModelTiming {
  file: string;
  /** Sum of the median kernel times per run, ms (the denominator of the shares). */
  kernelMs: number;
  /** Median wall time of a profiled run, ms. */
  runMs: number;
  /** Median of the timed (unprofiled) runs, ms. */
  p50Ms: number;
  /** Sum of the per-layer times, ms (the rest is outside the layers' kernels). */
  layersMs: number;
}

export interface PairLatency {
  float: ModelTiming;
  quantized: ModelTiming;
  /** Layers timed in both models (keyed by the float model's node ids), biggest saving first. */
  gains: LayerLatency[];
  /** Every timed layer of the float model, slowest first. */
  shares: LayerShare[];
  runs: number;
  threads: number;
  seconds: number;
}

const DEFAULT_RUNS = 20;

/**
 * Profiles the two models' files (a model changed in memory since it was loaded runs as its file
 * is, unless `useFiles` is false; a model without a file is written to a temp folder for the
 * run), then gathers per layer.
 */
export async function profilePair(floatModel: Model, quantModel: Model, options: PairLatencyOptions = {}): Promise<PairLatency> {
  const t0 = performance.now();
  const runs = Math.max(1, Math.round(options.runs ?? DEFAULT_RUNS));
  const threads = options.threads ?? DEFAULT_JOB.threads;
  let scratch: string | undefined;
  // Models loaded from files are profiled as they are; others are written to a temp folder first.
  const fileOf = (m: Model, name: string) => {
    if (m.source.file && options.useFiles !== false) return m.source.file;
    scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-pair-latency-'));
    const file = path.join(scratch, name);
    saveModel(m, file);
    return file;
  };
  try {
    const floatFile = fileOf(floatModel, 'float.onnx');
    const quantFile = fileOf(quantModel, 'quantized.onnx');
    const profile = (file: string, which: string, step: number) => runBenchmark(
      // The timed runs only give the whole-model p50 alongside; the profiled runs are what counts.
      { ...DEFAULT_JOB, model: file, threads, warmup: 2, runs: Math.min(runs, 10), profile: true, profileRuns: runs, layersOnly: true },
      { signal: options.signal, childScript: options.childScript, onProgress: (p) => {
        // Both profiling phases are one step for the analysis.
        const text = PHASE_TEXT[p.phase === 'profile-optimized' ? 'profile' : p.phase];
        prefixed(options.progress, `profiling the ${which} model: `)(phaseText(p, text), (step + phaseFraction(p)) / 2, phaseCount(p, text));
      } },
    );
    const pf = await profile(floatFile, 'float', 0);
    const pq = await profile(quantFile, 'quantized', 1);
    return { ...pairLatency(floatModel, quantModel, pf, pq), runs, threads, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Gains and shares from the two models' benchmark results (with profileOptimized). */
export function pairLatency(floatModel: Model, quantModel: Model, floatRun: BenchmarkResult, quantRun: BenchmarkResult): Omit<PairLatency, 'runs' | 'threads' | 'seconds'> {
  const fp = floatRun.profileOptimized, qp = quantRun.profileOptimized;
  if (!fp || !qp) throw new Error('pairLatency needs profiles of both models at their optimization level');
  // Per-node medians: a preemption inside one small kernel multiplies its mean (this matters on a
  // busy machine, where the extension host and other work share the cores).
  const robust = (nodes: readonly NodeLatency[]) => nodes.map((n) => ({ name: n.name, meanUs: n.medianUs ?? n.meanUs, originalNodes: n.originalNodes }));
  // A layer's spread is the sum of its kernels' spreads (an upper bound of the spread of their sum).
  const spreads = (nodes: readonly NodeLatency[]) => nodes.map((n) => ({ name: n.name, meanUs: n.spreadUs ?? 0, originalNodes: n.originalNodes }));
  const floatIds = nodeIds(floatModel.graph.nodes);
  const floatLayers = new Set(floatIds);
  const floatUs = layerTimes(floatModel, profileNodeTimes(floatModel, robust(fp.nodes)), floatLayers);
  const floatSpreadUs = layerTimes(floatModel, profileNodeTimes(floatModel, spreads(fp.nodes)), floatLayers);
  const toFloat = quantToFloatIds(floatModel, floatIds, quantModel);
  const quantLayers = new Set(toFloat.keys());
  const byFloatLayer = (perQuantLayer: Record<string, number>) => {
    const out = valueRecord<number>();
    for (const [qid, us] of Object.entries(perQuantLayer)) out[toFloat.get(qid)!] = (out[toFloat.get(qid)!] ?? 0) + us;
    return out;
  };
  const quantUs = byFloatLayer(layerTimes(quantModel, profileNodeTimes(quantModel, robust(qp.nodes)), quantLayers));
  const quantSpreadUs = byFloatLayer(layerTimes(quantModel, profileNodeTimes(quantModel, spreads(qp.nodes)), quantLayers));
  const runMs = (p: LayerProfile) => p.runMedianMs ?? p.runMeanMs;
  const kernelsUs = (p: LayerProfile) => robust(p.nodes).reduce((a, n) => a + n.meanUs, 0);
  const kernelUs = kernelsUs(fp);
  // Medians of whole microseconds often tie: ties keep the model's order, as the CodeLens ranking does.
  const order = new Map(floatIds.map((id, i) => [id, i]));
  const shares = Object.entries(floatUs).map(([nodeId, meanUs]) => ({ nodeId, meanUs, share: meanUs / kernelUs }))
    .sort((a, b) => b.meanUs - a.meanUs || order.get(a.nodeId)! - order.get(b.nodeId)!);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0) / 1000;
  return {
    float: { file: floatRun.model, kernelMs: kernelUs / 1000, runMs: runMs(fp), p50Ms: floatRun.latency.p50Ms, layersMs: sum(floatUs) },
    quantized: { file: quantRun.model, kernelMs: kernelsUs(qp) / 1000, runMs: runMs(qp), p50Ms: quantRun.latency.p50Ms, layersMs: sum(quantUs) },
    gains: latencyGains(floatUs, quantUs, { float: floatSpreadUs, int8: quantSpreadUs }),
    shares,
  };
}

/**
 * The float model's node id for each node of the quantized model that is one of its layers: by
 * unique name, else by first output tensor (the QDQ pass keeps a layer's output name), with the
 * same op type. Ids of unnamed nodes hold their index, which the inserted Q/DQ nodes shift.
 */
export function quantToFloatIds(floatModel: Model, floatIds: readonly string[], quantModel: Model): Map<string, string> {
  const byName = new Map<string, { id: string; node: NodeProto }>();
  const byOutput = new Map<string, { id: string; node: NodeProto }>();
  floatModel.graph.nodes.forEach((node, i) => {
    if (node.name) byName.set(node.name, { id: floatIds[i], node });
    if (node.output[0]) byOutput.set(node.output[0], { id: floatIds[i], node });
  });
  const qIds = nodeIds(quantModel.graph.nodes);
  const out = new Map<string, string>();
  quantModel.graph.nodes.forEach((node, i) => {
    const named = node.name ? byName.get(node.name) : undefined;
    const hit = named?.id === node.name && named.node.opType === node.opType ? named : byOutput.get(node.output[0] ?? '');
    if (hit && hit.node.opType === node.opType) out.set(qIds[i], hit.id);
  });
  return out;
}

/** Share of one model's work done (about 10 timed runs, then the profiled runs). */
function phaseFraction(p: BenchmarkProgress): number {
  const within = phaseShare(p);
  switch (p.phase) {
    case 'connect': case 'upload': case 'load': case 'first-run': return 0;
    case 'warmup': return 0.02 * within;
    case 'runs': return 0.02 + 0.28 * within;
    case 'profile': case 'profile-optimized': return 0.3 + 0.7 * within;
  }
}
