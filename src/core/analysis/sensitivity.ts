/**
 * Per-layer sensitivity, both ways (as AIMET's QuantAnalyzer does): the metric when only one layer
 * is quantized, and when only that layer is left in float with all others quantized.
 */
import { throwIfCancelled } from '../base/cancel';
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
  /** Default: `defaultHarmKey` of the scorer's metric. */
  rankBy?: HarmKey;
}

/**
 * What ranks the harm a layer does alone: 'kl', how far it moves the softmax of the outputs from
 * the float model's (mean KL divergence); 'sqnr', the output SQNR it leaves; 'metric', the metric
 * drop it causes (top-1 moves in steps of one sample).
 */
export type HarmKey = 'kl' | 'sqnr' | 'metric';

/**
 * For class decisions (top-1, agreement) rank by KL: scored on 40 random 500-image tuning sets
 * against single-layer top-1 drops on the other 9,000 Fashion-MNIST test images, it came closest
 * on both MobileNet fixtures measured (Spearman 0.58 vs 0.54 output SQNR, 0.53 top-1 drop, 0.42
 * loss; near-lossless model: 0.48 vs 0.42, 0.11, 0.08; bench/analysis.ts fixture). For cosine or
 * SQNR budgets the output SQNR is the metric's own continuous form.
 */
export function defaultHarmKey(metric: Score['metric']): HarmKey {
  return metric === 'top1' || metric === 'agreement' ? 'kl' : 'sqnr';
}

export async function sensitivity(quantizer: LayerQuantizer, scorer: Scorer, float: Score, options: SensitivityOptions = {}): Promise<SensitivityReport> {
  const layers = options.layers ?? quantizer.layers;
  const all = new Set(quantizer.layers);
  const allQuantized = await scorer.score((await quantizer.build(all)).model);
  const out: LayerSensitivity[] = [];
  const total = layers.length;
  for (const [i, layer] of layers.entries()) {
    throwIfCancelled(options.signal);
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
  return { metric: scorer.metric, float, allQuantized, layers: harmOrder(out, options.rankBy ?? defaultHarmKey(scorer.metric)) };
}

/** How much worse `b` is than `a`, in the metric's own units (for SQNR/cosine too: higher is better). */
export function metricDrop(a: Score, b: Score): number {
  return a.value - b.value;
}

type Compare = (a: LayerSensitivity, b: LayerSensitivity) => number;
const BY: Record<HarmKey, Compare> = {
  kl: (a, b) => b.onlyQuantized.outputKl - a.onlyQuantized.outputKl,
  sqnr: (a, b) => a.onlyQuantized.outputSqnrDb - b.onlyQuantized.outputSqnrDb,
  metric: (a, b) => b.drop - a.drop,
};

/** Most harmful first, by `key`; ties go to the metric drop, output SQNR, then what float recovers. */
export function harmOrder(layers: readonly LayerSensitivity[], key: HarmKey = 'sqnr'): LayerSensitivity[] {
  const keys = [BY[key], BY.metric, BY.sqnr];
  return [...layers].sort((a, b) => {
    for (const k of keys) {
      const d = k(a, b);
      if (d) return d;
    }
    return b.recovery - a.recovery;
  });
}
