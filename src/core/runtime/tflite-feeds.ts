import type { QuantInfo } from '../graph/types';
import { permuteArray } from '../tensor/permute';
import type { TfliteData } from './tflite';

/**
 * How an ONNX-ordered float tensor meets a TFLite tensor: the TFLite tensor's axis order
 * (`perm[i]` = ONNX axis stored at axis i, absent when the same) and its quantization.
 */
export interface TfliteIoMap {
  /** ONNX shape of one run's tensor. */
  shape: number[];
  perm?: number[];
  dtype: string;
  quant?: Pick<QuantInfo, 'scale' | 'zeroPoint'> | null;
}

const RANGE: Record<string, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] };

/** A run's input in the interpreter's order and type: transposed, quantized (round half away from zero, as TFLite does) and clamped. */
export function toTfliteInput(values: ArrayLike<number>, io: TfliteIoMap): TfliteData {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  const laid = io.perm && !io.perm.every((a, i) => a === i) ? permuteArray(f, io.shape, io.perm) : f;
  const range = RANGE[io.dtype];
  if (io.quant && range) {
    const [lo, hi] = range;
    const s = io.quant.scale[0], zp = io.quant.zeroPoint[0];
    const out = io.dtype === 'int8' ? new Int8Array(laid.length) : io.dtype === 'uint8' ? new Uint8Array(laid.length) : new Int16Array(laid.length);
    for (let i = 0; i < laid.length; i++) {
      const x = laid[i] / s;
      out[i] = Math.min(hi, Math.max(lo, Math.sign(x) * Math.round(Math.abs(x)) + zp));
    }
    return out;
  }
  switch (io.dtype) {
    case 'float32': return laid === values ? Float32Array.from(laid) : laid;
    case 'int32': return Int32Array.from(laid);
    case 'uint8': return Uint8Array.from(laid);
    case 'int8': return Int8Array.from(laid);
    default: throw new Error(`inputs of type ${io.dtype} cannot be fed from a data set`);
  }
}

/** An output as float32 in ONNX order: dequantized with its parameters, transposed back. */
export function fromTfliteOutput(data: TfliteData, io: TfliteIoMap): Float32Array {
  const q = io.quant;
  const f = q && !(data instanceof Float32Array)
    ? Float32Array.from(data as ArrayLike<number>, (v) => (v - q.zeroPoint[0]) * q.scale[0])
    : data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  if (!io.perm || io.perm.every((a, i) => a === i)) return f;
  const stored = io.perm.map((a) => io.shape[a]);
  const back = io.shape.map((_, a) => io.perm!.indexOf(a));
  return permuteArray(f, stored, back);
}
