import type { WeightStats } from './types';

export const HISTOGRAM_BINS = 32;

/** min, max, mean, std, sparsity and a 32-bin histogram; NaNs are skipped, two passes, no allocation per element. */
export function weightStats(data: Float32Array): WeightStats {
  const n = data.length;
  let min = Infinity, max = -Infinity, sum = 0, zeros = 0, count = 0;
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (x !== x) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x === 0) zeros++;
    sum += x;
    count++;
  }
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (count === 0) return { min: 0, max: 0, mean: 0, std: 0, sparsity: 0, histogram: { min: 0, max: 0, counts } };
  const mean = sum / count;
  const finite = Number.isFinite(min) && Number.isFinite(max);
  const width = finite && max > min ? (max - min) / HISTOGRAM_BINS : 0;
  const bins = new Float64Array(HISTOGRAM_BINS);
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (x !== x) continue;
    const d = x - mean;
    sq += d * d;
    if (width > 0) {
      let b = Math.floor((x - min) / width);
      if (b >= HISTOGRAM_BINS) b = HISTOGRAM_BINS - 1;
      bins[b]++;
    } else {
      bins[0]++;
    }
  }
  for (let b = 0; b < HISTOGRAM_BINS; b++) counts[b] = bins[b];
  return { min, max, mean, std: Math.sqrt(sq / count), sparsity: zeros / n, histogram: { min, max, counts } };
}
