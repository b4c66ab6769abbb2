import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy } from '../../src/core/runtime/npy';
import type { Feeds } from '../../src/core/analysis/ort-run';

export const FIXTURES = path.join(__dirname, '../fixtures');
export const FMNIST_MODEL = path.join(FIXTURES, 'fmnist_mobilenet.onnx');

/** The first `count` images of a Fashion-MNIST .npy set as [N,1,28,28] float batches (pixels / 255). */
export function fmnistBatches(name: 'test1k' | 'tune500', count: number, batch = 100): { batches: Feeds[]; labels: Int32Array } {
  const images = readNpy(path.join(FIXTURES, `fmnist_${name}_u8.npy`)).data as Uint8Array;
  const labelData = readNpy(path.join(FIXTURES, `fmnist_${name}_labels.npy`)).data as BigInt64Array;
  const batches: Feeds[] = [];
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    const x = new Float32Array(n * 784);
    for (let i = 0; i < x.length; i++) x[i] = images[s * 784 + i] / 255;
    batches.push({ input: new ort.Tensor('float32', x, [n, 1, 28, 28]) });
  }
  return { batches, labels: Int32Array.from(labelData.subarray(0, count), Number) };
}
