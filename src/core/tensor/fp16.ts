/** Largest finite float16 value. */
export const FLOAT16_MAX = 65504;

export interface Float16Conversion {
  bits: Uint16Array;
  /** Finite values beyond ±65504 that were clamped to ±65504. */
  clamped: number;
  /** Non-zero values that became zero (below the smallest float16 subnormal). */
  flushedToZero: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> float16 bits, rounding to nearest even; infinities and NaN are kept as such. */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal: shift the mantissa (with its hidden bit) and round half to even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry into the exponent: still correct
  return sign | h;
}

/** Converts a float32 array, clamping finite overflow to ±65504 and counting what changed class. */
export function toFloat16(values: Float32Array, out?: Uint16Array): Float16Conversion {
  const bits = out ?? new Uint16Array(values.length);
  let clamped = 0;
  let flushedToZero = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (v > FLOAT16_MAX) { if (v !== Infinity) { v = FLOAT16_MAX; clamped++; } }
    else if (v < -FLOAT16_MAX) { if (v !== -Infinity) { v = -FLOAT16_MAX; clamped++; } }
    const h = float32ToFloat16Bits(v);
    if ((h & 0x7fff) === 0 && v !== 0) flushedToZero++;
    bits[i] = h;
  }
  return { bits, clamped, flushedToZero };
}

/** float16 bits -> float32 values (subnormals, infinities and NaN kept). */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16ToNumber(bits[i]);
  return out;
}

/** One float16 value from its bits. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
