import type { RangeTable } from '../quantize/static';
import type { Calibrator } from './calibrator';
import { StreamingHistogram } from './histogram';

export interface PercentileOptions {
  /** Share of values kept inside the range, in percent (default 99.999). */
  percentile?: number;
  /** Symmetric activations: cut |x| at the percentile. Otherwise cut both tails. */
  symmetric?: boolean;
}

/** Range that keeps `percentile`% of the values, from a 2,048-bin streaming histogram per tensor. */
export class PercentileCalibrator implements Calibrator {
  readonly method = 'percentile';
  private readonly hists = new Map<string, StreamingHistogram>();

  constructor(private readonly options: PercentileOptions = {}) {
    const p = options.percentile ?? 99.999;
    if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  }

  update(tensor: string, values: Float32Array): void {
    let h = this.hists.get(tensor);
    if (!h) this.hists.set(tensor, (h = new StreamingHistogram(this.options.symmetric ?? false)));
    h.add(values);
  }

  ranges(): RangeTable {
    const p = (this.options.percentile ?? 99.999) / 100;
    const out: RangeTable = {};
    for (const [name, h] of this.hists) {
      if (h.total === 0) continue;
      if (h.abs) {
        const t = h.quantile(p);
        out[name] = { min: Math.max(h.min, -t), max: Math.min(h.max, t) };
      } else {
        const cut = (1 - p) / 2;
        out[name] = { min: Math.max(h.min, h.quantile(cut) - h.binWidth), max: Math.min(h.max, h.quantile(1 - cut)) };
      }
    }
    return out;
  }
}
