import { batchMinMax as extremes } from './calibrator';

/** Bins in every calibration histogram. */
export const CALIBRATION_BINS = 2048;

/**
 * A fixed-size histogram that streams: each batch is binned into the current range, and when a
 * batch falls outside it the range grows and the old counts are re-binned (each old bin moves to
 * the new bin holding its centre). Memory is constant in the number of batches.
 * `abs` mode bins |x| over [0, max] and counts exact zeros apart (Relu outputs are mostly zeros,
 * which any zero point represents exactly; in bin 0 they would swamp a KL search); signed mode
 * bins x over [min, max].
 */
export class StreamingHistogram {
  counts: Float64Array;
  lo = 0;
  hi = 0;
  total = 0;
  /** Exact zeros (abs mode only; not in `counts`). */
  zeros = 0;
  /** Extremes of the raw (signed) values seen. */
  min = Infinity;
  max = -Infinity;

  private readonly scratch: Uint32Array;

  constructor(readonly abs: boolean, readonly bins = CALIBRATION_BINS) {
    this.counts = new Float64Array(bins);
    this.scratch = new Uint32Array(bins);
  }

  get binWidth(): number {
    return (this.hi - this.lo) / this.bins;
  }

  /**
   * Adds one batch. Values are binned and their extremes tracked in one pass; only when the batch
   * leaves the current range (the first batches, mostly) does the range grow and the batch get
   * binned again.
   */
  add(values: Float32Array): void {
    if (values.length === 0) return;
    if (this.total === 0) {
      const { min, max } = extremes(values);
      if (!Number.isFinite(min) || !Number.isFinite(max)) return;
      this.lo = this.abs ? 0 : min;
      const hi = this.abs ? Math.max(-min, max) : max;
      this.hi = hi > this.lo ? hi : this.lo + 1e-12;
    }
    let seen = this.binInto(values);
    const lo = this.abs ? 0 : seen.min;
    const hi = this.abs ? Math.max(-seen.min, seen.max) : seen.max;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return;
    if (lo < this.lo || hi > this.hi) {
      this.grow(Math.min(lo, this.lo), Math.max(hi, this.hi));
      seen = this.binInto(values);
    }
    if (seen.min < this.min) this.min = seen.min;
    if (seen.max > this.max) this.max = seen.max;
    const total = this.counts;
    const counts = this.scratch;
    for (let b = 0; b < this.bins; b++) total[b] += counts[b];
    this.zeros += seen.zeros;
    this.total += values.length;
  }

  /** Bins a batch into the scratch counts (clamped to the current range) and returns its extremes. */
  private binInto(values: Float32Array): { min: number; max: number; zeros: number } {
    // Integer increments into a per-batch scratch array are cheaper than float64 adds.
    const counts = this.scratch;
    counts.fill(0);
    const last = this.bins - 1;
    const start = this.lo;
    const inv = this.bins / (this.hi - this.lo);
    let min = Infinity;
    let max = -Infinity;
    let zeros = 0;
    if (this.abs) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v < min) min = v;
        if (v > max) max = v;
        if (v === 0) { zeros++; continue; }
        let b = ((v < 0 ? -v : v) - start) * inv | 0;
        if (b > last) b = last;
        counts[b]++;
      }
    } else {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v < min) min = v;
        if (v > max) max = v;
        let b = (v - start) * inv | 0;
        if (b > last) b = last; else if (b < 0) b = 0;
        counts[b]++;
      }
    }
    return { min, max, zeros };
  }

  private grow(lo: number, hi: number): void {
    const old = this.counts;
    const oldLo = this.lo;
    const oldWidth = this.binWidth;
    this.counts = new Float64Array(this.bins);
    this.lo = lo;
    this.hi = hi;
    const inv = this.bins / (hi - lo);
    for (let i = 0; i < old.length; i++) {
      if (!old[i]) continue;
      const centre = oldLo + (i + 0.5) * oldWidth;
      const b = Math.min(this.bins - 1, Math.max(0, Math.floor((centre - lo) * inv)));
      this.counts[b] += old[i];
    }
  }

  /** The value below which `fraction` of the mass lies (upper edge of the bin reaching it). */
  quantile(fraction: number): number {
    const target = fraction * this.total;
    let acc = this.zeros;
    for (let i = 0; i < this.bins; i++) {
      acc += this.counts[i];
      if (acc >= target) return this.lo + (i + 1) * this.binWidth;
    }
    return this.hi;
  }
}
