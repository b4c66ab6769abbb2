/**
 * Evaluation inputs from .npy files: one array of samples for a single-input model, shaped to the
 * model's input (uint8 images scaled by 1/255 unless told otherwise), cut into batches the way
 * every other data set is (runtime/data: a fixed batch size runs whole batches only).
 */
import type { Model } from '../formats/onnx/model';
import { readNpy } from '../runtime/npy';
import { batchRanges, modelInputs, npyDataset } from '../runtime/data';
import type { Feeds } from './ort-run';

export interface NpyFeedOptions {
  /** Multiplier for the data (default 1/255 for uint8, 1 otherwise). */
  scale?: number;
  count?: number;
  batch?: number;
}

export function npyFeeds(model: Model, file: string, options: NpyFeedOptions = {}): { batches: Feeds[]; samples: number } {
  const ds = npyDataset(modelInputs(model), file, { scale: options.scale, batch: options.batch ?? 100 });
  const wanted = Math.min(ds.count, options.count ?? ds.count);
  const ranges = [...batchRanges({ count: wanted, maxBatch: ds.maxBatch, fixedBatch: ds.fixedBatch })];
  if (ranges.length === 0) throw new Error(`${file}: ${wanted} samples do not fill one batch of ${ds.maxBatch} (the model's input has a fixed batch size)`);
  return { batches: ranges.map(([s, n]) => ds.batch(s, n)), samples: ranges.reduce((a, [, n]) => a + n, 0) };
}

export function npyLabels(file: string, count?: number): Int32Array {
  const arr = readNpy(file);
  if (arr.shape.length !== 1) throw new Error(`${file}: labels must be a 1-D array of class ids, got shape [${arr.shape}]`);
  const n = Math.min(arr.shape[0], count ?? arr.shape[0]);
  return Int32Array.from({ length: n }, (_, i) => Number(arr.data[i]));
}
