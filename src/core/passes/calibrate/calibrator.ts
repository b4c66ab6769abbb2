import type { RangeTable } from '../quantize/static';

/** Collects statistics of activation tensors batch by batch and turns them into ranges. */
export interface Calibrator {
  readonly method: 'minmax' | 'percentile' | 'entropy';
  /** One batch of one tensor's values. Memory must not grow with the number of batches. */
  update(tensor: string, values: Float32Array): void;
  /**
   * Optional: one batch's min and max only. When present, the runtime computes them inside the
   * model (ReduceMin/ReduceMax) instead of copying every activation out.
   */
  updateRange?(tensor: string, min: number, max: number): void;
  ranges(): RangeTable;
}

/** min and max of a batch in one pass (NaN ignored); two lanes so the compares overlap. */
export function batchMinMax(values: Float32Array): { min: number; max: number } {
  let lo0 = Infinity, lo1 = Infinity;
  let hi0 = -Infinity, hi1 = -Infinity;
  const n = values.length;
  const even = n - (n & 1);
  for (let i = 0; i < even; i += 2) {
    const a = values[i];
    const b = values[i + 1];
    if (a < lo0) lo0 = a;
    if (a > hi0) hi0 = a;
    if (b < lo1) lo1 = b;
    if (b > hi1) hi1 = b;
  }
  if (even < n) { const v = values[even]; if (v < lo0) lo0 = v; if (v > hi0) hi0 = v; }
  return { min: lo0 < lo1 ? lo0 : lo1, max: hi0 > hi1 ? hi0 : hi1 };
}
