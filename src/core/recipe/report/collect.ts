/**
 * Gathers what the CI report shows beyond the run report itself: the output model timed with a
 * per-layer profile (a fresh benchmark process), its per-layer error against the recipe's model
 * on the held-out data, and the recipe's graph as SVG with an overlay. A part that cannot be had
 * (a dry run has no output file; a pruned model has no quantized tensors to match) becomes a note.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzePair } from '../../analysis/pair';
import { evalSetOf } from '../../analysis/scorer';
import { loadModel } from '../../formats/onnx/io';
import { onnxViewGraph } from '../../formats/onnx/view';
import { DEFAULT_JOB, runBenchmark } from '../../runtime/benchmark';
import { loadDataset } from '../../runtime/data';
import { throwIfCancelled } from '../../base/cancel';
import { RECIPE_BENCH } from '../measure';
import { loadRecipe, type RecipeRunReport } from '../run';
import { recipeDataOptions } from '../data-options';
import { graphSvg, type GraphOverlay } from './graph-svg';
import type { RecipeReportData, ReportOverlay } from './types';
import { valueRecord } from '../../graph/types';

export interface CollectOptions {
  /** Default: error when it was measured, else latency, else weights. */
  overlay?: ReportOverlay;
  allowOutside?: boolean;
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

export async function collectReport(run: RecipeRunReport, o: CollectOptions = {}): Promise<RecipeReportData> {
  const progress = o.progress ?? (() => {});
  const { recipe, model: floatModel, dir } = loadRecipe(run.recipe, o.allowOutside);
  const notes: string[] = [];
  const data: RecipeReportData = { run, generatedAt: new Date().toISOString(), machine: machine(), notes };
  const onnxOut = run.output && path.extname(run.output) === '.onnx' ? run.output : undefined;
  if (!run.output) notes.push('dry run: no output file to time or compare per layer');
  else if (!onnxOut) notes.push(`${path.basename(run.output)}: per-layer latency and error are shown for ONNX outputs (the export pass checked this file in TFLite's interpreter)`);
  if (onnxOut) {
    progress('timing the output with a per-layer profile');
    const r = await runBenchmark({ ...DEFAULT_JOB, ...RECIPE_BENCH, runs: 100, model: onnxOut, profile: true, profileRuns: 20 }, { signal: o.signal });
    data.latency = {
      samplesMs: r.latency.samplesMs, p50Ms: r.latency.p50Ms, p95Ms: r.latency.p95Ms, peakRssBytes: r.peakRssBytes,
      layers: (r.profile?.nodes ?? []).map((n) => ({ name: n.name, opType: n.opType, meanUs: n.meanUs, share: n.share })),
    };
    const held = recipe.eval ?? recipe.data;
    if (!held) notes.push('no data in the recipe: per-layer error needs some');
    else {
      throwIfCancelled(o.signal);
      progress('comparing every layer with the recipe\'s model');
      try {
        const set = evalSetOf(await loadDataset(floatModel, path.resolve(dir, held.inputs), recipeDataOptions(held), held.labels && path.resolve(dir, held.labels)));
        const pair = await analyzePair(floatModel, loadModel(onnxOut), set, { signal: o.signal });
        data.errors = pair.layers.map((l) => ({ layer: l.layer, opType: l.opType, sqnrDb: l.sqnrDb, cosine: l.cosine })).sort((a, b) => a.sqnrDb - b.sqnrDb);
      } catch (e) {
        if (o.signal?.aborted) throw e;
        notes.push(`per-layer error: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  throwIfCancelled(o.signal);
  progress('drawing the graph');
  const view = onnxViewGraph(floatModel);
  const overlay = o.overlay ?? (data.errors?.length ? 'error' : data.latency?.layers.length ? 'latency' : 'weights');
  const values = overlayValues(overlay, view, data);
  try {
    if (!values) throw new Error(`the ${overlay} overlay was not measured (${overlay === 'error' ? 'no per-layer error' : 'no per-layer latency'})`);
    data.graph = { svg: await graphSvg(view, values), overlay, label: values.label };
  } catch (e) {
    data.graphNote = `graph not drawn: ${(e as Error).message}`;
  }
  return data;
}

function overlayValues(overlay: ReportOverlay, view: ReturnType<typeof onnxViewGraph>, d: RecipeReportData): GraphOverlay | undefined {
  const values = valueRecord<number>();
  if (overlay === 'error') {
    if (!d.errors?.length) return undefined;
    for (const e of d.errors) values[e.layer] = Math.min(values[e.layer] ?? Infinity, e.sqnrDb);
    return { label: 'SQNR vs the recipe\'s model', unit: 'dB', values, higherIsBetter: true };
  }
  if (overlay === 'latency') {
    if (!d.latency?.layers.length) return undefined;
    // The profile names the output's nodes; the recipe's nodes keep their names through the passes.
    const byName = new Map(view.nodes.map((n) => [n.name, n.id]));
    for (const l of d.latency.layers) { const id = byName.get(l.name); if (id) values[id] = (values[id] ?? 0) + l.meanUs; }
    return { label: 'latency per node', unit: 'µs', values };
  }
  for (const n of view.nodes) if (n.weightBytes > 0) values[n.id] = n.weightBytes;
  return { label: 'weight size', unit: 'bytes', values };
}

function machine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${os.platform()} ${os.arch()}, Node ${process.versions.node}`;
}
