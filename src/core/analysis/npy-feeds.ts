/**
 * Evaluation inputs from .npy files: one array of samples for a single-input model, shaped to the
 * model's input (integer images scaled by 1/255 unless told otherwise), cut into batches.
 */
import * as ort from 'onnxruntime-node';
import type { Model } from '../onnx/model';
import { readNpy } from '../runtime/npy';
import { defaultScale } from '../runtime/data-array';
import type { Feeds } from './ort-run';

export interface NpyFeedOptions {
  /** Multiplier for integer data (default 1/255 for uint8, 1 otherwise). */
  scale?: number;
  count?: number;
  batch?: number;
}

export function npyFeeds(model: Model, file: string, options: NpyFeedOptions = {}): { batches: Feeds[]; samples: number } {
  const inputs = model.graph.realInputs();
  if (inputs.length !== 1) throw new Error(`${model.label} has ${inputs.length} inputs; .npy data feeds single-input models`);
  const input = inputs[0];
  const t = input.type?.value.case === 'tensorType' ? input.type.value.value : undefined;
  if (t && t.elemType !== 1) throw new Error(`${model.label}: input '${input.name}' is not float32`);
  const dims = t?.shape?.dim.slice(1).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : undefined)) ?? [];
  const arr = readNpy(file);
  const total = arr.shape[0] ?? 1;
  const perSample = arr.shape.slice(1).reduce((a, b) => a * b, 1);
  const known = dims.every((d) => d !== undefined) ? (dims as number[]) : undefined;
  if (known && known.reduce((a, b) => a * b, 1) !== perSample) {
    throw new Error(`${file}: samples of shape [${arr.shape.slice(1)}] do not fit input '${input.name}' [${known}]`);
  }
  const sampleDims = known ?? arr.shape.slice(1);
  const scale = options.scale ?? defaultScale(arr.dtype) ?? 1;
  const first = t?.shape?.dim[0]?.value;
  const fixed = first?.case === 'dimValue' && Number(first.value) > 0 ? Number(first.value) : undefined;
  const batch = fixed ?? options.batch ?? 100;
  // A model with a fixed batch size runs whole batches only.
  const wanted = Math.min(total, options.count ?? total);
  const count = fixed ? wanted - (wanted % fixed) : wanted;
  if (count === 0) throw new Error(`${file}: ${wanted} samples do not fill one batch of ${fixed} (input '${input.name}' has a fixed batch size)`);
  const batches: Feeds[] = [];
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    const x = new Float32Array(n * perSample);
    const src = arr.data;
    for (let i = 0; i < x.length; i++) x[i] = Number(src[s * perSample + i]) * scale;
    batches.push({ [input.name]: new ort.Tensor('float32', x, [n, ...sampleDims]) });
  }
  return { batches, samples: count };
}

export function npyLabels(file: string, count?: number): Int32Array {
  const arr = readNpy(file);
  if (arr.shape.length !== 1) throw new Error(`${file}: labels must be a 1-D array of class ids, got shape [${arr.shape}]`);
  const n = Math.min(arr.shape[0], count ?? arr.shape[0]);
  return Int32Array.from({ length: n }, (_, i) => Number(arr.data[i]));
}
