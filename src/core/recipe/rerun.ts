/**
 * Acting on a recorded run (jobs/runs): run it again with the same options and inputs, writing a
 * new output beside the old one, or turn it into a recipe. The Runs view's "re-run" and "make
 * recipe from this run" call these (through the worker for the re-run).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobHooks } from '../jobs/job';
import { runQuantizeJob, type QuantizeJobOptions } from '../jobs/quantize';
import { runMixedPrecisionJob, type MixedPrecisionJobOptions } from '../jobs/mixed-precision';
import { runPruneJob, type PruneJobOptions } from '../jobs/prune';
import { runExportJob, type ExportJobOptions } from '../jobs/export';
import { runBenchJob, type BenchJobOptions } from '../jobs/bench';
import { runAnalyzeJob, type AnalyzeJobOptions } from '../jobs/analyze';
import { runTrainInChild } from '../jobs/train-process';
import type { TrainJobOptions } from '../jobs/train';
import { resolveRecordPath } from '../jobs/runs/store';
import type { RunRecord } from '../jobs/runs/types';
import { PASS_OPTIONS } from './schema';
import { runRecipe } from './run';
import { RECIPE_PASSES } from './passes';
import { measureModel } from './measure';

/** A record's call again: its input and options, with every file the record names made absolute. */
export function recordedCall(root: string, r: RunRecord): { input: string; options: Record<string, unknown> } {
  const options = structuredClone(r.options);
  for (const f of r.inputs) {
    if (f.role === 'input') continue;
    const keys = f.role.split('.');
    let at: Record<string, unknown> = options;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]] = resolveRecordPath(root, f.path);
  }
  return { input: resolveRecordPath(root, r.input), options };
}

/** `model.int8.onnx` -> `model.int8.2.onnx` (or .3, ...): the first name not taken. */
export function nextFreePath(file: string): string {
  const ext = path.extname(file);
  const stem = file.slice(0, file.length - ext.length).replace(/\.\d+$/, '');
  for (let i = 2; ; i++) {
    const candidate = `${stem}.${i}${ext}`;
    if (!fs.existsSync(candidate)) return candidate;
  }
}

export interface RerunResult {
  kind: RunRecord['kind'];
  /** The new output, when the job writes one. */
  output?: string;
  result: unknown;
}

/**
 * Runs a recorded job again (a new record follows). Its output goes to a new name beside the old
 * one (`nextFreePath`); a recipe writes its own output, replaced only with `replaceRecipeOutput`.
 */
export async function rerun(root: string, r: RunRecord, hooks: JobHooks & { replaceRecipeOutput?: boolean }): Promise<RerunResult> {
  const { input, options } = recordedCall(root, r);
  const old = r.outputs.find((f) => f.role === 'out');
  const out = old ? nextFreePath(resolveRecordPath(root, old.path)) : undefined;
  const o = { ...options, ...(out ? { out, force: false } : {}), signal: hooks.signal, progress: hooks.progress, warn: hooks.warn };
  const done = (result: unknown): RerunResult => ({ kind: r.kind, output: out, result });
  switch (r.kind) {
    case 'quantize': return done(await runQuantizeJob(input, o as unknown as QuantizeJobOptions));
    case 'mixed-precision': return done(await runMixedPrecisionJob(input, o as unknown as MixedPrecisionJobOptions));
    case 'prune': return done(await runPruneJob(input, o as unknown as PruneJobOptions));
    case 'export': return done(await runExportJob(input, o as unknown as ExportJobOptions));
    case 'bench': return done(await runBenchJob(input, o as unknown as BenchJobOptions));
    case 'analyze': return done(await runAnalyzeJob(input, o as unknown as AnalyzeJobOptions));
    // Training runs in its own process, as the worker always runs it.
    case 'train': return done(await runTrainInChild(input, { ...options, out } as unknown as TrainJobOptions, hooks));
    case 'recipe': {
      const report = await runRecipe(input, { ...options, passes: RECIPE_PASSES, measure: measureModel, force: !!hooks.replaceRecipeOutput, signal: hooks.signal, progress: hooks.progress, warn: hooks.warn });
      return { kind: r.kind, output: report.output ?? undefined, result: report };
    }
  }
}

/** The recipe pass a run's job is, and the data roles it reads. */
const AS_PASS: Partial<Record<RunRecord['kind'], { pass: (o: Record<string, unknown>) => string; data: string[] }>> = {
  quantize: { pass: () => 'quantize', data: ['calib', 'evalData'] },
  'mixed-precision': { pass: () => 'mixed-precision', data: ['evalData'] },
  prune: { pass: () => 'prune', data: ['evalData'] },
  export: { pass: () => 'export', data: ['calib', 'evalData'] },
  train: { pass: (o) => String(o.kind ?? 'finetune'), data: ['data'] },
};

/**
 * A recipe (JSON text) that does what a run did: its model, its data, its job as a pass with the
 * options a recipe takes (the others are left out), and budgets a little looser than what the run
 * measured; paths relative to `dir`, where the recipe will be saved. Undefined for a job that
 * is no pass (bench, analyze) and for a recipe run (its recipe is the file itself).
 */
export function recipeFromRun(root: string, r: RunRecord, dir: string): string | undefined {
  const as = AS_PASS[r.kind];
  if (!as) return undefined;
  const { input, options } = recordedCall(root, r);
  const rel = (f: string) => path.relative(dir, f).split(path.sep).join('/') || '.';
  const known = PASS_OPTIONS[as.pass(options)] ?? {};
  const passOptions = Object.fromEntries(Object.entries(options).filter(([k]) => k in known));
  if (r.kind === 'mixed-precision' && typeof options.maxDrop === 'number') passOptions.maxAccuracyDrop = options.maxDrop;
  const dataFile = as.data.map((k) => options[k]).find((v): v is string => typeof v === 'string');
  const labels = typeof options.labels === 'string' ? options.labels : undefined;
  const recipe: Record<string, unknown> = { model: rel(input) };
  const pre = (options.preprocess ?? {}) as Record<string, unknown>;
  const dataOptions = Object.fromEntries(['scale', 'mean', 'std', 'layout', 'resize', 'batch', 'count'].filter((k) => pre[k] !== undefined).map((k) => [k, pre[k]]));
  if (dataFile) recipe.data = { inputs: rel(dataFile), ...(labels ? { labels: rel(labels) } : {}), ...dataOptions };
  recipe.passes = [{ pass: as.pass(options), ...(Object.keys(passOptions).length ? { options: passOptions } : {}) }];
  const m = r.metrics;
  const budgets: Record<string, number> = {};
  if (m.sizeBytes !== undefined) budgets.maxSizeBytes = Math.ceil(m.sizeBytes * 1.05);
  if (m.accuracy !== undefined && m.accuracyBefore !== undefined) budgets.maxAccuracyDrop = Math.max(0, Math.ceil((m.accuracyBefore - m.accuracy + 0.5) * 10) / 10);
  if (Object.keys(budgets).length) recipe.budgets = budgets;
  return `// Made from run ${r.id} (${r.kind}${r.summary ? `: ${r.summary}` : ''}); budgets a little looser than it measured.\n${JSON.stringify(recipe, null, 2)}\n`;
}
