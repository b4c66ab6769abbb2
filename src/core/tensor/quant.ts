import { roundHalfEven } from './round';

/** Integer types the quantizers produce. */
export type QType = 'int8' | 'uint8' | 'int4' | 'uint4';

export interface QRange { qmin: number; qmax: number }

/** The integer range used: symmetric signed types drop the most negative value (int8: -127..127). */
export function qRange(type: QType, symmetric: boolean): QRange {
  switch (type) {
    case 'int8': return symmetric ? { qmin: -127, qmax: 127 } : { qmin: -128, qmax: 127 };
    case 'uint8': return { qmin: 0, qmax: 255 };
    case 'int4': return symmetric ? { qmin: -7, qmax: 7 } : { qmin: -8, qmax: 7 };
    case 'uint4': return { qmin: 0, qmax: 15 };
  }
}

/** A scale (a float32 value) and a zero point (an integer in the type's range). */
export interface QParams { scale: number; zeroPoint: number }

/**
 * Scale and zero point for the real range [rmin, rmax], the way ONNX Runtime's quantizer does it:
 * widen to include 0, ±max|x| when symmetric, scale in float64 stored as float32, a scale too
 * small to represent becomes 1 with zero point 0, asymmetric zero point rounded and clamped.
 */
export function computeQParams(rmin: number, rmax: number, type: QType, symmetric: boolean): QParams {
  const { qmin, qmax } = qRange(type, symmetric);
  let lo = Math.min(rmin, 0);
  let hi = Math.max(rmax, 0);
  if (symmetric) {
    const absmax = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -absmax;
    hi = absmax;
  }
  const scale64 = (hi - lo) / (qmax - qmin);
  const scale = Math.fround(scale64);
  if (!(scale >= FLOAT32_TINY) || !Number.isFinite(scale)) return { scale: 1, zeroPoint: 0 };
  if (symmetric) return { scale, zeroPoint: roundHalfEven((qmin + qmax) / 2) };
  const zp = roundHalfEven(qmin - lo / scale);
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zp)) };
}

/** Smallest positive normal float32 (numpy's finfo(float32).tiny). */
export const FLOAT32_TINY = 1.1754943508222875e-38;

/** q = clamp(roundHalfEven(x / scale) + zp): ONNX QuantizeLinear for one value. */
export function quantizeValue(x: number, p: QParams, r: QRange): number {
  const q = roundHalfEven(Math.fround(x / p.scale)) + p.zeroPoint;
  return q < r.qmin ? r.qmin : q > r.qmax ? r.qmax : q;
}

export interface QuantizedTensor {
  /** One integer per element (int4/uint4 not yet packed), same order as the input. */
  values: Int8Array | Uint8Array;
  /** One scale per channel (length 1 when per-tensor). */
  scales: Float32Array;
  zeroPoints: Int32Array;
  /** The quantized axis, or undefined for per-tensor. */
  axis?: number;
}

/** Per-channel ranges along `axis` of a C-order tensor of `shape`. */
export function channelRanges(values: Float32Array, shape: readonly number[], axis: number): { min: Float64Array; max: Float64Array } {
  const channels = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const min = new Float64Array(channels).fill(Infinity);
  const max = new Float64Array(channels).fill(-Infinity);
  let i = 0;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < channels; c++, i++) {
        const v = values[i];
        if (v < min[c]) min[c] = v;
        if (v > max[c]) max[c] = v;
      }
    }
    return { min, max };
  }
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      let lo = min[c];
      let hi = max[c];
      for (const end = i + inner; i < end; i++) {
        const v = values[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[c] = lo;
      max[c] = hi;
    }
  }
  return { min, max };
}

export function tensorRange(values: Float32Array): { min: number; max: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return values.length ? { min: lo, max: hi } : { min: 0, max: 0 };
}

/**
 * Quantizes a float tensor per-tensor (axis undefined) or per-channel along `axis`. Values outside
 * the range saturate. Round half to even throughout.
 */
export function quantizeTensor(
  values: Float32Array, shape: readonly number[], type: QType, symmetric: boolean, axis?: number,
): QuantizedTensor {
  const r = qRange(type, symmetric);
  const out = type === 'uint8' || type === 'uint4' ? new Uint8Array(values.length) : new Int8Array(values.length);
  const perChannel = axis !== undefined;
  const channels = perChannel ? shape[axis] : 1;
  const inner = perChannel ? shape.slice(axis + 1).reduce((a, b) => a * b, 1) : values.length;
  const outer = perChannel ? shape.slice(0, axis).reduce((a, b) => a * b, 1) : 1;
  let min: ArrayLike<number>;
  let max: ArrayLike<number>;
  if (perChannel) ({ min, max } = channelRanges(values, shape, axis));
  else { const t = tensorRange(values); min = [t.min]; max = [t.max]; }
  const scales = new Float32Array(channels);
  const zeroPoints = new Int32Array(channels);
  // Per channel: the divisor and the saturation bounds in the x/scale domain (integers).
  const lo = new Float64Array(channels);
  const hi = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const p = computeQParams(min[c], max[c], type, symmetric);
    scales[c] = p.scale;
    zeroPoints[c] = p.zeroPoint;
    lo[c] = r.qmin - p.zeroPoint;
    hi[c] = r.qmax - p.zeroPoint;
  }
  if (inner === 1 && channels > 1) quantizeColumns(values, out, outer, channels, scales, zeroPoints, lo, hi);
  else quantizeBlocksOf(values, out, outer, channels, inner, scales, zeroPoints, lo, hi);
  return perChannel ? { values: out, scales, zeroPoints, axis } : { values: out, scales, zeroPoints };
}

/** 1.5 * 2^52: adding and subtracting it rounds a float64 of magnitude < 2^51 to an integer, ties to even. */
const ROUND_MAGIC = 6755399441055744;

// The two loops below are the hot path of every weight quantizer: saturate in the x/scale domain
// (the bounds are integers, so rounding cannot leave them; NaN becomes 0), then round half to even
// with ROUND_MAGIC, the same rule as roundHalfEven.

/** Contiguous runs of `inner` elements share a channel. */
function quantizeBlocksOf(
  src: Float32Array, dst: Int8Array | Uint8Array, outer: number, channels: number, inner: number,
  scales: Float32Array, zps: Int32Array, lo: Float64Array, hi: Float64Array,
): void {
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const scale = scales[c];
      const zp = zps[c];
      const l = lo[c];
      const h = hi[c];
      for (const end = i + inner; i < end; i++) {
        let x = Math.fround(src[i] / scale);
        x = x < l ? l : x > h ? h : x;
        dst[i] = (x + ROUND_MAGIC - ROUND_MAGIC) + zp;
      }
    }
  }
}

/** The channel is the last axis: element i belongs to channel i % channels. */
function quantizeColumns(
  src: Float32Array, dst: Int8Array | Uint8Array, rows: number, channels: number,
  scales: Float32Array, zps: Int32Array, lo: Float64Array, hi: Float64Array,
): void {
  const s = Float64Array.from(scales);
  let i = 0;
  for (let row = 0; row < rows; row++) {
    for (let c = 0; c < channels; c++, i++) {
      let x = Math.fround(src[i] / s[c]);
      const l = lo[c];
      const h = hi[c];
      x = x < l ? l : x > h ? h : x;
      dst[i] = (x + ROUND_MAGIC - ROUND_MAGIC) + zps[c];
    }
  }
}

/** dequantized = (q - zp) * scale, per-tensor or along `axis`. */
export function dequantizeTensor(q: QuantizedTensor, shape: readonly number[]): Float32Array {
  const out = new Float32Array(q.values.length);
  const axis = q.axis;
  const channels = axis === undefined ? 1 : shape[axis];
  const inner = axis === undefined ? q.values.length : shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < out.length; i++) {
    const c = axis === undefined ? 0 : Math.floor(i / inner) % channels;
    out[i] = (q.values[i] - q.zeroPoints[c]) * q.scales[c];
  }
  return out;
}

/** Packs 4-bit values two per byte, the first element in the low nibble (ONNX int4/uint4, MatMulNBits). */
export function packInt4(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0, j = 0; i < values.length; i += 2, j++) {
    const lo = values[i] & 0x0f;
    const hi = i + 1 < values.length ? values[i + 1] & 0x0f : 0;
    out[j] = lo | (hi << 4);
  }
  return out;
}

/** Inverse of packInt4: `count` values, sign-extended when `signed`. */
export function unpackInt4(bytes: Uint8Array, count: number, signed: boolean): Int8Array {
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const nib = (bytes[i >> 1] >> ((i & 1) * 4)) & 0x0f;
    out[i] = signed && nib >= 8 ? nib - 16 : nib;
  }
  return out;
}
