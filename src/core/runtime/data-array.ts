import * as ort from 'onnxruntime-node';
import type { DType } from '../tensor/dtypes';
import type { InputSpec } from './inputs';
import { OptionError } from '../base/option-error';
import { valueRecord } from '../graph/types';

export type { InputSpec };

/** Samples for calibration or evaluation, N along axis 0 of every input. */
export interface Dataset {
  /** What the data is, for reports ("fmnist.npy: 1000 samples [1,28,28]"). */
  description: string;
  count: number;
  /** True when the samples are random numbers (no data given): accuracy is then unknown. */
  synthetic: boolean;
  /** Samples per run: the model's fixed batch size, or a default for a symbolic batch dimension. */
  maxBatch: number;
  /** True when the model's batch dimension is a fixed number: every run must be exactly maxBatch. */
  fixedBatch: boolean;
  /** Samples [start, start + n) of every input as ORT tensors of shape [n, ...sample]. */
  batch(start: number, n: number): Record<string, ort.Tensor>;
  /** Class ids, one per sample, when labels were given. */
  labels?: Int32Array;
  /** The samples at `indices` (in that order) of every input, as ORT tensors (shuffled batches). */
  gather(indices: ArrayLike<number>): Record<string, ort.Tensor>;
}

/** Value transforms applied to every sample: x * scale, then (x - mean[c]) / std[c]. */
export interface Preprocess {
  /** Default: `defaultScale` of the data's element type (1/255 for uint8 .npy data and images). */
  scale?: number;
  mean?: number[];
  std?: number[];
  /** Channel axis layout of image inputs (and of mean/std for .npy data). Default: from the model's shape. */
  layout?: 'NCHW' | 'NHWC';
  /** Image size [height, width]; default: from the model's input shape. */
  resize?: [number, number];
}

/**
 * How data is read, the same for every command, the worker and recipes: preprocessing, batching,
 * how many samples. Jobs that read data take these options as their own (`--scale` is `scale`).
 */
export interface DataOptions extends Preprocess {
  /** Largest batch for models whose batch dimension is symbolic (default 32). */
  batch?: number;
  /** Use only the first `count` samples (and labels). */
  count?: number;
  /** Number of random samples when no data is given (default 16). */
  randomCount?: number;
  /** Called with the warning printed when random data stands in for real data. */
  warn?: (message: string) => void;
}

/** Option values no data can be read with (OptionError, the CLI's usage error), one message per mistake. */
/** Upper bounds of the data options: a CLI flag or a worker request past them is refused, not run. */
export const DATA_LIMITS = { batch: 65_536, count: 1_000_000_000, samples: 100_000, resize: 8_192 } as const;

export function checkDataOptions(o: DataOptions): void {
  const fail = (m: string) => { throw new OptionError(m); };
  if (!!o.mean !== !!o.std) fail(o.mean ? '--mean needs --std (give both: one value, or one per channel)' : '--std needs --mean (give both: one value, or one per channel)');
  if (o.std?.some((s) => !(s !== 0 && Number.isFinite(s)))) fail(`--std values must be non-zero numbers, got ${o.std.join(',')}`);
  if (o.mean?.some((m) => !Number.isFinite(m))) fail(`--mean values must be numbers, got ${o.mean.join(',')}`);
  if (o.scale !== undefined && !(Number.isFinite(o.scale) && o.scale !== 0)) fail(`--scale must be a non-zero number, got ${o.scale}`);
  for (const [k, v] of [['batch', o.batch], ['count', o.count], ['samples', o.randomCount]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= DATA_LIMITS[k])) fail(`--${k} must be a whole number from 1 to ${DATA_LIMITS[k]}, got ${v}`);
  }
  if (o.layout !== undefined && o.layout !== 'NCHW' && o.layout !== 'NHWC') fail(`--layout must be NCHW or NHWC, got '${o.layout}'`);
  if (o.resize !== undefined && !(o.resize.length === 2 && o.resize.every((d) => Number.isInteger(d) && d > 0 && d <= DATA_LIMITS.resize))) {
    fail(`--resize must be HxW, each from 1 to ${DATA_LIMITS.resize}, got '${o.resize.join('x')}'`);
  }
}

/** The first `n` samples of a data set (and of its labels). */
export function firstSamples(ds: Dataset, n: number | undefined): Dataset {
  if (n === undefined || n >= ds.count) return ds;
  return {
    description: `${ds.description} (first ${n})`, count: n, synthetic: ds.synthetic, maxBatch: ds.maxBatch, fixedBatch: ds.fixedBatch,
    batch: (start, k) => ds.batch(start, Math.min(k, n - start)), gather: (indices) => ds.gather(indices), labels: ds.labels?.subarray(0, n),
  };
}

/**
 * The multiplier data gets when no scale is given, the same for every command, the worker and
 * recipes: 8-bit pixels (uint8 .npy arrays, images) become 0..1, anything else is left as it is.
 */
export function defaultScale(dtype: string): number | undefined {
  return dtype === 'uint8' ? 1 / 255 : undefined;
}

/** A dataset held in memory: per input, all samples' values as float64-convertible arrays. */
export class ArrayDataset implements Dataset {
  labels?: Int32Array;

  constructor(
    readonly description: string,
    readonly count: number,
    readonly synthetic: boolean,
    private readonly batching: { size: number; fixed: boolean },
    private readonly inputs: { spec: InputSpec; sample: number[]; data: ArrayLike<number> }[],
  ) {}

  get maxBatch(): number { return this.batching.size; }
  get fixedBatch(): boolean { return this.batching.fixed; }

  batch(start: number, n: number): Record<string, ort.Tensor> {
    const out = valueRecord<ort.Tensor>();
    for (const { spec, sample, data } of this.inputs) {
      const per = sample.reduce((a, b) => a * b, 1);
      out[spec.name] = toOrtTensor(spec.dtype as DType, data, start * per, n * per, [n, ...sample]);
    }
    return out;
  }
  gather(indices: ArrayLike<number>): Record<string, ort.Tensor> {
    const out = valueRecord<ort.Tensor>();
    for (const { spec, sample, data } of this.inputs) {
      const per = sample.reduce((a, b) => a * b, 1);
      const picked = new Float32Array(indices.length * per);
      for (let k = 0; k < indices.length; k++) {
        const from = indices[k] * per;
        if (data instanceof Float32Array) picked.set(data.subarray(from, from + per), k * per);
        else for (let i = 0; i < per; i++) picked[k * per + i] = data[from + i];
      }
      out[spec.name] = toOrtTensor(spec.dtype as DType, picked, 0, picked.length, [indices.length, ...sample]);
    }
    return out;
  }
}

function toOrtTensor(dtype: DType, data: ArrayLike<number>, from: number, length: number, dims: number[]): ort.Tensor {
  const slice = (Ctor: { new (n: number): { [i: number]: number } }) => {
    if (data instanceof Float32Array && Ctor === Float32Array) return data.subarray(from, from + length);
    const a = new Ctor(length);
    for (let i = 0; i < length; i++) a[i] = data[from + i];
    return a;
  };
  switch (dtype) {
    case 'float32': return new ort.Tensor('float32', slice(Float32Array) as Float32Array, dims);
    case 'float64': return new ort.Tensor('float64', slice(Float64Array) as Float64Array, dims);
    case 'int32': return new ort.Tensor('int32', slice(Int32Array) as Int32Array, dims);
    case 'uint8': return new ort.Tensor('uint8', slice(Uint8Array) as Uint8Array, dims);
    case 'int8': return new ort.Tensor('int8', slice(Int8Array) as Int8Array, dims);
    case 'bool': return new ort.Tensor('bool', slice(Uint8Array) as Uint8Array, dims);
    case 'int64': {
      const a = new BigInt64Array(length);
      for (let i = 0; i < length; i++) a[i] = BigInt(Math.round(data[from + i]));
      return new ort.Tensor('int64', a, dims);
    }
    default: throw new Error(`inputs of type ${dtype} are not supported for data feeding`);
  }
}

/** The batch size a model accepts: its fixed first dimension, or `fallback` when symbolic. */
export function batchLimit(specs: InputSpec[], fallback: number): { size: number; fixed: boolean } {
  const first = specs[0]?.shape[0];
  return typeof first === 'number' && first > 0 ? { size: first, fixed: true } : { size: Math.max(1, fallback), fixed: false };
}

/** [start, n] of each run over a data set; a fixed batch size drops an incomplete last batch. */
export function* batchRanges(data: Pick<Dataset, 'count' | 'maxBatch' | 'fixedBatch'>): Generator<[number, number]> {
  const step = data.maxBatch;
  for (let start = 0; start < data.count; start += step) {
    const n = Math.min(step, data.count - start);
    if (n < step && data.fixedBatch) return;
    yield [start, n];
  }
}

/** Applies scale/mean/std in place; mean/std are per channel along `channelAxis` of a sample. */
export function preprocess(values: Float32Array, sample: number[], p: Preprocess, channelAxis: number | undefined): void {
  const scale = p.scale ?? 1;
  const mean = p.mean ?? [0];
  const std = p.std ?? [1];
  if (scale === 1 && mean.every((m) => m === 0) && std.every((s) => s === 1)) return;
  const channels = channelAxis !== undefined ? sample[channelAxis] : 1;
  for (const [what, list] of [['mean', mean], ['std', std]] as const) {
    if (list.length !== 1 && list.length !== channels) throw new Error(`--${what} has ${list.length} values; the data has ${channels} channel(s)`);
  }
  const inner = channelAxis !== undefined ? sample.slice(channelAxis + 1).reduce((a, b) => a * b, 1) : 1;
  for (let i = 0; i < values.length; i++) {
    const c = channels > 1 ? Math.floor(i / inner) % channels : 0;
    values[i] = (values[i] * scale - mean[mean.length === 1 ? 0 : c]) / std[std.length === 1 ? 0 : c];
  }
}

/** Channel axis within one sample, from the layout option or the model's input shape. */
export function channelAxisOf(spec: InputSpec, layout?: 'NCHW' | 'NHWC'): number | undefined {
  if (spec.shape.length !== 4) return undefined;
  if (layout) return layout === 'NCHW' ? 0 : 2;
  const [, c1, , c3] = spec.shape;
  const rgbOrGrey = (d: unknown) => d === 1 || d === 3;
  if (rgbOrGrey(c3) && !rgbOrGrey(c1)) return 2;
  if (typeof c1 === 'number' && c1 <= 4) return 0;
  if (typeof c3 === 'number' && c3 <= 4) return 2;
  return 0;
}

