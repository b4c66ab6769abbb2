/**
 * Differential privacy on the server, as Flower's server-side fixed clipping does it: each
 * client's whole delta is scaled to L2 norm at most C, the clipped deltas are averaged with equal
 * weights, and Gaussian noise of standard deviation Z * C / K is added to the average (K: the
 * deltas in it). Noise comes from the operating system's CSPRNG.
 */
import { randomFillSync } from 'node:crypto';

export interface PrivacyOptions {
  /** Clipping norm C (L2 over all tensors of a delta). */
  clip: number;
  /** Noise multiplier Z (0: clipping only, no privacy guarantee). */
  noiseMultiplier: number;
  /** Target delta of the (epsilon, delta) guarantee; default 1e-5. */
  delta?: number;
}

/** L2 norm over several tensors, accumulated in float64. */
export function l2Norm(tensors: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const t of tensors) for (let i = 0; i < t.length; i++) s += t[i] * t[i];
  return Math.sqrt(s);
}

/** The factor that brings a delta of norm `norm` to at most `clip` (1 when it already is). */
export function clipFactor(norm: number, clip: number): number {
  return norm > clip ? clip / norm : 1;
}

/** Standard normal draws from crypto-random bits (Box-Muller on 53-bit uniforms). */
export class GaussianSource {
  private readonly bits = new Uint32Array(4096);
  private at = this.bits.length;
  private spare: number | undefined;

  private uniform(): number {
    if (this.at + 2 > this.bits.length) {
      randomFillSync(this.bits);
      this.at = 0;
    }
    const hi = this.bits[this.at++] >>> 5;
    const lo = this.bits[this.at++] >>> 6;
    return (hi * 67108864 + lo + 0.5) / 9007199254740992; // in (0, 1)
  }

  next(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
}
