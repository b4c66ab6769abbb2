import type { QuantInfo, WeightInfo } from '../../graph/types';
import { float16BitsToFloat32 } from '../../tensor/fp16';
import type { WeightParams } from './proto/neural_network_pb';

/**
 * A neural-network layer weight (WeightParams) as stored: float32 values, float16 bytes, or
 * quantized codes (`rawValue`: n-bit unsigned, MSB-first bit stream; `int8RawValue`: signed bytes)
 * with linear (w = q * scale + bias) or look-up-table (w = lut[q]) parameters.
 */
export interface NNWeightStorage {
  /** 'float32', 'float16', 'linear N-bit', 'palettized N-bit', 'int8', or 'raw' (codes without parameters). */
  dtype: string;
  bits: number;
  bytes: number;
  /** Elements the storage holds (for quantized codes: whole codes in the bytes). */
  elements: number;
}

export function weightStorage(w: WeightParams): NNWeightStorage {
  if (w.floatValue.length > 0) return { dtype: 'float32', bits: 32, bytes: w.floatValue.length * 4, elements: w.floatValue.length };
  if (w.float16Value.byteLength > 0) return { dtype: 'float16', bits: 16, bytes: w.float16Value.byteLength, elements: w.float16Value.byteLength >> 1 };
  const q = w.quantization;
  if (w.int8RawValue.byteLength > 0) return { dtype: 'int8', bits: 8, bytes: w.int8RawValue.byteLength, elements: w.int8RawValue.byteLength };
  if (w.rawValue.byteLength > 0) {
    const bits = Number(q?.numberOfBits ?? 8) || 8;
    const kind = q?.QuantizationType.case === 'lookupTableQuantization' ? 'palettized' : q?.QuantizationType.case === 'linearQuantization' ? 'linear' : 'raw';
    const dtype = kind === 'raw' ? 'raw' : `${kind} ${bits}-bit`;
    return { dtype, bits, bytes: w.rawValue.byteLength, elements: Math.floor((w.rawValue.byteLength * 8) / bits) };
  }
  return { dtype: 'float32', bits: 32, bytes: 0, elements: 0 };
}

/** True when the weight holds no values at all (an unused bias, say). */
export function isEmptyWeight(w: WeightParams): boolean {
  return w.floatValue.length === 0 && w.float16Value.byteLength === 0 && w.rawValue.byteLength === 0 && w.int8RawValue.byteLength === 0;
}

export function weightInfo(name: string, w: WeightParams, shape: number[] | null): WeightInfo {
  const s = weightStorage(w);
  const elements = shape ? shape.reduce((a, d) => a * d, 1) : s.elements;
  const info: WeightInfo = { name, dtype: s.dtype, shape: shape ?? [s.elements], bytes: s.bytes, elements };
  const quant = quantInfo(w);
  if (quant) info.quant = quant;
  return info;
}

/** Linear parameters as scale / zero point (w = scale * (q - zp), zp = -bias / scale). */
function quantInfo(w: WeightParams): QuantInfo | undefined {
  const q = w.quantization?.QuantizationType;
  if (q?.case !== 'linearQuantization') return undefined;
  const scale = [...q.value.scale];
  const zeroPoint = scale.map((s, i) => (s === 0 ? 0 : -(q.value.bias[i] ?? q.value.bias[0] ?? 0) / s));
  return { scale, zeroPoint, ...(scale.length > 1 ? { axis: 0 } : {}) };
}

/**
 * The weight's real values as float32, dequantized; `count` elements (from the layer's shape).
 * Linear per-channel parameters apply along the first dimension (output channels). Null when the
 * storage holds fewer codes than the shape needs or has no parameters to decode them.
 */
export function weightValues(w: WeightParams, count: number): Float32Array | null {
  if (w.floatValue.length > 0) return w.floatValue.length >= count ? Float32Array.from(w.floatValue.slice(0, count)) : null;
  if (w.float16Value.byteLength > 0) {
    const b = w.float16Value;
    if (b.byteLength < count * 2) return null;
    const bits = b.byteOffset % 2 === 0 ? new Uint16Array(b.buffer, b.byteOffset, count) : new Uint16Array(b.slice(0, count * 2).buffer);
    return float16BitsToFloat32(bits);
  }
  const quant = w.quantization;
  if (w.int8RawValue.byteLength > 0) {
    if (w.int8RawValue.byteLength < count) return null;
    const codes = new Int8Array(w.int8RawValue.buffer, w.int8RawValue.byteOffset, count);
    const scale = quant?.QuantizationType.case === 'linearQuantization' ? quant.QuantizationType.value.scale : [1];
    return applyLinear(Float32Array.from(codes), scale, []);
  }
  if (w.rawValue.byteLength === 0 || !quant) return null;
  const bits = Number(quant.numberOfBits) || 8;
  const codes = unpackMsbFirst(w.rawValue, bits, count);
  if (!codes) return null;
  const type = quant.QuantizationType;
  if (type.case === 'lookupTableQuantization') {
    const lut = type.value.floatValue;
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = lut[codes[i]] ?? NaN;
    return out;
  }
  if (type.case === 'linearQuantization') return applyLinear(Float32Array.from(codes), type.value.scale, type.value.bias);
  return null;
}

/** w = q * scale[c] + bias[c]; one value for all, or one per output channel (leading dimension). */
function applyLinear(q: Float32Array, scale: ArrayLike<number>, bias: ArrayLike<number>): Float32Array {
  const channels = Math.max(scale.length, bias.length, 1);
  const per = Math.max(1, Math.floor(q.length / channels));
  for (let i = 0; i < q.length; i++) {
    const c = channels === 1 ? 0 : Math.min(channels - 1, Math.floor(i / per));
    q[i] = q[i] * (scale[c] ?? scale[0] ?? 1) + (bias[c] ?? bias[0] ?? 0);
  }
  return q;
}

/** `count` unsigned codes of `bits` bits each from an MSB-first bit stream (Core ML's packing). */
export function unpackMsbFirst(bytes: Uint8Array, bits: number, count: number): Uint8Array | null {
  if (bits < 1 || bits > 8 || bytes.byteLength * 8 < count * bits) return null;
  if (bits === 8) return bytes.subarray(0, count);
  const out = new Uint8Array(count);
  let bit = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let k = 0; k < bits; k++, bit++) v = (v << 1) | ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
    out[i] = v;
  }
  return out;
}
