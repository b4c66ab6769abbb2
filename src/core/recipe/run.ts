/**
 * Applying a recipe: validate it against the model, run its passes in order, write the result,
 * and check every budget on the held-out data. Passes and the latency/RAM measurement come in
 * from outside (a registry and a callback), so this module owns only the order of things.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import { loadModel, saveModel } from '../formats/onnx/io';
import { OUTPUT_TAGS, siblingPath } from '../jobs/job';
import { encodeModelProto } from '../formats/onnx/codec';
import { evalSetOf, Scorer, type EvalSet } from '../analysis/scorer';
import { loadDataset } from '../runtime/data';
import { modelFacts, validateRecipe, type RecipeProblem } from './validate';
import { recipeFormat } from './tree';
import type { Budgets, Recipe, RecipeData } from './schema';

export interface PassContext {
  /** The model the recipe started from. */
  floatModel: Model;
  /** Calibration / tuning data, when the recipe names some. */
  data?: EvalSet;
  /** The calibration data file (absolute) and its preprocessing, for passes that stream it themselves. */
  dataSource?: { file: string; scale?: number; count?: number };
  /** The recipe's per-node precision overrides. */
  overrides: NonNullable<Recipe['overrides']>;
  budgets: Budgets;
  progress: (message: string) => void;
}

export type PassRunner = (model: Model, options: Record<string, unknown>, ctx: PassContext) => Promise<{ model: Model; report: unknown }>;

export interface Measured {
  sizeBytes: number;
  floatTop1?: number;
  top1?: number;
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
}

export class RecipeError extends Error {
  constructor(message: string, readonly problems: RecipeProblem[] = []) {
    super(message);
  }
}

/** Loads and validates a recipe file (JSON or YAML) and its model; throws RecipeError on the first error. */
export function loadRecipe(file: string): { recipe: Recipe; model: Model; problems: RecipeProblem[]; dir: string } {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    throw new RecipeError(`${abs}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`);
  }
  const dir = path.dirname(abs);
  const format = recipeFormat(abs);
  const first = validateRecipe(text, undefined, format);
  const fail = (problems: RecipeProblem[]) => {
    const e = problems.find((p) => p.severity === 'error')!;
    return new RecipeError(`${abs}:${e.line + 1}:${e.column + 1}: ${e.message}`, problems);
  };
  if (!first.recipe) throw fail(first.problems);
  const model = loadModel(path.resolve(dir, first.recipe.model));
  const checked = validateRecipe(text, modelFacts(model), format);
  if (!checked.recipe) throw fail(checked.problems);
  return { recipe: checked.recipe, model, problems: checked.problems, dir };
}

async function evalSet(model: Model, dir: string, d: RecipeData | undefined): Promise<EvalSet | undefined> {
  if (!d) return undefined;
  return evalSetOf(await loadDataset(model, path.resolve(dir, d.inputs), { scale: d.scale, count: d.count, batch: 100 }, d.labels && path.resolve(dir, d.labels)));
}

export async function runRecipe(file: string, options: RunRecipeOptions): Promise<RecipeRunReport> {
  const progress = options.progress ?? (() => {});
  const { recipe, model: floatModel, problems, dir } = loadRecipe(file);
  const tuning = await evalSet(floatModel, dir, recipe.data);
  const held = (await evalSet(floatModel, dir, recipe.eval)) ?? tuning;
  const dataSource = recipe.data ? { file: path.resolve(dir, recipe.data.inputs), scale: recipe.data.scale, count: recipe.data.count } : undefined;
  const ctx: PassContext = { floatModel, data: tuning, dataSource, overrides: recipe.overrides ?? {}, budgets: recipe.budgets ?? {}, progress };
  let model = floatModel;
  const passes: RecipeRunReport['passes'] = [];
  for (const step of recipe.passes) {
    const runner = options.passes[step.pass];
    if (!runner) throw new RecipeError(`${path.resolve(file)}: pass '${step.pass}' is not available in this build`);
    progress(`running ${step.pass}`);
    let out;
    try {
      out = await runner(model, step.options ?? {}, ctx);
    } catch (e) {
      throw new RecipeError(`${path.resolve(file)}: pass ${passes.length + 1} (${step.pass}): ${(e as Error).message}`);
    }
    model = out.model;
    passes.push({ pass: step.pass, report: out.report });
  }
  let output: string | null = null;
  const outFile = path.resolve(dir, recipe.output ?? siblingPath(recipe.model, OUTPUT_TAGS.recipe));
  if (options.write !== false) {
    if (outFile === floatModel.label) throw new RecipeError(`${outFile}: the output would overwrite the recipe's model`);
    output = saveModel(model, outFile, { overwrite: options.force }).file;
  }
  const measured: Measured = { sizeBytes: output ? fs.statSync(output).size : encodeModelProto(model.proto).length };
  const budgets = recipe.budgets ?? {};
  if (held && (budgets.maxAccuracyDrop !== undefined || budgets.minCosine !== undefined)) {
    progress('checking accuracy on the held-out data');
    if (held.labels) {
      const scorer = new Scorer(floatModel, held, 'top1');
      measured.floatTop1 = (await scorer.score(floatModel)).value;
      const s = await scorer.score(model);
      measured.top1 = s.value;
      measured.cosine = s.outputCosine;
    } else {
      measured.cosine = (await new Scorer(floatModel, held, 'cosine').score(model)).value;
    }
  }
  if (options.measure && (budgets.maxLatencyMs !== undefined || budgets.maxRamBytes !== undefined)) {
    progress('measuring latency and memory');
    Object.assign(measured, await options.measure(model, output ?? outFile));
  }
  const checks = checkBudgets(budgets, measured);
  return { recipe: path.resolve(file), model: floatModel.label, output, problems, passes, measured, budgets: checks, ok: checks.every((c) => c.ok) };
}

/** Every budget against what was measured; a budget that could not be measured fails. */
export function checkBudgets(b: Budgets, m: Measured): BudgetCheck[] {
  const out: BudgetCheck[] = [];
  const add = (budget: keyof Budgets, limit: number, measured: number | undefined, ok: (v: number) => boolean, what: string, unit: string) => {
    if (measured === undefined) {
      out.push({ budget, limit, measured: null, ok: false, message: `${what} was not measured (no data or no benchmark), so the ${limit}${unit} budget cannot be shown to hold` });
      return;
    }
    const holds = ok(measured);
    out.push({ budget, limit, measured, ok: holds, message: `${what} ${fmt(measured)}${unit} ${holds ? 'meets' : 'breaks'} the budget of ${limit}${unit}` });
  };
  if (b.maxAccuracyDrop !== undefined) {
    const drop = m.floatTop1 !== undefined && m.top1 !== undefined ? m.floatTop1 - m.top1 : undefined;
    add('maxAccuracyDrop', b.maxAccuracyDrop, drop, (v) => v <= b.maxAccuracyDrop! + 1e-9, 'top-1 drop', ' points');
  }
  if (b.minCosine !== undefined) add('minCosine', b.minCosine, m.cosine, (v) => v >= b.minCosine!, 'output cosine', '');
  if (b.maxSizeBytes !== undefined) add('maxSizeBytes', b.maxSizeBytes, m.sizeBytes, (v) => v <= b.maxSizeBytes!, 'model size', ' bytes');
  if (b.maxLatencyMs !== undefined) add('maxLatencyMs', b.maxLatencyMs, m.latencyMs, (v) => v <= b.maxLatencyMs!, 'median latency', ' ms');
  if (b.maxRamBytes !== undefined) add('maxRamBytes', b.maxRamBytes, m.ramBytes, (v) => v <= b.maxRamBytes!, 'peak RAM', ' bytes');
  return out;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 5 : 2);
}
