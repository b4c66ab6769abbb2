import * as assert from 'node:assert/strict';
import { permuteArray, permuteRows } from '../../../src/core/tensor/permute';

/** out[j] = values[i] where j is i's index with its axes reordered by perm: element by element, from the definition. */
function reference(values: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((a) => shape[a]);
  const out = new Float32Array(values.length);
  const strides = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
  const [is, os] = [strides(shape), strides(outShape)];
  for (let i = 0; i < values.length; i++) {
    const idx = shape.map((d, k) => Math.floor(i / is[k]) % d);
    out[perm.reduce((j, a, k) => j + idx[a] * os[k], 0)] = values[i];
  }
  return out;
}

const CASES: [number[], number[]][] = [
  [[5, 7], [1, 0]], [[4, 3, 2, 2], [0, 2, 3, 1]], [[2, 3, 4, 5], [3, 1, 0, 2]], [[3, 1, 4], [1, 2, 0]], [[6], [0]], [[2, 3, 4, 5, 2], [4, 0, 3, 1, 2]],
];

describe('tensor/permute: transposing C-order arrays', () => {
  it('permuteArray matches the definition for every case', () => {
    for (const [shape, perm] of CASES) {
      const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.5 - 3);
      assert.deepEqual(permuteArray(values, shape, perm), reference(values, shape, perm), `${shape} by ${perm}`);
    }
  });

  it('permuteRows over blocks of input rows (any block size, a short last block) writes the same array', () => {
    for (const [shape, perm] of CASES) {
      const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1);
      const row = values.length / shape[0];
      for (const rows of [1, 2, Math.max(1, shape[0] - 1)]) {
        const out = new Float32Array(values.length);
        for (let r = 0; r < shape[0]; r += rows) permuteRows(values.subarray(r * row, Math.min(shape[0], r + rows) * row), shape, perm, r, out);
        assert.deepEqual(out, reference(values, shape, perm), `${shape} by ${perm}, ${rows} rows at a time`);
      }
    }
  });
});
