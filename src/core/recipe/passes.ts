/**
 * The passes a recipe can name, each the pass of the job the CLI runs, with the CLI's option
 * names (schema.ts PASS_OPTIONS): `quantize` is quantizeModel, `prune` is pruneModel,
 * `mixed-precision` is searchMixedPrecision. Per-node overrides become each pass's exclude list:
 * a node the recipe keeps in another precision is left alone by this pass.
 */
import type { Model } from '../formats/onnx/model';
import { nodeIds } from '../formats/onnx/node-id';
import { nodeLabel, type NodeSelection } from '../passes/common';
import { loadDataset } from '../runtime/data';
import type { MetricKind } from '../analysis/scorer';
import type { LayerDecision } from '../analysis/mixed-precision';
import { quantizeModel, type QuantizeSettings } from '../jobs/quantize';
import { pruneModel } from '../jobs/prune';
import { searchMixedPrecision } from '../jobs/mixed-precision';
import type { Precision } from './schema';
import type { PassContext, PassRunner } from './run';
import { distillPass, finetunePass } from './train-passes';
import type { NearChance } from '../analysis/chance';

/** A step's options as validated against PASS_OPTIONS. */
type Options = Record<string, unknown>;

export interface MixedPrecisionPassReport {
  pass: 'mixed-precision';
  /** What the search optimised on the tuning data: top-1 (%) with labels, else output cosine. */
  metric: MetricKind;
  budget: { maxAccuracyDrop?: number; minCosine?: number };
  calibration: string;
  /** Metric of the float model and of the result on the tuning data (`data`), not the held-out `eval`. */
  tuning: { float: number; result: number; outputCosine: number; withinBudget: boolean };
  /** The float model is at chance on the tuning data: the search's accuracy figures mean nothing. */
  nearChance?: NearChance;
  int8Layers: number;
  floatLayers: number;
  /** Every quantizable layer's final precision and why. */
  decisions: LayerDecision[];
  /** Builds evaluated by the search. */
  evaluations: number;
  /** Latency-aware runs: the timed candidates and the one kept. */
  candidates?: { name: string; latencyMs: number; withinBudget: boolean }[];
  chosen?: string;
}

/** Node names (pass selections go by `nodeLabel`) of a recipe's node ids, looked up in `model`, then in the float model. */
function labelsOf(ids: string[], model: Model, ctx: PassContext): string[] {
  const lookup = (m: Model) => {
    const map = new Map<string, string>();
    const list = nodeIds(m.graph.nodes);
    m.graph.nodes.forEach((n, i) => map.set(list[i], nodeLabel(n)));
    return map;
  };
  const here = lookup(model);
  const base = model === ctx.floatModel ? here : lookup(ctx.floatModel);
  return ids.map((id) => here.get(id) ?? base.get(id) ?? id);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Nodes the overrides keep out of `precision`. */
const keptOut = (ctx: PassContext, precision: Precision) => Object.entries(ctx.overrides).filter(([, o]) => o.precision !== precision).map(([id]) => id);

/** The step's include/exclude options plus every node the overrides keep out of `precision`. */
function selection(model: Model, o: Options, ctx: PassContext, precision: Precision): NodeSelection {
  const includeNodes = strings(o.includeNode);
  return {
    includeOps: strings(o.includeOp), excludeOps: strings(o.excludeOp),
    includeNodes: includeNodes.length ? labelsOf(includeNodes, model, ctx) : undefined,
    excludeNodes: labelsOf([...strings(o.excludeNode), ...keptOut(ctx, precision)], model, ctx),
  };
}

const quantize: PassRunner = async (model, o, ctx) => {
  const mode = (o.mode as QuantizeSettings['mode'] | undefined) ?? 'static';
  const settings: QuantizeSettings = {
    ...selection(model, o, ctx, mode === 'fp16' ? 'fp16' : 'int8'),
    mode, calibration: o.calibration as QuantizeSettings['calibration'], percentile: o.percentile as number | undefined,
    movingAverage: o.movingAverage as boolean | undefined, perChannel: o.perChannel as boolean | undefined,
    activationType: o.activationType as QuantizeSettings['activationType'], dynamicForm: o.form as QuantizeSettings['dynamicForm'],
    blockSize: o.blockSize as number | undefined, symmetric: o.asymmetric === undefined ? undefined : !o.asymmetric,
    accuracyLevel: o.accuracyLevel as number | undefined, keepIoTypes: o.fp16Io === undefined ? undefined : !o.fp16Io,
    signal: ctx.signal, progress: ctx.progress,
  };
  const src = ctx.dataSource;
  if (mode === 'static' && !src) throw new Error(`${model.label}: static quantization needs calibration data (the recipe's "data")`);
  const calib = mode === 'static' && src ? await loadDataset(model, src.file, src.options) : undefined;
  const { model: out, report } = await quantizeModel(model, settings, calib);
  return { model: out, report };
};

const prune: PassRunner = async (model, o, ctx) => pruneModel(model, {
  method: (o.method as 'magnitude' | 'channel' | undefined) ?? 'magnitude', sparsity: o.sparsity as number,
  scope: o.perLayer ? 'per-layer' : 'global', allLayers: o.allLayers as boolean | undefined, norm: o.norm as 'l1' | 'l2' | undefined,
  exclude: labelsOf(strings(o.excludeNode), model, ctx), signal: ctx.signal, progress: (m) => ctx.progress(m),
});

/** The accuracy budget the search aims at: the step's own options, else the recipe's budgets. */
function budgetOf(o: Options, ctx: PassContext): { maxAccuracyDrop?: number; minCosine?: number } {
  const own = { maxAccuracyDrop: o.maxAccuracyDrop as number | undefined, minCosine: o.minCosine as number | undefined };
  if (own.maxAccuracyDrop !== undefined || own.minCosine !== undefined) return own;
  return { maxAccuracyDrop: ctx.budgets.maxAccuracyDrop, minCosine: ctx.budgets.minCosine };
}

/**
 * Static INT8 with the most harmful layers returned to float until the budget holds on the
 * recipe's `data` (the recipe's budgets are checked afterwards on `eval`). Layers the recipe keeps
 * out of INT8 (overrides, `excludeNode`, outside `includeNode`) are float from the start.
 */
const mixedPrecisionPass: PassRunner = async (model, o, ctx) => {
  const src = ctx.dataSource;
  if (!src || !ctx.data) throw new Error(`${model.label}: mixed-precision calibrates and tunes on the recipe's "data"; the recipe has none`);
  const budget = budgetOf(o, ctx);
  if (budget.maxAccuracyDrop === undefined && budget.minCosine === undefined) {
    throw new Error('mixed-precision needs an accuracy budget: "maxAccuracyDrop" or "minCosine" in its options or in the recipe\'s budgets');
  }
  if (budget.maxAccuracyDrop !== undefined && !ctx.data.labels) throw new Error('mixed-precision with maxAccuracyDrop needs labels in the recipe\'s "data"');
  const metric: MetricKind = budget.maxAccuracyDrop !== undefined ? 'top1' : 'cosine';
  const calib = await loadDataset(model, src.file, src.options);
  const include = new Set(strings(o.includeNode));
  const exclude = new Set(strings(o.excludeNode));
  const mp = await searchMixedPrecision(model, calib, ctx.data, {
    budget: { maxDrop: budget.maxAccuracyDrop, minOutputCosine: budget.minCosine }, metric,
    perChannel: o.perChannel as boolean | undefined, activationType: o.activationType as 'uint8' | 'int8' | undefined,
    latencyAware: o.latencyAware as boolean | undefined, signal: ctx.signal, progress: ctx.progress,
    fixed: (l) => {
      const override = ctx.overrides[l]?.precision;
      if (override) return override === 'int8' ? 'int8' : 'float';
      return exclude.has(l) || (include.size > 0 && !include.has(l)) ? 'float' : undefined;
    },
  });
  const floats = mp.decisions.filter((d) => d.precision === 'float').length;
  const report: MixedPrecisionPassReport = {
    pass: 'mixed-precision', metric, budget, calibration: calib.description,
    tuning: { float: mp.float.value, result: mp.score.value, outputCosine: mp.score.outputCosine, withinBudget: mp.withinBudget },
    nearChance: mp.float.nearChance,
    int8Layers: mp.decisions.length - floats, floatLayers: floats, decisions: mp.decisions, evaluations: mp.evaluations,
    candidates: mp.candidates, chosen: mp.chosen,
  };
  return { model: mp.quantized.model, report };
};

export const RECIPE_PASSES: Record<string, PassRunner> = {
  quantize, prune, 'mixed-precision': mixedPrecisionPass, finetune: finetunePass, distill: distillPass,
};
