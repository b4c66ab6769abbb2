import type * as ort from 'onnxruntime-node';
import { throwIfCancelled } from '../base/cancel';
import { batchRanges, type Dataset } from './data';

export interface DatasetRunOptions {
  signal?: AbortSignal;
  /** Called after each batch with samples done and total. */
  progress?: (done: number, total: number) => void;
  /** Only these outputs (default: all). */
  outputs?: string[];
  /**
   * Let ORT write each batch into the previous batch's output buffers (same batch size) instead
   * of allocating and copying new ones. `onBatch` must not keep the arrays past its call.
   */
  reuseOutputs?: boolean;
}

/** Feeds every sample of `data` through `session` in batches; `onBatch` sees each batch's outputs. */
export async function runDataset(
  session: ort.InferenceSession, data: Dataset,
  onBatch: (outputs: ort.InferenceSession.OnnxValueMapType, start: number, n: number) => void,
  options: DatasetRunOptions = {},
): Promise<void> {
  const names = options.outputs ?? session.outputNames;
  let reused: { n: number; fetches: Record<string, ort.Tensor> } | undefined;
  for (const [start, n] of batchRanges(data)) {
    throwIfCancelled(options.signal);
    const feeds = data.batch(start, n);
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = reused?.n === n ? await session.run(feeds, reused.fetches) : await session.run(feeds, names);
    } catch (e) {
      throw new Error(`running batch ${start}..${start + n - 1} of ${data.description}: ${(e as Error).message.split('\n')[0]}`);
    }
    onBatch(outputs, start, n);
    if (options.reuseOutputs && reused?.n !== n) {
      const tensors = names.map((k) => outputs[k] as ort.Tensor);
      // Only fixed-size numeric outputs can be preallocated.
      if (tensors.every((t) => t && t.type !== 'string' && t.location === 'cpu')) {
        reused = { n, fetches: Object.fromEntries(tensors.map((t, i) => [names[i], t])) };
      }
    }
    options.progress?.(start + n, data.count);
  }
}

/** argmax of each row of a [rows, classes] matrix. */
export function argmaxRows(data: ArrayLike<number>, classes: number): Int32Array {
  const rows = Math.floor(data.length / classes);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0, bestValue = data[r * classes];
    for (let c = 1; c < classes; c++) if (data[r * classes + c] > bestValue) { bestValue = data[r * classes + c]; best = c; }
    out[r] = best;
  }
  return out;
}
