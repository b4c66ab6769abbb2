/**
 * Transposes a C-order array of `shape`: output axis i is input axis perm[i] (numpy's transpose).
 * `out` may be given to write into (it must not overlap `values`).
 */
export function permuteArray<T extends Float32Array | Int32Array>(values: T, shape: number[], perm: readonly number[], out?: T): T {
  const dst = out ?? (new (values.constructor as { new(n: number): T })(values.length));
  if (perm.every((a, i) => a === i)) dst.set(values);
  else permuteRows(values, shape, perm, 0, dst);
  return dst;
}

/**
 * Writes rows [first, first + rows) of input axis 0 of a C-order array of `shape` (given as
 * `block`, C order) to their places in `out`, the whole array transposed by `perm`. Transposing a
 * large array a block of rows at a time keeps the written lines in cache and the input streamed.
 */
export function permuteRows<T extends Float32Array | Int32Array>(block: T, shape: number[], perm: readonly number[], first: number, out: T): void {
  const rank = shape.length;
  if (rank === 0 || block.length === 0) { out.set(block); return; }
  const outStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) { outStrides[i] = s; s *= shape[perm[i]]; }
  // Where a step along each input axis lands in the output.
  const dstStrides = new Array<number>(rank);
  perm.forEach((a, i) => { dstStrides[a] = outStrides[i]; });
  const dims = [block.length / shape.slice(1).reduce((a, b) => a * b, 1), ...shape.slice(1)];
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const n = dims[last];
  const step = dstStrides[last];
  let base = first * dstStrides[0];
  for (let s = 0; s < block.length; s += n) {
    for (let k = 0, d = base; k < n; k++, d += step) out[d] = block[s + k];
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      base += dstStrides[ax];
      if (idx[ax] < dims[ax]) break;
      base -= dstStrides[ax] * dims[ax];
      idx[ax] = 0;
    }
  }
}
