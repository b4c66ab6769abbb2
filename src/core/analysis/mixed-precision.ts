/**
 * Automatic mixed precision: start from everything quantized except the layers whose INT8 kernel
 * is slower than float, then return layers to float, most harmful first, until the metric is
 * within budget. The search over "how many of the most harmful layers go back" is a binary
 * search (the metric is close to monotonic in that count), then confirmed by a final build.
 */
import type { Model } from '../formats/onnx/model';
import type { LayerQuantizer, QuantizedModel } from './quantizer';
import type { Score, Scorer } from './scorer';
import type { LayerLatency } from './latency-gain';
import { compareTimes, type Timed } from './noise';
import { defaultHarmKey, harmOrder, type HarmKey, type LayerSensitivity } from './sensitivity';
import { formatDb, formatMicros, formatNumber } from '../base/units';

export type LayerPrecision = 'int8' | 'float';

export interface LayerDecision {
  layer: string;
  precision: LayerPrecision;
  reason: 'int8-slower' | 'harmful' | 'within-budget' | 'forced-float' | 'forced-int8';
  /** Human-readable why, with the numbers behind it. */
  detail: string;
  /** Position in the harm order (0 = most harmful), when sensitivity was measured. */
  harmRank?: number;
  gainUs?: number;
}

export interface AccuracyBudget {
  /** Largest allowed drop from the float metric, in the metric's units (points for top-1). */
  maxDrop?: number;
  /** Smallest allowed metric value (e.g. cosine 0.999). */
  minValue?: number;
  /** Smallest allowed output cosine against the float model, whatever the metric. */
  minOutputCosine?: number;
}

export interface MixedPrecisionOptions {
  budget: AccuracyBudget;
  /** Per-layer latency gains; layers where INT8 is slower beyond the noise (verdict 'slower') start (and stay) in float. */
  latency?: readonly LayerLatency[];
  /** Overrides from a recipe: always float / always INT8. */
  forceFloat?: readonly string[];
  forceInt8?: readonly string[];
  /** Minimum saving (µs) for a layer to count as faster in INT8 (default 0). */
  minGainUs?: number;
  onProgress?: (message: string) => void;
  /** Default: `defaultHarmKey` of the scorer's metric. */
  rankBy?: HarmKey;
  /**
   * Measures a model's latency (ms). When given with `latency`, the latency-aware result is kept
   * only if it measures faster than the accuracy-only search (INT8 wherever the budget allows)
   * and than the float model: per-layer profiles are noisy and conversions between float and
   * INT8 layers cost time no single layer's profile shows.
   */
  latencyOf?: (model: Model) => Promise<Timed>;
}

export interface MixedPrecisionResult {
  float: Score;
  /** The metric of the final model on the tuning data. */
  score: Score;
  withinBudget: boolean;
  decisions: LayerDecision[];
  int8Layers: string[];
  quantized: QuantizedModel;
  /** Builds evaluated during the search. */
  evaluations: number;
  /** Measured latency (ms) of each candidate when `latencyOf` was given, and which one won. */
  candidates?: { name: 'latency-aware' | 'accuracy-only' | 'float'; latencyMs: number; spreadMs: number; withinBudget: boolean }[];
  chosen?: 'latency-aware' | 'accuracy-only' | 'float';
}

/** Whether `score` keeps the budget; an accuracy budget never holds when the float model is at chance on the data. */
export function meetsBudget(float: Score, score: Score, budget: AccuracyBudget): boolean {
  if (budget.maxDrop !== undefined && (float.nearChance || float.value - score.value > budget.maxDrop + 1e-9)) return false;
  if (budget.minValue !== undefined && score.value < budget.minValue) return false;
  if (budget.minOutputCosine !== undefined && score.outputCosine < budget.minOutputCosine) return false;
  return true;
}

export async function mixedPrecision(
  quantizer: LayerQuantizer, scorer: Scorer, float: Score, sensitivity: readonly LayerSensitivity[], options: MixedPrecisionOptions,
): Promise<MixedPrecisionResult> {
  const aware = await search(quantizer, scorer, float, sensitivity, options);
  if (!options.latencyOf || !options.latency?.length) return aware;
  const plain = await search(quantizer, scorer, float, sensitivity, { ...options, latency: undefined });
  const floatModel: QuantizedModel = { model: (await quantizer.build(new Set())).model, tensorMap: {} };
  const options3: [NonNullable<MixedPrecisionResult['chosen']>, MixedPrecisionResult | undefined, QuantizedModel][] = [
    ['latency-aware', aware, aware.quantized], ['accuracy-only', plain, plain.quantized], ['float', undefined, floatModel],
  ];
  const candidates: NonNullable<MixedPrecisionResult['candidates']> = [];
  for (const [name, result, q] of options3) {
    options.onProgress?.(`timing the ${name} candidate`);
    const t = await options.latencyOf(q.model);
    candidates.push({ name, latencyMs: t.median, spreadMs: t.spread, withinBudget: result ? result.withinBudget : true });
  }
  // In the order above, a later candidate wins only when it is faster beyond the run-to-run noise (noise.ts).
  const timedOf = (c: (typeof candidates)[number]) => ({ median: c.latencyMs, spread: c.spreadMs });
  const best = candidates.filter((c) => c.withinBudget).reduce<(typeof candidates)[number] | undefined>(
    (b, c) => (!b || compareTimes(timedOf(c), timedOf(b)).verdict === 'faster' ? c : b), undefined) ?? candidates[0];
  const evaluations = aware.evaluations + plain.evaluations;
  if (best.name === 'latency-aware') return { ...aware, evaluations, candidates, chosen: best.name };
  if (best.name === 'accuracy-only') return { ...plain, evaluations, candidates, chosen: best.name };
  return {
    float, score: float, withinBudget: true, int8Layers: [], quantized: floatModel, evaluations, candidates, chosen: 'float',
    decisions: quantizer.layers.map((layer) => ({ layer, precision: 'float', reason: 'int8-slower', detail: 'the float model measured faster beyond the run-to-run noise' })),
  };
}

async function search(
  quantizer: LayerQuantizer, scorer: Scorer, float: Score, sensitivity: readonly LayerSensitivity[], options: MixedPrecisionOptions,
): Promise<MixedPrecisionResult> {
  const forceFloat = new Set(options.forceFloat ?? []);
  const forceInt8 = new Set(options.forceInt8 ?? []);
  const gains = new Map((options.latency ?? []).map((l) => [l.layer, l]));
  const minGain = options.minGainUs ?? 0;
  const decisions = new Map<string, LayerDecision>();
  const candidates: string[] = [];
  for (const layer of quantizer.layers) {
    const g = gains.get(layer);
    if (forceFloat.has(layer)) decisions.set(layer, { layer, precision: 'float', reason: 'forced-float', detail: 'kept in float by the recipe' });
    else if (forceInt8.has(layer)) decisions.set(layer, { layer, precision: 'int8', reason: 'forced-int8', detail: 'kept in INT8 by the recipe' });
    // A layer goes to float for speed only when INT8 is slower beyond the run-to-run noise (noise.ts).
    else if (g && g.gainUs < minGain && (g.verdict === 'slower' || g.gainUs >= 0)) {
      decisions.set(layer, {
        layer, precision: 'float', reason: 'int8-slower', gainUs: g.gainUs,
        detail: `INT8 is slower here (${formatMicros(g.int8Us)} vs ${formatMicros(g.floatUs)} float, beyond the ${formatMicros(g.noiseUs)} run-to-run noise)`,
      });
    } else candidates.push(layer);
  }
  const key = options.rankBy ?? defaultHarmKey(scorer.metric);
  const harm = harmOrder(sensitivity.filter((s) => candidates.includes(s.layer)), key);
  const rankOf = new Map(harm.map((s, i) => [s.layer, i]));
  // Layers without a sensitivity measurement go last (returned to float only after measured ones).
  const ordered = [...harm.map((s) => s.layer), ...candidates.filter((l) => !rankOf.has(l))];
  const fixedInt8 = [...forceInt8].filter((l) => quantizer.layers.includes(l));
  const cache = new Map<number, { q: QuantizedModel; score: Score }>();
  let evaluations = 0;
  const tryPrefix = async (k: number): Promise<{ q: QuantizedModel; score: Score }> => {
    const hit = cache.get(k);
    if (hit) return hit;
    const int8 = new Set([...fixedInt8, ...ordered.slice(k)]);
    const q = await quantizer.build(int8);
    const score = await scorer.score(q.model);
    evaluations++;
    options.onProgress?.(`${k} most harmful layer(s) in float: ${score.metric} ${formatNumber(score.value, 4)}`);
    const entry = { q, score };
    cache.set(k, entry);
    return entry;
  };
  let best = ordered.length;
  if (meetsBudget(float, (await tryPrefix(0)).score, options.budget)) best = 0;
  else {
    // Smallest k in (0, n] whose build meets the budget; k = n (all candidates float) is the fallback.
    let lo = 0, hi = ordered.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (meetsBudget(float, (await tryPrefix(mid)).score, options.budget)) hi = mid;
      else lo = mid;
    }
    best = hi;
  }
  const final = await tryPrefix(best);
  ordered.forEach((layer, i) => {
    const s = harm[rankOf.get(layer) ?? -1];
    const why = s ? `alone it costs ${formatNumber(s.drop)} ${scorer.metric}${keyFigure(s, key)}, float recovers ${formatNumber(s.recovery)}` : 'not measured';
    decisions.set(layer, i < best
      ? { layer, precision: 'float', reason: 'harmful', harmRank: rankOf.get(layer), gainUs: gains.get(layer)?.gainUs, detail: `returned to float (harm rank ${i + 1}: ${why})` }
      : { layer, precision: 'int8', reason: 'within-budget', harmRank: rankOf.get(layer), gainUs: gains.get(layer)?.gainUs, detail: `INT8 within budget (${why})` });
  });
  const int8Layers = quantizer.layers.filter((l) => decisions.get(l)?.precision === 'int8');
  return {
    float, score: final.score, withinBudget: meetsBudget(float, final.score, options.budget),
    decisions: quantizer.layers.map((l) => decisions.get(l)!), int8Layers, quantized: final.q, evaluations,
  };
}

/** The figure the harm order ranked by, when it is not the metric itself. */
function keyFigure(s: LayerSensitivity, key: HarmKey): string {
  if (key === 'kl') return `, output KL ${s.onlyQuantized.outputKl.toExponential(1)}`;
  if (key === 'sqnr') return `, output SQNR ${formatDb(s.onlyQuantized.outputSqnrDb)}`;
  return '';
}
