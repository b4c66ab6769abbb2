/**
 * Federated averaging, streamed: deltas are folded into one float64 running sum as they arrive
 * and dropped, so memory is one model's worth whatever the number of clients.
 *
 *   FedAvg / FedProx:  w_next = w + eta * sum_k n_k d_k / sum_k n_k
 *   with privacy:      w_next = w + eta * (sum_k clip_C(d_k) / K + N(0, (Z C / K)^2))
 *
 * (FedProx differs on the client only: its loss gains mu/2 ||w - w_global||^2.)
 */
import type { DeltaTensor } from './delta';
import { clipFactor, GaussianSource, l2Norm, type PrivacyOptions } from './dp';
import { FederationError, type Weights } from './weights';

export type Strategy = 'fedavg' | 'fedprox';

export interface AggregationOptions {
  /** Server learning rate eta (default 1: the plain average of the clients' models). */
  serverLr?: number;
  /** Server-side clipping and noise; averages then weigh every client equally. */
  privacy?: PrivacyOptions;
}

/** What one accepted delta contributed. */
export interface DeltaReceipt {
  samples: number;
  /** L2 norm of the delta as sent. */
  norm: number;
  /** True when clipping scaled it down. */
  clipped: boolean;
}

export interface AggregateResult {
  weights: Weights;
  clients: number;
  samples: number;
  /** Standard deviation of the noise added to each averaged value (0 without privacy). */
  noiseStd: number;
  /** L2 norm of the applied update (w_next - w). */
  updateNorm: number;
}

export class DeltaAggregator {
  private readonly sums: Float64Array[];
  private weightTotal = 0;
  private sampleTotal = 0;
  private clients = 0;

  constructor(private readonly base: Weights, private readonly o: AggregationOptions = {}) {
    this.sums = base.map((t) => new Float64Array(t.values.length));
    if (o.privacy && !(o.privacy.clip > 0)) throw new FederationError(`the clipping norm must be positive, got ${o.privacy.clip}`);
  }

  get count(): number {
    return this.clients;
  }

  /**
   * Checks a decoded delta (tensor names and shapes in the model's order, finite values, samples
   * > 0) and adds it; a rejected delta leaves the sum as it was.
   */
  add(tensors: readonly DeltaTensor[], samples: number): DeltaReceipt {
    checkDelta(this.base, tensors, samples);
    const values = tensors.map((t) => t.values!);
    const norm = l2Norm(values);
    const factor = this.o.privacy ? clipFactor(norm, this.o.privacy.clip) : 1;
    const weight = (this.o.privacy ? 1 : samples) * factor;
    values.forEach((d, k) => {
      const s = this.sums[k];
      for (let i = 0; i < d.length; i++) s[i] += weight * d[i];
    });
    this.addWeight(this.o.privacy ? 1 : samples, samples);
    return { samples, norm, clipped: factor < 1 };
  }

  /** Adds a sum of weighted deltas computed elsewhere (secure aggregation's unmasked sum). */
  addSum(sums: readonly Float64Array[], weight: number, samples: number, clients: number): void {
    sums.forEach((d, k) => {
      const s = this.sums[k];
      for (let i = 0; i < d.length; i++) s[i] += d[i];
    });
    this.weightTotal += weight;
    this.sampleTotal += samples;
    this.clients += clients;
  }

  /** The next global weights (new arrays; the base is not changed). */
  finish(noise: { next(): number } = new GaussianSource()): AggregateResult {
    if (this.clients === 0) throw new FederationError('no client delta to aggregate');
    const eta = this.o.serverLr ?? 1;
    const noiseStd = this.o.privacy ? (this.o.privacy.noiseMultiplier * this.o.privacy.clip) / this.clients : 0;
    let sq = 0;
    const weights = this.base.map((t, k) => {
      const s = this.sums[k];
      const out = new Float32Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const avg = s[i] / this.weightTotal + (noiseStd > 0 ? noiseStd * noise.next() : 0);
        out[i] = t.values[i] + eta * avg;
        sq += (out[i] - t.values[i]) ** 2;
      }
      return { name: t.name, dims: t.dims, values: out };
    });
    return { weights, clients: this.clients, samples: this.sampleTotal, noiseStd, updateNorm: Math.sqrt(sq) };
  }

  private addWeight(weight: number, samples: number): void {
    this.weightTotal += weight;
    this.sampleTotal += samples;
    this.clients++;
  }
}

/** Throws a FederationError naming the first tensor that does not fit the base or is not finite. */
export function checkDelta(base: Weights, tensors: readonly DeltaTensor[], samples: number): void {
  if (!(Number.isInteger(samples) && samples > 0)) throw new FederationError(`the delta reports ${samples} samples; it must be a positive integer`);
  if (tensors.length !== base.length) throw new FederationError(`the delta has ${tensors.length} tensors, the model ${base.length}`);
  base.forEach((b, k) => {
    const t = tensors[k];
    if (t.name !== b.name || t.dims.join() !== b.dims.join()) {
      throw new FederationError(`tensor ${k} of the delta is '${t.name}' [${t.dims.join(', ')}], the model's is '${b.name}' [${b.dims.join(', ')}]`);
    }
    const v = t.values;
    if (!v || v.length !== b.values.length) throw new FederationError(`'${t.name}' has no ${b.values.length} float values`);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new FederationError(`'${t.name}' holds ${v[i]} at element ${i}`);
    }
  });
}
