import type * as ort from 'onnxruntime-node';
import { batchRanges, type Dataset } from './data';

export interface RunOptions {
  signal?: AbortSignal;
  /** Called after each batch with samples done and total. */
  progress?: (done: number, total: number) => void;
  /** Only these outputs (default: all). */
  outputs?: string[];
}

/** Thrown when a run is cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Feeds every sample of `data` through `session` in batches; `onBatch` sees each batch's outputs. */
export async function runDataset(
  session: ort.InferenceSession, data: Dataset,
  onBatch: (outputs: ort.InferenceSession.OnnxValueMapType, start: number, n: number) => void,
  options: RunOptions = {},
): Promise<void> {
  for (const [start, n] of batchRanges(data)) {
    throwIfCancelled(options.signal);
    const feeds = data.batch(start, n);
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = options.outputs ? await session.run(feeds, options.outputs) : await session.run(feeds);
    } catch (e) {
      throw new Error(`running batch ${start}..${start + n - 1} of ${data.description}: ${(e as Error).message.split('\n')[0]}`);
    }
    onBatch(outputs, start, n);
    for (const v of Object.values(outputs)) (v as ort.Tensor).dispose?.();
    options.progress?.(start + n, data.count);
  }
}

