import * as ort from 'onnxruntime-node';
import { readNpy, type NpyArray } from './npy';

// A small top-1 loop for pruning jobs until the shared evaluation (core/analysis/accuracy.ts) lands.

export interface EvalSet {
  /** One sample's elements, float32, in the model's input layout. */
  samples: Float32Array;
  perSample: number;
  labels: number[];
}

/** Loads X (.npy, [N, ...]; uint8 is scaled to [0, 1]) and integer labels (.npy, [N]). */
export function loadEvalSet(xFile: string, yFile: string): EvalSet {
  const x = readNpy(xFile);
  const y = readNpy(yFile);
  const n = x.shape[0];
  if (!n) throw new Error(`${xFile}: holds no samples`);
  if (y.shape.length !== 1 || y.shape[0] !== n) throw new Error(`${yFile}: shape [${y.shape}] does not match ${n} samples in ${xFile}`);
  return { samples: toFloat(x, xFile), perSample: x.data.length / n, labels: Array.from(y.data as ArrayLike<number | bigint>, Number) };
}

function toFloat(a: NpyArray, file: string): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  if (a.data instanceof Uint8Array) return Float32Array.from(a.data, (v) => v / 255);
  if (a.data instanceof BigInt64Array || a.data instanceof BigUint64Array) throw new Error(`${file}: int64 inputs are not supported`);
  if (a.dtype === 'float16') throw new Error(`${file}: float16 inputs are not supported; save as float32`);
  return Float32Array.from(a.data as ArrayLike<number>);
}

/** Share of samples whose highest output matches the label; samples are fed in batches. */
export async function top1Accuracy(model: Uint8Array, set: EvalSet, signal?: AbortSignal, batch = 100): Promise<number> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  try {
    const meta = session.inputMetadata[0];
    const declared = meta && meta.isTensor ? meta.shape : [];
    const rest = declared.slice(1).map((d) => (typeof d === 'number' ? d : -1));
    const known = rest.every((d) => d > 0) && rest.reduce((a, b) => a * b, 1) === set.perSample;
    let right = 0;
    for (let b = 0; b < set.labels.length; b += batch) {
      if (signal?.aborted) throw new Error('cancelled');
      const n = Math.min(batch, set.labels.length - b);
      const dims = known ? [n, ...rest] : [n, set.perSample];
      const input = new ort.Tensor('float32', set.samples.subarray(b * set.perSample, (b + n) * set.perSample), dims);
      const out = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]];
      const logits = out.data as Float32Array;
      const classes = logits.length / n;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
        if (best === set.labels[b + i]) right++;
      }
    }
    return right / set.labels.length;
  } finally {
    await session.release();
  }
}
