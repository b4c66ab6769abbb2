import type { Tensor } from 'onnxruntime-node';
import { TopKAccuracy, type EvalResult } from './accuracy';
import type { DType } from '../tensor/dtypes';
import { loadTflite } from '../formats/tflite/model';
import type { Dataset, InputSpec } from '../runtime/data-array';
import { TfliteSession } from '../runtime/tflite';
import { fromTfliteOutput, toTfliteInput } from '../runtime/tflite-feeds';
import { throwIfCancelled } from '../base/cancel';

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
    const acc = labels ? new TopKAccuracy(labels, 'the model') : undefined;
    for (let s = 0; s < data.count; s++) {
      throwIfCancelled(options.signal);
      const batch = data.batch(s, 1);
      const feeds = session.inputs.map((io, k) => {
        const t = batch[names[k]];
        if (!t) throw new Error('the data set has no values for an input of the model');
        return toTfliteInput(t.data as ArrayLike<number>, { shape: io.shape, dtype: io.dtype, quant: inQuant[k] });
      });
      const [out] = await session.run(feeds);
      acc?.update(fromTfliteOutput(out, { shape: outTensor.shape, dtype: outTensor.dtype, quant: outTensor.quant }), s, 1);
      options.progress?.(s + 1, data.count);
    }
    return { model: model.file, data: data.description, samples: data.count, synthetic: data.synthetic, accuracy: acc?.result(), scoredOutput: outTensor.name };
  } finally {
    session.dispose();
  }
}
