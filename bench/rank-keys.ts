/**
 * Compares ranking keys for single-layer harm on many random splits of one labelled set: each key
 * is measured on a small "tuning" part (as the analysis would), the real top-1 drop on the rest.
 * Inputs are the float model's outputs and each single-layer-INT8 model's, [samples, classes].
 */
import { logSoftmaxRow } from '../src/core/analysis/metrics';
import { spearman, overlap } from './rank-stats';

/** 'top1>kl': top-1 drop first where it is clearly real on the tuning part (McNemar z > 3), then KL. */
export const RANK_KEYS = ['kl', 'sqnr', 'top1', 'loss', 'ptrue', 'top1>kl'] as const;
export type RankKey = (typeof RANK_KEYS)[number];

/** Per-sample quantities of one layer's model against the float model. */
interface PerSample { kl: Float64Array; loss: Float64Array; ptrue: Float64Array; noise: Float64Array; lost: Uint8Array; gained: Uint8Array }

export interface KeyResult { key: RankKey; spearman: number; stderr: number; topK: number }

function perSample(ref: Float32Array, test: Float32Array, labels: ArrayLike<number>, classes: number): PerSample {
  const n = labels.length;
  const s: PerSample = {
    kl: new Float64Array(n), loss: new Float64Array(n), ptrue: new Float64Array(n), noise: new Float64Array(n),
    lost: new Uint8Array(n), gained: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const lf = logSoftmaxRow(ref, i, classes), lq = logSoftmaxRow(test, i, classes);
    let kl = 0, noise = 0, bf = 0, bq = 0;
    for (let c = 0; c < classes; c++) {
      kl += Math.exp(lf[c]) * (lf[c] - lq[c]);
      noise += (ref[i * classes + c] - test[i * classes + c]) ** 2;
      if (lf[c] > lf[bf]) bf = c;
      if (lq[c] > lq[bq]) bq = c;
    }
    const y = Number(labels[i]);
    s.kl[i] = kl; s.noise[i] = noise;
    s.loss[i] = lf[y] - lq[y];
    s.ptrue[i] = Math.exp(lf[y]) - Math.exp(lq[y]);
    s.lost[i] = bf === y && bq !== y ? 1 : 0;
    s.gained[i] = bq === y && bf !== y ? 1 : 0;
  }
  return s;
}

/**
 * Mean Spearman (with its standard error) and mean top-k overlap with the truth of every key, over
 * `splits` random draws of `tuneSize` samples for the keys and the remaining samples for the truth.
 */
export function compareRankKeys(
  ref: Float32Array, layers: ReadonlyMap<string, Float32Array>, labels: ArrayLike<number>, k: number, splits = 40, tuneSize = 500,
): KeyResult[] {
  const n = labels.length, classes = ref.length / n;
  const names = [...layers.keys()];
  const stats = names.map((l) => perSample(ref, layers.get(l)!, labels, classes));
  const signal = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let c = 0; c < classes; c++) signal[i] += ref[i * classes + c] ** 2;
  let seed = 12345;
  const rand = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
  const rho = Object.fromEntries(RANK_KEYS.map((k) => [k, [] as number[]])) as Record<RankKey, number[]>;
  const top = Object.fromEntries(RANK_KEYS.map((k) => [k, [] as number[]])) as Record<RankKey, number[]>;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < splits; r++) {
    for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    const tune = order.slice(0, tuneSize), rest = order.slice(tuneSize);
    const sum = (a: ArrayLike<number>, idx: number[]) => idx.reduce((t, i) => t + a[i], 0);
    const truth = stats.map((s) => sum(s.lost, rest) - sum(s.gained, rest));
    const sig = sum(signal, tune);
    const noiseDb = stats.map((s) => 10 * Math.log10(sum(s.noise, tune) / sig));
    const kl = stats.map((s) => sum(s.kl, tune));
    const lost = stats.map((s) => sum(s.lost, tune)), gained = stats.map((s) => sum(s.gained, tune));
    const z = lost.map((l, i) => (l + gained[i] ? (l - gained[i]) / Math.sqrt(l + gained[i]) : 0));
    const harm: Record<RankKey, number[]> = {
      kl,
      sqnr: noiseDb,
      top1: lost.map((l, i) => l - gained[i]),
      'top1>kl': kl.map((x, i) => (z[i] > 3 ? 1e6 * (lost[i] - gained[i]) : 0) + x),
      loss: stats.map((s) => sum(s.loss, tune)),
      ptrue: stats.map((s) => sum(s.ptrue, tune)),
    };
    const truthTop = names.map((_, i) => i).sort((a, b) => truth[b] - truth[a]).slice(0, k).map((i) => names[i]);
    for (const key of RANK_KEYS) {
      const h = harm[key];
      rho[key].push(spearman(h, truth));
      // Ties (top-1 drops move in whole samples) go to output SQNR, as in harmOrder.
      const predicted = names.map((_, i) => i).sort((a, b) => h[b] - h[a] || noiseDb[b] - noiseDb[a]).slice(0, k).map((i) => names[i]);
      top[key].push(overlap(predicted, truthTop));
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return RANK_KEYS.map((key) => {
    const xs = rho[key].filter(Number.isFinite), m = mean(xs);
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(xs.length - 1, 1));
    return { key, spearman: m, stderr: sd / Math.sqrt(xs.length), topK: mean(top[key]) };
  });
}
