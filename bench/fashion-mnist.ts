/**
 * The Fashion-MNIST test split from Debian's dataset-fashion-mnist (gzipped IDX), for benchmarks
 * only (`apt-get install dataset-fashion-mnist`); unit tests use the committed .npy fixtures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface RawImages {
  /** count x 784 pixels, 0..255. */
  pixels: Uint8Array;
  labels: Int32Array;
  count: number;
}

/** The 10,000 test images and labels, or undefined when the package is not installed. */
export function fashionMnistTestSplit(dir = FASHION_MNIST_DIR): RawImages | undefined {
  return fashionMnistSplit('t10k', dir);
}

/** A split ('train': 60,000 images, 't10k': 10,000) with its labels, or undefined when the package is not installed. */
export function fashionMnistSplit(split: 'train' | 't10k', dir = FASHION_MNIST_DIR): RawImages | undefined {
  const imgFile = path.join(dir, `${split}-images-idx3-ubyte.gz`);
  if (!fs.existsSync(imgFile)) return undefined;
  const img = gunzipSync(fs.readFileSync(imgFile));
  const lab = gunzipSync(fs.readFileSync(path.join(dir, `${split}-labels-idx1-ubyte.gz`)));
  if (img.readUInt32BE(0) !== 0x803 || lab.readUInt32BE(0) !== 0x801) throw new Error(`${dir}: not IDX files`);
  const count = img.readUInt32BE(4);
  return { pixels: img.subarray(16, 16 + count * 784), labels: Int32Array.from(lab.subarray(8, 8 + count)), count };
}

/** `set` without every image whose pixels equal one in `exclude` (keeps a tuning set out of a test set). */
export function withoutImages(set: RawImages, exclude: Uint8Array): RawImages {
  const key = (a: Uint8Array, i: number) => Buffer.from(a.buffer, a.byteOffset + i * 784, 784).toString('base64');
  const drop = new Set<string>();
  for (let i = 0; i < exclude.length / 784; i++) drop.add(key(exclude, i));
  const keep: number[] = [];
  for (let i = 0; i < set.count; i++) if (!drop.has(key(set.pixels, i))) keep.push(i);
  const pixels = new Uint8Array(keep.length * 784);
  keep.forEach((s, k) => pixels.set(set.pixels.subarray(s * 784, (s + 1) * 784), k * 784));
  return { pixels, labels: Int32Array.from(keep, (s) => set.labels[s]), count: keep.length };
}
