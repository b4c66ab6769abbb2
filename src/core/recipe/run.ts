/**
 * Applying a recipe: validate it against the model, run its passes in order, write the result,
 * and check every budget on the held-out data. Passes and the latency/RAM measurement come in
 * from outside (a registry and a callback), so this module owns only the order of things.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import { externalDataFile, loadModel, saveModel, type SaveResult } from '../formats/onnx/io';
import { OUTPUT_TAGS, removeOnFailure, resolveOutput, siblingPath } from '../jobs/job';
import { encodeModelProto } from '../formats/onnx/codec';
import { evalSetOf, Scorer, type EvalSet } from '../analysis/scorer';
import { loadDataset, type DataOptions } from '../runtime/data';
import { OptionError } from '../base/option-error';
import { CancelledError, throwIfCancelled } from '../base/cancel';
import { modelFacts, validateRecipe, type RecipeProblem } from './validate';
import { recipeFormat } from './tree';
import { recipePathProblems } from './paths';
import { readRecipeText } from './read';
import type { Budgets, Recipe, RecipeData } from './schema';
import { ExportPassFailed, runExportPass } from './export-pass';
import { recipeDataOptions } from './data-options';
import { BUILTIN_TARGETS, type Target } from '../runtime/targets';
import { recordedJob } from '../jobs/runs/record';
import { formatBytesPair, formatCloseness, formatNumberPair } from '../base/units';
import { chanceBudgetReason, type NearChance } from '../analysis/chance';

export interface PassContext {
  /** The model the recipe started from. */
  floatModel: Model;
  /** Calibration / tuning data, when the recipe names some. */
  data?: EvalSet;
  /** The calibration data file (absolute), its labels file (absolute) and how to read them, for passes that read them themselves. */
  dataSource?: { file: string; labels?: string; options: DataOptions };
  /** The recipe's folder (relative paths in pass options resolve from it). */
  dir: string;
  /** The recipe's per-node precision overrides. */
  overrides: NonNullable<Recipe['overrides']>;
  budgets: Budgets;
  progress: (message: string) => void;
  signal?: AbortSignal;
}

export type PassRunner = (model: Model, options: Record<string, unknown>, ctx: PassContext) => Promise<{ model: Model; report: unknown }>;

export interface Measured {
  sizeBytes: number;
  /** An exported .tflite: its bytes (flash) and TFLite Micro's planned tensor arena. */
  flashBytes?: number;
  arenaBytes?: number;
  floatTop1?: number;
  top1?: number;
  /** The float model is at chance on the held-out data: accuracy budgets fail (analysis/chance.ts). */
  nearChance?: NearChance;
  cosine?: number;
  latencyMs?: number;
  ramBytes?: number;
}

export interface BudgetCheck {
  budget: keyof Budgets;
  limit: number;
  measured: number | null;
  ok: boolean;
  message: string;
}

export interface RecipeRunReport {
  recipe: string;
  model: string;
  output: string | null;
  problems: RecipeProblem[];
  passes: { pass: string; report: unknown }[];
  measured: Measured;
  budgets: BudgetCheck[];
  /** True when every budget holds. */
  ok: boolean;
}

export interface RunRecipeOptions {
  passes: Record<string, PassRunner>;
  /** Median latency and peak RAM of a model on this machine (a benchmark child process). */
  measure?: (model: Model, file: string) => Promise<{ latencyMs: number; ramBytes: number }>;
  /** Write the result (default true); overwrite an existing output only with `force`. */
  write?: boolean;
  force?: boolean;
  progress?: (message: string) => void;
  /** Let the recipe's paths leave its folder (`edgewise run --allow-outside`). */
  allowOutside?: boolean;
  /** Aborting ends the run with CancelledError before anything is written. */
  signal?: AbortSignal;
  /** Told when the run could not be recorded (jobs/runs/record.ts). */
  warn?: (message: string) => void;
}

export class RecipeError extends Error {
  constructor(message: string, readonly problems: RecipeProblem[] = []) {
    super(message);
  }
}

/**
 * Loads and validates a recipe file (JSON or YAML) and its model; throws RecipeError on the first
 * error. Its paths must stay inside its folder unless `allowOutside` (paths.ts).
 */
export function loadRecipe(file: string, allowOutside = false): { recipe: Recipe; model: Model; problems: RecipeProblem[]; dir: string } {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readRecipeText(abs);
  } catch (e) {
    throw new RecipeError((e as Error).message);
  }
  const dir = path.dirname(abs);
  const format = recipeFormat(abs);
  const first = validateRecipe(text, undefined, format);
  const fail = (problems: RecipeProblem[]) => {
    const e = problems.find((p) => p.severity === 'error')!;
    return new RecipeError(`${abs}:${e.line + 1}:${e.column + 1}: ${e.message}`, problems);
  };
  if (!first.recipe) throw fail(first.problems);
  if (!allowOutside) {
    const outside = recipePathProblems(text, format, abs, 'error');
    if (outside.length > 0) throw fail(outside);
  }
  const model = loadModel(path.resolve(dir, first.recipe.model));
  const checked = validateRecipe(text, modelFacts(model), format);
  if (!checked.recipe) throw fail(checked.problems);
  return { recipe: checked.recipe, model, problems: checked.problems, dir };
}

async function evalSet(model: Model, dir: string, d: RecipeData | undefined): Promise<EvalSet | undefined> {
  if (!d) return undefined;
  try {
    return evalSetOf(await loadDataset(model, path.resolve(dir, d.inputs), recipeDataOptions(d), d.labels && path.resolve(dir, d.labels)));
  } catch (e) {
    // An option no data can be read with is the recipe's mistake: the bad-recipe error.
    if (e instanceof OptionError) throw new RecipeError(`${model.label}: the recipe's data: ${e.message.replace(/--/g, '')}`);
    throw e;
  }
}

async function applyRecipe(file: string, options: RunRecipeOptions): Promise<RecipeRunReport> {
  const progress = options.progress ?? (() => {});
  const { recipe, model: floatModel, problems, dir } = loadRecipe(file, options.allowOutside);
  const tuning = await evalSet(floatModel, dir, recipe.data);
  const held = (await evalSet(floatModel, dir, recipe.eval)) ?? tuning;
  const d = recipe.data;
  const dataSource = d ? { file: path.resolve(dir, d.inputs), labels: d.labels && path.resolve(dir, d.labels), options: recipeDataOptions(d) } : undefined;
  const ctx: PassContext = { floatModel, data: tuning, dataSource, dir, overrides: recipe.overrides ?? {}, budgets: recipe.budgets ?? {}, progress, signal: options.signal };
  const last = recipe.passes[recipe.passes.length - 1];
  const exportStep = last?.pass === 'export' ? last : undefined;
  const outFile = path.resolve(dir, recipe.output ?? siblingPath(recipe.model, OUTPUT_TAGS.recipe, exportStep ? '.tflite' : undefined));
  if (options.write !== false) {
    const reads = [recipe.data, recipe.eval].flatMap((d) => (d ? [d.inputs, d.labels] : [])).map((f) => f && path.resolve(dir, f));
    try {
      resolveOutput(floatModel.label, { tag: OUTPUT_TAGS.recipe, out: outFile, force: options.force, reads: [...floatModel.externalFiles(), ...reads], companions: (f) => [externalDataFile(f)] });
    } catch (e) {
      throw new RecipeError((e as Error).message);
    }
  }
  let model = floatModel;
  const passes: RecipeRunReport['passes'] = [];
  const fail = (step: string, e: unknown) => new RecipeError(`${path.resolve(file)}: pass ${passes.length + 1} (${step}): ${(e as Error).message}`);
  for (const step of exportStep ? recipe.passes.slice(0, -1) : recipe.passes) {
    const runner = options.passes[step.pass];
    if (!runner) throw new RecipeError(`${path.resolve(file)}: pass '${step.pass}' is not available in this build`);
    progress(`running ${step.pass}`);
    let out;
    try {
      out = await runner(model, step.options ?? {}, ctx);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      throw fail(step.pass, e);
    }
    model = out.model;
    passes.push({ pass: step.pass, report: out.report });
  }
  throwIfCancelled(options.signal);
  const budgets = recipe.budgets ?? {};
  if (exportStep) {
    // A built-in target (e.g. cortex-m4-256k) plans the arena with its kernels and adds its flash and arena budgets.
    const target = BUILTIN_TARGETS.find((t) => t.name === recipe.target);
    progress('running export');
    let r;
    try {
      r = await runExportPass({ recipe, dir, floatModel, model, out: outFile, target, options: exportStep.options ?? {}, write: options.write !== false, force: options.force, progress });
    } catch (e) {
      if (e instanceof ExportPassFailed) throw new RecipeError(e.message);
      throw fail('export', e);
    }
    passes.push({ pass: 'export', report: r.report });
    const checks = checkBudgets(withTargetBudgets(budgets, target), r.measured);
    return { recipe: path.resolve(file), model: floatModel.label, output: r.output, problems, passes, measured: r.measured, budgets: checks, ok: checks.every((c) => c.ok) };
  }
  const saved = options.write !== false ? saveModel(model, outFile, { overwrite: options.force }) : undefined;
  const output = saved?.file ?? null;
  // Checking the budgets can fail (a model ORT refuses): then the output goes too.
  const measured = await removeOnFailure([saved?.file, saved?.externalFile], () => measure(model, floatModel, held, budgets, saved, outFile, options));
  const checks = checkBudgets(budgets, measured);
  return { recipe: path.resolve(file), model: floatModel.label, output, problems, passes, measured, budgets: checks, ok: checks.every((c) => c.ok) };
}

/** `applyRecipe`, recorded as a run: the recipe in, the model out, what the budgets were checked on. */
export const runRecipe = recordedJob('recipe', applyRecipe, {
  outputs: (r) => ({ out: r.output }),
  metrics: ({ measured: m }) => ({ sizeBytes: m.sizeBytes, p50Ms: m.latencyMs, peakRssBytes: m.ramBytes, accuracy: m.top1, accuracyBefore: m.floatTop1, cosine: m.cosine }),
  summary: (r) => `${r.passes.map((p) => p.pass).join(' -> ')}; ${r.budgets.filter((b) => b.ok).length}/${r.budgets.length} budgets hold`,
  budgets: (r) => r.budgets.map((b) => ({ name: b.budget, ok: b.ok, message: b.message })),
});

/** What the budgets are checked on: size, accuracy on the held-out data, latency and memory. */
async function measure(
  model: Model, floatModel: Model, held: EvalSet | undefined, budgets: Budgets, saved: SaveResult | undefined, outFile: string, options: RunRecipeOptions,
): Promise<Measured> {
  const progress = options.progress ?? (() => {});
  const measured: Measured = { sizeBytes: saved ? saved.bytes + (saved.externalBytes ?? 0) : encodeModelProto(model.proto).length };
  if (held && (budgets.maxAccuracyDrop !== undefined || budgets.minCosine !== undefined)) {
    progress('checking accuracy on the held-out data');
    if (held.labels) {
      const scorer = new Scorer(floatModel, held, 'top1');
      const float = await scorer.score(floatModel);
      measured.floatTop1 = float.value;
      if (float.nearChance) measured.nearChance = float.nearChance;
      const s = await scorer.score(model);
      measured.top1 = s.value;
      measured.cosine = s.outputCosine;
    } else {
      measured.cosine = (await new Scorer(floatModel, held, 'cosine').score(model)).value;
    }
  }
  if (options.measure && (budgets.maxLatencyMs !== undefined || budgets.maxRamBytes !== undefined)) {
    progress('measuring latency and memory');
    Object.assign(measured, await options.measure(model, saved?.file ?? outFile));
  }
  return measured;
}

/** Every budget against what was measured; a budget that could not be measured fails. */
export function checkBudgets(b: Budgets, m: Measured): BudgetCheck[] {
  const out: BudgetCheck[] = [];
  const add = (budget: keyof Budgets, limit: number, measured: number | undefined, ok: (v: number) => boolean, what: string, unit: Unit) => {
    if (measured === undefined) {
      out.push({ budget, limit, measured: null, ok: false, message: `${what} was not measured (no data or no benchmark), so the ${show(limit, limit, unit)[1]} budget cannot be shown to hold` });
      return;
    }
    const holds = ok(measured);
    const [m, l] = show(measured, limit, unit);
    out.push({ budget, limit, measured, ok: holds, message: `${what} ${m} ${holds ? 'meets' : 'breaks'} the budget of ${l}` });
  };
  if (b.maxAccuracyDrop !== undefined && m.nearChance) {
    out.push({ budget: 'maxAccuracyDrop', limit: b.maxAccuracyDrop, measured: null, ok: false, message: `top-1 drop: ${chanceBudgetReason(m.nearChance)}` });
  } else if (b.maxAccuracyDrop !== undefined) {
    const drop = m.floatTop1 !== undefined && m.top1 !== undefined ? m.floatTop1 - m.top1 : undefined;
    add('maxAccuracyDrop', b.maxAccuracyDrop, drop, (v) => v <= b.maxAccuracyDrop! + 1e-9, 'top-1 drop', 'points');
  }
  if (b.minCosine !== undefined) add('minCosine', b.minCosine, m.cosine, (v) => v >= b.minCosine!, 'output cosine', 'cosine');
  if (b.maxSizeBytes !== undefined) add('maxSizeBytes', b.maxSizeBytes, m.sizeBytes, (v) => v <= b.maxSizeBytes!, 'model size', 'bytes');
  if (b.maxLatencyMs !== undefined) add('maxLatencyMs', b.maxLatencyMs, m.latencyMs, (v) => v <= b.maxLatencyMs!, 'median latency', 'ms');
  if (b.maxRamBytes !== undefined) add('maxRamBytes', b.maxRamBytes, m.ramBytes, (v) => v <= b.maxRamBytes!, 'peak RAM', 'bytes');
  if (b.maxFlashBytes !== undefined) add('maxFlashBytes', b.maxFlashBytes, m.flashBytes, (v) => v <= b.maxFlashBytes!, 'flash (the .tflite)', 'bytes');
  if (b.maxArenaBytes !== undefined) add('maxArenaBytes', b.maxArenaBytes, m.arenaBytes, (v) => v <= b.maxArenaBytes!, 'TFLite Micro tensor arena', 'bytes');
  return out;
}

/** A target's flash and arena budgets beside the recipe's: the tighter of the two wins. */
function withTargetBudgets(b: Budgets, t: Target | undefined): Budgets {
  const min = (a: number | undefined, c: number | undefined) => (a === undefined ? c : c === undefined ? a : Math.min(a, c));
  return t ? { ...b, maxFlashBytes: min(b.maxFlashBytes, t.flashBytes), maxArenaBytes: min(b.maxArenaBytes, t.arenaBytes) } : b;
}

type Unit = 'points' | 'cosine' | 'bytes' | 'ms';

/** A measured figure and its budget in the units of core/base/units.ts. */
function show(measured: number, limit: number, unit: Unit): [string, string] {
  if (unit === 'bytes') return formatBytesPair(measured, limit);
  if (unit === 'cosine') return [formatCloseness(measured), formatCloseness(limit)];
  const [m, l] = formatNumberPair(measured, limit);
  return unit === 'points' ? [`${m} points`, `${l} points`] : [`${m} ms`, `${l} ms`];
}
