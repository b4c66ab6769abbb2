import type { RangeTable } from '../quantize/static';

/** Collects statistics of activation tensors batch by batch and turns them into ranges. */
export interface Calibrator {
  readonly method: 'minmax' | 'percentile' | 'entropy';
  /** One batch of one tensor's values. Memory must not grow with the number of batches. */
  update(tensor: string, values: Float32Array): void;
  ranges(): RangeTable;
}

/** min and max of a batch in one pass (NaN ignored). */
export function batchMinMax(values: Float32Array): { min: number; max: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { min: lo, max: hi };
}
