import * as path from 'node:path';
import { externalDataFile, loadModel, saveModel } from '../formats/onnx/io';
import type { Model } from '../formats/onnx/model';
import { evaluateModel } from '../analysis/accuracy';
import { magnitudePruneAsync, type MagnitudeReport } from '../passes/prune/magnitude';
import { channelPruneAsync, type ChannelReport } from '../passes/prune/channel';
import { PruneError } from '../passes/prune/common';
import { loadDataset, type Dataset, type Preprocess } from '../runtime/data';
import { loadLabels } from '../runtime/data-labels';
import { OUTPUT_TAGS, resolveOutput, throwIfCancelled, type JobHooks, type OutputOptions, type ProgressCount } from './job';
import { recordedJob } from './runs/record';

import type { PruneMethod } from './choices';
import type { NearChance } from '../analysis/chance';
import { formatPercent } from '../base/units';

export { PRUNE_METHODS, type PruneMethod } from './choices';

/** Prune options (the job contract: jobs/job.ts); the default output is `<model>.pruned.onnx` next to the input. */
export interface PruneJobOptions extends OutputOptions, JobHooks {
  method: PruneMethod;
  /** Share to remove, strictly between 0 and 1. */
  sparsity: number;
  /** Magnitude: one global threshold (default) or the same sparsity in every layer. */
  scope?: 'global' | 'per-layer';
  /** Magnitude: also prune the first and last layers. */
  allLayers?: boolean;
  /** Channel: importance norm. */
  norm?: 'l1' | 'l2';
  exclude?: string[];
  /** Evaluation samples (.npy, folder of .npy or images) and integer labels (.npy or text): top-1 before and after. */
  evalData?: string;
  labels?: string;
  /** Preprocessing of the evaluation samples; uint8 .npy samples default to scale 1/255, like images. */
  preprocess?: Preprocess;
  /** Largest evaluation batch for a symbolic batch dimension (default 32). */
  batch?: number;
  /** ONNX Runtime intra-op threads for the evaluation (default 1). */
  threads?: number;
  /** Channel + eval: also measure each pruned group alone (one extra prune and evaluation each). Default true. */
  perGroup?: boolean;
}

export interface PruneEvaluation {
  samples: number;
  top1Before: number;
  top1After: number;
  /** The original model is at chance on this data (analysis/chance.ts): the figures mean nothing. */
  nearChance?: NearChance;
  /** Channel pruning: top-1 with only this group pruned, so each group's share of the drop shows. */
  perGroup?: { id: number; sources: string[]; removed: number; top1: number }[];
}

export interface PruneJobResult {
  input: string;
  output: string;
  method: PruneMethod;
  fileBytesBefore: number;
  fileBytesAfter: number;
  report: MagnitudeReport | ChannelReport;
  evaluation?: PruneEvaluation;
}

/** What the pass itself takes: the method and its settings (a recipe's `prune` step). */
export type PruneSettings = Pick<PruneJobOptions, 'method' | 'sparsity' | 'scope' | 'allLayers' | 'norm' | 'exclude' | 'signal'> & {
  progress?: (message: string, fraction: number) => void;
};

/** The pass on a loaded model, with the job's defaults: what `runPruneJob` and a recipe's `prune` step both run. */
export async function pruneModel(model: Model, o: PruneSettings): Promise<{ model: Model; report: MagnitudeReport | ChannelReport }> {
  const onProgress = o.progress;
  return o.method === 'magnitude'
    ? magnitudePruneAsync(model, { sparsity: o.sparsity, scope: o.scope, skipFirstLast: !o.allLayers, exclude: o.exclude, onProgress, signal: o.signal })
    : channelPruneAsync(model, { sparsity: o.sparsity, norm: o.norm, exclude: o.exclude, onProgress, signal: o.signal, measureSizes: false });
}

/**
 * Prunes a model file: load, check the request, run the pass, evaluate when data is given, and
 * save atomically. A cancelled or failed job leaves no output file behind.
 */
async function pruneJob(inputFile: string, o: PruneJobOptions): Promise<PruneJobResult> {
  const progress = o.progress ?? (() => {});
  if (o.method !== 'magnitude' && o.method !== 'channel') throw new PruneError(`unknown method '${o.method}' (magnitude, channel)`);
  if (!(o.sparsity > 0 && o.sparsity < 1)) throw new PruneError(`sparsity must be strictly between 0 and 1, got ${o.sparsity}`);
  if (!!o.evalData !== !!o.labels) throw new PruneError('evaluation needs both the samples and their labels');
  const input = path.resolve(inputFile);
  const model = loadModel(input);
  const output = resolveOutput(input, {
    tag: OUTPUT_TAGS.prune, out: o.out, force: o.force, reads: [...model.externalFiles(), o.evalData, o.labels], companions: (f) => [externalDataFile(f)],
  });
  const names = new Set(model.graph.nodes.map((n) => n.name));
  for (const e of o.exclude ?? []) if (!names.has(e)) throw new PruneError(`${input}: no node is named '${e}' (excluded nodes go by node name)`);
  const evalSet = o.evalData && o.labels ? await loadEvalSet(model, o.evalData, o.labels, o) : undefined;

  progress(`pruning ${path.basename(input)} (${o.method}, sparsity ${o.sparsity})`, 0);
  const onProgress = (m: string, f: number, count?: ProgressCount) => progress(m, f * 0.5, count);
  // Gzip sizes are what magnitude pruning buys; channel pruning's gain shows in the file size.
  const result = await pruneModel(model, { ...o, progress: onProgress });
  const evaluation = evalSet ? await evaluate(input, model, result.model, result.report, evalSet, o) : undefined;
  // Let a pending cancellation arrive before anything is written.
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfCancelled(o.signal);
  progress(`writing ${output}`, 0.95);
  const saved = saveModel(result.model, output, { overwrite: o.force });
  return {
    input, output, method: o.method,
    fileBytesBefore: model.storedBytes(),
    fileBytesAfter: saved.bytes + (saved.externalBytes ?? 0),
    report: result.report, evaluation,
  };
}

interface EvalSet { data: Dataset; labels: Int32Array }

async function loadEvalSet(model: Model, dataFile: string, labelsFile: string, o: PruneJobOptions): Promise<EvalSet> {
  const data = await loadDataset(model, dataFile, { ...o.preprocess, batch: o.batch });
  return { data, labels: loadLabels(labelsFile, data.count) };
}

async function evaluate(input: string, original: Model, pruned: Model, report: MagnitudeReport | ChannelReport, set: EvalSet, o: PruneJobOptions): Promise<PruneEvaluation> {
  const progress = o.progress ?? (() => {});
  const run = { signal: o.signal, threads: o.threads ?? 1 };
  const accuracy = async (m: string | Model) => (await evaluateModel(m, set.data, set.labels, run)).accuracy!;
  const top1 = async (m: string | Model) => (await accuracy(m)).top1;
  progress(`evaluating on ${set.data.count} samples`, 0.5);
  // The original runs from its file; pruned models exist only in memory.
  const before = await accuracy(input);
  const ev: PruneEvaluation = { samples: before.samples, top1Before: before.top1, top1After: await top1(pruned), ...(before.nearChance ? { nearChance: before.nearChance } : {}) };
  if (report.method === 'channel' && o.perGroup !== false) {
    ev.perGroup = [];
    for (const [i, g] of report.pruned.entries()) {
      progress(`evaluating group ${g.id} (${g.sources.join(', ')}) alone`, 0.6 + (0.35 * i) / report.pruned.length);
      const one = await channelPruneAsync(original, { sparsity: o.sparsity, norm: o.norm, exclude: o.exclude, onlyGroups: [g.id], measureSizes: false, signal: o.signal });
      ev.perGroup.push({ id: g.id, sources: g.sources, removed: g.removed, top1: await top1(one.model) });
    }
  }
  return ev;
}

export const runPruneJob = recordedJob('prune', pruneJob, {
  inputs: (input, o) => ({ input, evalData: o.evalData, labels: o.labels }),
  outputs: (r) => ({ out: r.output }),
  metrics: (r) => ({
    sizeBytes: r.fileBytesAfter,
    accuracy: r.evaluation && 100 * r.evaluation.top1After, accuracyBefore: r.evaluation && 100 * r.evaluation.top1Before,
  }),
  summary: (r) => `${r.method}, ${formatPercent(r.fileBytesAfter / r.fileBytesBefore, 0)} of the input's bytes`,
});
