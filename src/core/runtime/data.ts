import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import { dtypeName, type DType } from '../tensor/dtypes';
import {
  ArrayDataset, batchLimit, channelAxisOf, checkDataOptions, defaultScale, firstSamples, preprocess, type DataOptions, type Dataset, type InputSpec,
} from './data-array';
import { loadLabels } from './data-labels';
import { imageDataset } from './data-images';
import { readNpy, type NpyArray } from './npy';
import { InputFileError, specialKind } from '../base/input-file';

export * from './data-array';

export const RANDOM_DATA_WARNING =
  'WARNING: NO DATA GIVEN: using random inputs. Accuracy is UNKNOWN; ranges calibrated on noise may not fit real inputs.';

export function modelInputs(model: Model): InputSpec[] {
  return model.graph.realInputs().map((v) => {
    const t = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    const dtype = dtypeName(t?.elemType ?? 1);
    const shape = (t?.shape?.dim ?? []).map((d, i) =>
      d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : `d${i}`);
    if (dtype.startsWith('unknown')) throw new Error(`${model.label}: input '${v.name}' has an unknown element type`);
    return { name: v.name, dtype: dtype as DType, shape };
  });
}

/**
 * Per-sample shape for data whose samples have shape `dataSample`: the data's own shape when it
 * matches the model's (symbolic dims filled), the model's when only the element count matches
 * (e.g. [28, 28] for [1, 28, 28]). Throws, naming the source, when neither fits.
 */
export function sampleShape(spec: InputSpec, dataSample: number[], source: string): number[] {
  const want = spec.shape.slice(1);
  const fits = want.length === dataSample.length && want.every((d, i) => typeof d !== 'number' || d === dataSample[i]);
  if (fits) return dataSample;
  const wantFixed = want.every((d): d is number => typeof d === 'number');
  const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
  if (wantFixed && count(want as number[]) === count(dataSample)) return want as number[];
  throw new Error(`${source}: samples have shape [${dataSample.join(',')}] (${count(dataSample)} values), but input '${spec.name}' expects [${want.join(',')}] per sample`);
}

function npyToFloat(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return new Float32Array(a.data);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]);
  return out;
}

/** Samples from one .npy file (N along axis 0) for a single-input model. */
export function npyDataset(specs: InputSpec[], file: string, options: DataOptions = {}): Dataset {
  if (specs.length !== 1) {
    throw new Error(`${file}: the model has ${specs.length} inputs (${specs.map((s) => s.name).join(', ')}); give a folder with one <input>.npy per input`);
  }
  return arraysDataset(specs, [readNpy(file)], [file], options);
}

function arraysDataset(specs: InputSpec[], arrays: NpyArray[], files: string[], options: DataOptions): Dataset {
  const inputs = specs.map((spec, k) => {
    const a = arrays[k];
    if (a.shape.length === 0) throw new Error(`${files[k]}: a scalar is not a set of samples`);
    const sample = sampleShape(spec, a.shape.slice(1), files[k]);
    const data = npyToFloat(a);
    const scale = options.scale ?? defaultScale(a.dtype);
    if (spec.dtype === 'float32' || spec.dtype === 'float64') preprocess(data, sample, { ...options, scale }, channelAxisOf(spec, options.layout));
    return { spec, sample, data, n: a.shape[0] };
  });
  const count = inputs[0].n;
  const mismatch = inputs.find((i) => i.n !== count);
  if (mismatch) throw new Error(`${files[inputs.indexOf(mismatch)]}: has ${mismatch.n} samples, ${files[0]} has ${count}`);
  if (count === 0) throw new Error(`${files[0]}: holds no samples (its first dimension is 0)`);
  const desc = inputs.map((i, k) => `${path.basename(files[k])}: ${i.n} samples [${i.sample.join(',')}]`).join('; ');
  return new ArrayDataset(desc, count, false, batchLimit(specs, options.batch ?? 32), inputs);
}

/** Random normal samples for every input, with a loud warning through `options.warn`. */
export function randomDataset(specs: InputSpec[], options: DataOptions = {}, seed = 1): Dataset {
  const count = options.randomCount ?? 16;
  let s = seed >>> 0 || 1;
  const uniform = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
  const inputs = specs.map((spec) => {
    const sample = spec.shape.slice(1).map((d) => (typeof d === 'number' ? d : 1));
    const per = sample.reduce((a, b) => a * b, 1);
    const data = new Float32Array(per * count);
    const integer = !spec.dtype.startsWith('float');
    for (let i = 0; i < data.length; i++) {
      data[i] = integer ? Math.floor(uniform() * 2) : Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    }
    return { spec, sample, data };
  });
  options.warn?.(RANDOM_DATA_WARNING);
  return new ArrayDataset(`${count} random-normal samples (no data given)`, count, true, batchLimit(specs, options.batch ?? 32), inputs);
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/**
 * The one way data is read (every command, the worker, recipes): samples from a path (a .npy
 * file, a folder of .npy files, one per input named <input>.npy or samples concatenated in name
 * order, a folder of PNG/JPEG images; random samples when undefined), preprocessed and batched
 * by `options`, with their labels (.npy or text, one integer per sample of the data) when
 * `labels` names a file; `options.count` keeps the first samples and labels.
 */
export async function loadDataset(model: Model, source: string | undefined, options: DataOptions = {}, labels?: string): Promise<Dataset> {
  return loadDatasetFor(modelInputs(model), model.label, source, options, labels);
}

/** `loadDataset` for inputs described directly (a TFLite model's, say); `label` names the model in errors. */
export async function loadDatasetFor(specs: InputSpec[], label: string, source: string | undefined, options: DataOptions = {}, labels?: string): Promise<Dataset> {
  checkDataOptions(options);
  if (labels && source === undefined) throw new Error(`${labels}: labels need the data they label`);
  const data = await readSamples(specs, label, source, options);
  // The one label-count check: one label per sample of the data, before any cut.
  if (labels) data.labels = loadLabels(labels, data.count);
  return firstSamples(data, options.count);
}

async function readSamples(specs: InputSpec[], label: string, source: string | undefined, options: DataOptions): Promise<Dataset> {
  if (specs.length === 0) throw new Error(`${label}: the model has no inputs to feed`);
  if (source === undefined) return randomDataset(specs, options);
  const abs = path.resolve(source);
  let st: fs.Stats;
  try { st = fs.statSync(abs); } catch { throw new Error(`${abs}: no such file or folder`); }
  if (!st.isFile() && !st.isDirectory()) throw new InputFileError(abs, `is ${specialKind(st)}, not a data file or folder`);
  if (st.isFile()) {
    if (abs.toLowerCase().endsWith('.npy')) return npyDataset(specs, abs, options);
    throw new Error(`${abs}: not a .npy file or a folder of .npy files or images`);
  }
  const entries = fs.readdirSync(abs).filter((f) => !f.startsWith('.')).sort();
  const npys = entries.filter((f) => f.toLowerCase().endsWith('.npy'));
  const images = entries.filter((f) => IMAGE_EXT.has(path.extname(f).toLowerCase()));
  if (npys.length === 0 && images.length === 0) throw new Error(`${abs}: the folder holds no .npy files and no PNG/JPEG images`);
  if (npys.length) {
    const perInput = specs.map((s) => npys.find((f) => f === `${s.name}.npy`));
    if (perInput.every(Boolean)) {
      const files = perInput.map((f) => path.join(abs, f!));
      return arraysDataset(specs, files.map(readNpy), files, options);
    }
    if (specs.length !== 1) throw new Error(`${abs}: the model has ${specs.length} inputs; name the files ${specs.map((s) => `${s.name}.npy`).join(', ')}`);
    return arraysDataset(specs, [concatNpy(npys.map((f) => path.join(abs, f)), specs[0])], [abs], options);
  }
  return imageDataset(specs, images.map((f) => path.join(abs, f)), abs, options);
}

/** Concatenates .npy files along axis 0; a file with the per-sample rank counts as one sample. */
function concatNpy(files: string[], spec: InputSpec): NpyArray {
  const arrays = files.map(readNpy);
  const sampleRank = spec.shape.length - 1;
  const parts = arrays.map((a, k) => {
    const shape = a.shape.length === sampleRank ? [1, ...a.shape] : a.shape;
    if (shape.length < 1) throw new Error(`${files[k]}: a scalar is not a sample`);
    return { shape, data: a.data };
  });
  const sample = parts[0].shape.slice(1);
  for (let k = 1; k < parts.length; k++) {
    if (parts[k].shape.slice(1).join(',') !== sample.join(',')) {
      throw new Error(`${files[k]}: samples have shape [${parts[k].shape.slice(1)}], ${files[0]} has [${sample}]`);
    }
  }
  const n = parts.reduce((a, p) => a + p.shape[0], 0);
  const data = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
  let off = 0;
  for (const p of parts) { for (let i = 0; i < p.data.length; i++) data[off + i] = Number(p.data[i]); off += p.data.length; }
  // The values are held as float32; the element type says how they are scaled by default.
  return { dtype: arrays.every((a) => a.dtype === 'uint8') ? 'uint8' : 'float32', shape: [n, ...sample], data };
}
