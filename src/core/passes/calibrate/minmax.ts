import type { RangeTable } from '../quantize/static';
import { batchMinMax, type Calibrator } from './calibrator';

export interface MinMaxOptions {
  /** Exponential moving average of per-batch min/max instead of the global extremes. */
  movingAverage?: boolean;
  /** Weight of each new batch in the moving average (default 0.01). */
  averagingConstant?: number;
}

/** Range = the smallest and largest value seen (or their moving averages over batches). */
export class MinMaxCalibrator implements Calibrator {
  readonly method = 'minmax';
  private readonly stats = new Map<string, { min: number; max: number }>();

  constructor(private readonly options: MinMaxOptions = {}) {}

  update(tensor: string, values: Float32Array): void {
    if (values.length === 0) return;
    const b = batchMinMax(values);
    this.updateRange(tensor, b.min, b.max);
  }

  updateRange(tensor: string, min: number, max: number): void {
    if (!Number.isFinite(min) || !Number.isFinite(max)) return;
    const b = { min, max };
    const s = this.stats.get(tensor);
    if (!s) { this.stats.set(tensor, b); return; }
    if (this.options.movingAverage) {
      const c = this.options.averagingConstant ?? 0.01;
      s.min += (b.min - s.min) * c;
      s.max += (b.max - s.max) * c;
    } else {
      if (b.min < s.min) s.min = b.min;
      if (b.max > s.max) s.max = b.max;
    }
  }

  ranges(): RangeTable {
    return Object.fromEntries([...this.stats].map(([k, v]) => [k, { ...v }]));
  }
}
