/**
 * The recipe's `mixed-precision` pass: static INT8 calibrated on the recipe's `data`, then the
 * most harmful layers returned to float until the accuracy budget holds on that same data (the
 * search of analysis/mixed-precision.ts). The recipe's budgets are checked afterwards on `eval`.
 * Layers the recipe keeps out of INT8 (overrides, `exclude`, outside `include`) are float from
 * the start; latency-aware runs also keep the layers whose INT8 kernel is slower here in float.
 */
import { loadDataset, type Dataset } from '../runtime/data';
import { StaticLayerQuantizer } from '../analysis/static-quantizer';
import { Scorer, type MetricKind } from '../analysis/scorer';
import { sensitivity } from '../analysis/sensitivity';
import { mixedPrecision, type AccuracyBudget, type LayerDecision } from '../analysis/mixed-precision';
import { latencyProbe } from '../analysis/latency-probe';
import type { PassContext, PassRunner } from './run';

export interface MixedPrecisionPassReport {
  pass: 'mixed-precision';
  /** What the search optimised on the tuning data: top-1 (%) with labels, else output cosine. */
  metric: MetricKind;
  budget: { maxAccuracyDrop?: number; minCosine?: number };
  calibration: string;
  /** Metric of the float model and of the result on the tuning data (`data`), not the held-out `eval`. */
  tuning: { float: number; result: number; outputCosine: number; withinBudget: boolean };
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

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The first `n` samples of a dataset. */
function firstSamples(ds: Dataset, n: number | undefined): Dataset {
  if (n === undefined || n >= ds.count) return ds;
  return {
    description: `${ds.description} (first ${n})`, count: n, synthetic: ds.synthetic, maxBatch: ds.maxBatch, fixedBatch: ds.fixedBatch,
    batch: (start, k) => ds.batch(start, Math.min(k, n - start)),
    gather: (indices) => ds.gather(indices),
  };
}

/** The accuracy budget the search aims at: the pass's own options, else the recipe's budgets. */
function budgetOf(o: Record<string, unknown>, ctx: PassContext): { maxAccuracyDrop?: number; minCosine?: number } {
  const own = { maxAccuracyDrop: o.maxAccuracyDrop as number | undefined, minCosine: o.minCosine as number | undefined };
  if (own.maxAccuracyDrop !== undefined || own.minCosine !== undefined) return own;
  return { maxAccuracyDrop: ctx.budgets.maxAccuracyDrop, minCosine: ctx.budgets.minCosine };
}

export const mixedPrecisionPass: PassRunner = async (model, o, ctx) => {
  const src = ctx.dataSource;
  if (!src || !ctx.data) throw new Error(`${model.label}: mixed-precision calibrates and tunes on the recipe's "data"; the recipe has none`);
  const budget = budgetOf(o, ctx);
  if (budget.maxAccuracyDrop === undefined && budget.minCosine === undefined) {
    throw new Error('mixed-precision needs an accuracy budget: "maxAccuracyDrop" or "minCosine" in its options or in the recipe\'s budgets');
  }
  if (budget.maxAccuracyDrop !== undefined && !ctx.data.labels) throw new Error('mixed-precision with maxAccuracyDrop needs labels in the recipe\'s "data"');
  const metric: MetricKind = budget.maxAccuracyDrop !== undefined ? 'top1' : 'cosine';
  const target: AccuracyBudget = { maxDrop: budget.maxAccuracyDrop, minOutputCosine: budget.minCosine };

  const calib = firstSamples(await loadDataset(model, src.file, { scale: src.scale }), src.count);
  ctx.progress(`calibrating on ${calib.description}`);
  const quantizer = await StaticLayerQuantizer.create(model, calib, { perChannel: o.perChannel as boolean | undefined });
  const include = new Set(strings(o.include));
  const exclude = new Set(strings(o.exclude));
  const forceFloat = quantizer.layers.filter((l) => exclude.has(l) || (include.size > 0 && !include.has(l)) || (ctx.overrides[l] && ctx.overrides[l].precision !== 'int8'));
  const forceInt8 = quantizer.layers.filter((l) => ctx.overrides[l]?.precision === 'int8');
  const fixed = new Set([...forceFloat, ...forceInt8]);

  const scorer = new Scorer(model, ctx.data, metric);
  const float = await scorer.score(model);
  const free = quantizer.layers.filter((l) => !fixed.has(l));
  const sens = await sensitivity(quantizer, scorer, float, {
    layers: free,
    onProgress: (d, n) => { if (d === n || d % 10 === 0) ctx.progress(`sensitivity ${d}/${n} layers`); },
  });
  const latency = o.latencyAware ? await latencyProbe(model, quantizer, { progress: ctx.progress }) : undefined;
  try {
    const mp = await mixedPrecision(quantizer, scorer, float, sens.layers, {
      budget: target, forceFloat, forceInt8, latency: latency?.latency, latencyOf: latency?.latencyOf, onProgress: ctx.progress,
    });
    const floats = mp.decisions.filter((d) => d.precision === 'float').length;
    const report: MixedPrecisionPassReport = {
      pass: 'mixed-precision', metric, budget, calibration: calib.description,
      tuning: { float: float.value, result: mp.score.value, outputCosine: mp.score.outputCosine, withinBudget: mp.withinBudget },
      int8Layers: mp.decisions.length - floats, floatLayers: floats, decisions: mp.decisions, evaluations: mp.evaluations,
      candidates: mp.candidates, chosen: mp.chosen,
    };
    return { model: mp.quantized.model, report };
  } finally {
    latency?.dispose();
  }
};
