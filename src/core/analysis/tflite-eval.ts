import type { Tensor } from 'onnxruntime-node';
import { TopKAccuracy, type EvalResult } from './accuracy';
import type { QuantInfo } from '../graph/types';
import type { DType } from '../tensor/dtypes';
import { loadTflite } from '../formats/tflite/model';
import type { Dataset, InputSpec } from '../runtime/data-array';
import { TfliteSession, type TfliteData } from '../runtime/tflite';

/**
 * What a data set must provide for a TFLite model's inputs. Quantized inputs are asked for in
 * the real domain (float32): evaluation quantizes them with the tensor's scale and zero point,
 * as an application feeding the model would.
 */
export function tfliteInputSpecs(file: string): InputSpec[] {
  const sg = loadTflite(file).subgraphs[0];
  return sg.inputs.map((i) => {
    const t = sg.tensors[i];
    const dtype = t.quant && (t.dtype === 'int8' || t.dtype === 'uint8' || t.dtype === 'int16') ? 'float32' : t.dtype;
    return { name: t.name || `tensor_${i}`, dtype: dtype as DType, shape: t.shape };
  });
}

/** Runs a .tflite over a data set one sample at a time; with labels, top-1/top-5 of its first output. */
export async function evaluateTflite(
  file: string, data: Dataset, labels?: Int32Array,
  options: { signal?: AbortSignal; progress?: (done: number, total: number) => void } = {},
): Promise<EvalResult> {
  const model = loadTflite(file);
  const sg = model.subgraphs[0];
  const inQuant = sg.inputs.map((i) => sg.tensors[i].quant);
  const outTensor = sg.tensors[sg.outputs[0]];
  const session = await TfliteSession.create(file);
  try {
    const names = session.inputs.map((io, k) => io.name || `tensor_${sg.inputs[k]}`);
    const acc = labels ? new TopKAccuracy(labels) : undefined;
    for (let s = 0; s < data.count; s++) {
      if (options.signal?.aborted) throw new Error(`${file}: cancelled`);
      const batch = data.batch(s, 1);
      const feeds = session.inputs.map((io, k) => toInput(batch[names[k]], io.dtype, inQuant[k]));
      const [out] = await session.run(feeds);
      acc?.update(dequantized(out, outTensor.quant), s, 1);
      options.progress?.(s + 1, data.count);
    }
    return { model: model.file, data: data.description, samples: data.count, synthetic: data.synthetic, accuracy: acc?.result(), scoredOutput: outTensor.name };
  } finally {
    session.dispose();
  }
}

const RANGE: Record<string, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] };

/** One sample's data in the interpreter's type: quantized (round half away from zero, clamped) when needed. */
function toInput(t: Tensor | undefined, dtype: string, q: QuantInfo | null): TfliteData {
  if (!t) throw new Error('the data set has no values for an input of the model');
  const values = t.data as ArrayLike<number>;
  const range = RANGE[dtype];
  if (q && range) {
    const [lo, hi] = range;
    const out = dtype === 'int8' ? new Int8Array(values.length) : dtype === 'uint8' ? new Uint8Array(values.length) : new Int16Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const x = values[i] / q.scale[0];
      out[i] = Math.min(hi, Math.max(lo, Math.sign(x) * Math.round(Math.abs(x)) + q.zeroPoint[0]));
    }
    return out;
  }
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'uint8': return Uint8Array.from(values);
    case 'int8': return Int8Array.from(values);
    default: throw new Error(`inputs of type ${dtype} cannot be fed from a data set`);
  }
}

function dequantized(out: TfliteData, q: QuantInfo | null): Float32Array {
  if (!q || out instanceof Float32Array) return Float32Array.from(out as ArrayLike<number>);
  return Float32Array.from(out as ArrayLike<number>, (v) => (v - q.zeroPoint[0]) * q.scale[0]);
}
