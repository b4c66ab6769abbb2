/**
 * Per-layer sensitivity, both ways (as AIMET's QuantAnalyzer does): the metric when only one layer
 * is quantized, and when only that layer is left in float with all others quantized.
 */
import type { LayerQuantizer } from './quantizer';
import type { Score, Scorer } from './scorer';

export interface LayerSensitivity {
  layer: string;
  /** Metric with only this layer in INT8. */
  onlyQuantized: Score;
  /** Metric with every other quantized layer in INT8 and this one in float. */
  onlyFloat: Score;
  /** Float metric minus `onlyQuantized` (points for top-1): the harm this layer does alone. */
  drop: number;
  /** `onlyFloat` minus the all-INT8 metric: what keeping this layer in float recovers. */
  recovery: number;
}

export interface SensitivityReport {
  metric: Score['metric'];
  float: Score;
  allQuantized: Score;
  /** Most harmful first (see `harmOrder`). */
  layers: LayerSensitivity[];
}

export interface SensitivityOptions {
  /** Only these layers (default: all the quantizer offers). */
  layers?: readonly string[];
  /** Skip the 'only this layer in float' half (halves the cost). */
  skipOnlyFloat?: boolean;
  onProgress?: (done: number, total: number, layer: string) => void;
  signal?: AbortSignal;
  rankBy?: HarmKey;
}

/**
 * 'sqnr': the output SQNR the layer leaves when it alone is quantized (continuous, stable on a few
 * hundred samples); 'metric': the metric drop it causes alone (top-1 moves in steps of one sample).
 */
export type HarmKey = 'sqnr' | 'metric';

export async function sensitivity(quantizer: LayerQuantizer, scorer: Scorer, float: Score, options: SensitivityOptions = {}): Promise<SensitivityReport> {
  const layers = options.layers ?? quantizer.layers;
  const all = new Set(quantizer.layers);
  const allQuantized = await scorer.score((await quantizer.build(all)).model);
  const out: LayerSensitivity[] = [];
  const total = layers.length;
  for (const [i, layer] of layers.entries()) {
    options.signal?.throwIfAborted();
    options.onProgress?.(i, total, layer);
    const onlyQuantized = await scorer.score((await quantizer.build(new Set([layer]))).model);
    let onlyFloat = allQuantized;
    if (!options.skipOnlyFloat) {
      const rest = new Set(all);
      rest.delete(layer);
      onlyFloat = await scorer.score((await quantizer.build(rest)).model);
    }
    out.push({ layer, onlyQuantized, onlyFloat, drop: metricDrop(float, onlyQuantized), recovery: -metricDrop(allQuantized, onlyFloat) });
  }
  options.onProgress?.(total, total, '');
  return { metric: scorer.metric, float, allQuantized, layers: harmOrder(out, options.rankBy) };
}

/** How much worse `b` is than `a`, in the metric's own units (for SQNR/cosine too: higher is better). */
export function metricDrop(a: Score, b: Score): number {
  return a.value - b.value;
}

/** Most harmful first, by `key`; ties go to the other key, then to what float recovers. */
export function harmOrder(layers: readonly LayerSensitivity[], key: HarmKey = 'sqnr'): LayerSensitivity[] {
  const bySqnr = (a: LayerSensitivity, b: LayerSensitivity) => a.onlyQuantized.outputSqnrDb - b.onlyQuantized.outputSqnrDb;
  const byDrop = (a: LayerSensitivity, b: LayerSensitivity) => b.drop - a.drop;
  const [first, second] = key === 'sqnr' ? [bySqnr, byDrop] : [byDrop, bySqnr];
  return [...layers].sort((a, b) => first(a, b) || second(a, b) || b.recovery - a.recovery);
}
