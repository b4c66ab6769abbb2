import type { RangeTable } from '../quantize/static';
import type { Calibrator } from './calibrator';
import { StreamingHistogram } from './histogram';

/**
 * Range whose clipping threshold minimises the KL divergence between the 2,048-bin |x| histogram
 * and its quantized version (the threshold search TensorRT's entropy calibration popularised).
 */
export class EntropyCalibrator implements Calibrator {
  readonly method = 'entropy';
  private readonly hists = new Map<string, StreamingHistogram>();

  update(tensor: string, values: Float32Array): void {
    let h = this.hists.get(tensor);
    if (!h) this.hists.set(tensor, (h = new StreamingHistogram(true)));
    h.add(values);
  }

  ranges(): RangeTable {
    const out: RangeTable = {};
    for (const [name, h] of this.hists) {
      if (h.total === 0) continue;
      // Non-negative tensors (after Relu) use all 256 uint8 levels; signed ones 128 per side.
      const levels = h.min >= 0 ? 256 : 128;
      const t = klThreshold(h.counts, levels) * h.binWidth;
      out[name] = h.min >= 0 ? { min: 0, max: Math.min(h.max, t) } : { min: Math.max(h.min, -t), max: Math.min(h.max, t) };
    }
    return out;
  }
}

const EPS = 1e-10;

/**
 * The clipping point, in bins, with the smallest KL(P || Q): for each candidate i, P is the
 * histogram up to i with the clipped tail added to its last bin, Q is the first i bins merged into
 * `levels` buckets and spread back uniformly over each bucket's non-empty bins. Candidates are
 * searched every 16 bins, then bin by bin around the best (the KL curve is smooth at that scale).
 */
export function klThreshold(hist: Float64Array, levels: number): number {
  const bins = hist.length;
  if (bins <= levels) return bins;
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return bins;
  // suffix[i]: mass in bins i.. (the tail clipped at i); prefix sums give each bucket's mass and
  // non-empty bin count in O(1).
  const suffix = new Float64Array(bins + 1);
  for (let i = bins - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + hist[i];
  const nonzero = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) nonzero[i + 1] = nonzero[i] + (hist[i] !== 0 ? 1 : 0);
  const kl = (i: number): number => divergence(hist, suffix, nonzero, total, i, levels);
  const coarse = 16;
  let best = bins;
  let bestKl = kl(bins);
  for (let i = levels; i < bins; i += coarse) {
    const d = kl(i);
    if (d < bestKl) { bestKl = d; best = i; }
  }
  for (let i = Math.max(levels, best - coarse); i <= Math.min(bins, best + coarse); i++) {
    const d = kl(i);
    if (d < bestKl) { bestKl = d; best = i; }
  }
  return best + 0.5;
}

/**
 * KL(P || Q) for threshold i in one pass: P = hist[0..i) with the tail in its last bin (sum =
 * total); Q spreads each bucket's mass evenly over its non-empty bins (sum = total - tail).
 */
function divergence(hist: Float64Array, suffix: Float64Array, nonzero: Float64Array, total: number, i: number, levels: number): number {
  const tail = suffix[i];
  const qTotal = total - tail;
  if (qTotal <= 0) return Infinity;
  const merged = i / levels;
  let kl = 0;
  for (let k = 0; k < levels; k++) {
    const start = Math.floor(k * merged);
    const end = k === levels - 1 ? i : Math.floor((k + 1) * merged);
    const filled = nonzero[end] - nonzero[start];
    const bucket = suffix[start] - suffix[end];
    const q = filled ? bucket / filled / qTotal : 0;
    for (let j = start; j < end; j++) {
      const h = hist[j];
      const pj = (j === i - 1 ? h + tail : h) / total;
      if (pj === 0) continue;
      kl += pj * Math.log(pj / (h !== 0 ? q : EPS));
    }
  }
  return kl;
}
