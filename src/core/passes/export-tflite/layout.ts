/**
 * Layouts. A TFLite tensor stores an ONNX value with its axes in some order: `perm[i]` is the ONNX
 * axis held by stored axis i. Identity is the ONNX order; [0, 2, 3, 1] stores NCHW as NHWC.
 * Convolutions want NHWC, so a CNN's activations stay NHWC from the first Conv to the head and
 * a TRANSPOSE appears only where a value must be seen in another order.
 */
import { permuteArray, permuteRows } from '../../tensor/permute';
import type { LazyFloat32, RawF32 } from './graph';

export type Perm = number[];

export const identity = (rank: number): Perm => Array.from({ length: rank }, (_, i) => i);

/** ONNX N, C, spatial... stored as N, spatial..., C. */
export const channelsLast = (rank: number): Perm => (rank < 3 ? identity(rank) : [0, ...identity(rank).slice(2), 1]);

export const isIdentity = (p: Perm): boolean => p.every((a, i) => a === i);

export const samePerm = (a: Perm, b: Perm): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The stored shape of an ONNX shape. */
export const storedShape = (onnxShape: number[], perm: Perm): number[] => perm.map((a) => onnxShape[a]);

/** The stored axis holding ONNX axis `axis` (negative counts from the end). */
export function storedAxis(perm: Perm, axis: number): number {
  const a = axis < 0 ? axis + perm.length : axis;
  const i = perm.indexOf(a);
  if (i < 0) throw new Error(`axis ${axis} is out of range for rank ${perm.length}`);
  return i;
}

/** TRANSPOSE's perm that turns data stored in `from` into data stored in `to`. */
export const transposeBetween = (from: Perm, to: Perm): number[] => to.map((a) => from.indexOf(a));

/**
 * True when reading the stored data in its memory order visits the elements in the ONNX order:
 * then a reshape can work on the stored data directly. Axes of size 1 do not matter.
 */
export function sameElementOrder(onnxShape: number[], perm: Perm): boolean {
  const big = perm.filter((a) => onnxShape[a] !== 1);
  return big.every((a, i) => i === 0 || a > big[i - 1]);
}

/** A constant of ONNX shape `shape` broadcast against a value of rank `rank` stored as `perm`: its stored shape and data. */
export function constantForLayout(values: Float32Array, shape: number[], rank: number, perm: Perm): { shape: number[]; values: Float32Array } {
  if (isIdentity(perm) || shape.length === 0) return { shape, values };
  const full = [...new Array(Math.max(0, rank - shape.length)).fill(1), ...shape];
  return { shape: storedShape(full, perm), values: permuteArray(values, full, perm) };
}

/** `values` (C order, `shape`) transposed by `perm`, computed when the file is written. */
export function permuted(values: Float32Array, shape: number[], perm: Perm): LazyFloat32 {
  return { length: values.length, byteLength: values.byteLength, fill: (out) => { permuteArray(values, shape, perm, out); } };
}

/** Bytes of the ONNX weight read at a time while transposing it into the file. */
const BLOCK_BYTES = 1 << 20;

/**
 * A raw float32 weight transposed by `perm`, computed when the file is written: read straight
 * into place when nothing moves, else a block of rows at a time (the weight is never held whole).
 */
export function permutedRaw(raw: RawF32, shape: number[], perm: Perm): LazyFloat32 {
  const length = raw.byteLength / 4;
  return {
    length, byteLength: raw.byteLength, fill: (out) => {
      if (isIdentity(perm) || length === 0) { raw.read(0, new Uint8Array(out.buffer, out.byteOffset, out.byteLength)); return; }
      const rowBytes = raw.byteLength / shape[0];
      const rows = Math.max(1, Math.floor(BLOCK_BYTES / rowBytes));
      const block = new Float32Array((rows * rowBytes) / 4);
      for (let r = 0; r < shape[0]; r += rows) {
        const n = Math.min(rows, shape[0] - r);
        const part = block.subarray(0, (n * rowBytes) / 4);
        raw.read(r * rowBytes, new Uint8Array(part.buffer, 0, part.byteLength));
        permuteRows(part, shape, perm, r, out);
      }
    },
  };
}

/** The whole weight as floats (one copy). */
export function rawFloats(raw: RawF32): Float32Array {
  const f = new Float32Array(raw.byteLength / 4);
  raw.read(0, new Uint8Array(f.buffer));
  return f;
}
