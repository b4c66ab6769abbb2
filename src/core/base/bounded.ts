/**
 * Ratios that are bounded by their definition, computed from float64 sums and clamped to their
 * bounds: sums of float32 products rounded on the way (or accumulated in float32 by ONNX Runtime)
 * put a cosine at 1.00008, a share of a run at 103% or a KL divergence below zero, and a user
 * rightly stops trusting every other figure on the page.
 */

/** `x` limited to [lo, hi]; NaN stays NaN (an undefined figure is not a bound). */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Cosine similarity from Σa·b, Σa² and Σb², in [-1, 1]. Two all-zero vectors are the same (1);
 * one all-zero vector against another is unrelated (0).
 */
export function cosineFromSums(dot: number, aSquared: number, bSquared: number): number {
  if (aSquared === 0 && bSquared === 0) return 1;
  if (aSquared === 0 || bSquared === 0) return 0;
  return clamp(dot / Math.sqrt(aSquared) / Math.sqrt(bSquared), -1, 1);
}

/** A part of a whole, in [0, 1]: a node's share of a run, the share of samples that agree. */
export function shareOf(part: number, whole: number): number {
  return whole > 0 ? clamp(part / whole, 0, 1) : 0;
}

/** A quantity that cannot be negative (a divergence, a variance) after rounding took it below 0. */
export function nonNegative(x: number): number {
  return x < 0 ? 0 : x;
}
