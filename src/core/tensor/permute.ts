/**
 * Transposes a C-order array of `shape`: output axis i is input axis perm[i] (numpy's transpose).
 * `out` may be given to write into (it must not overlap `values`).
 */
export function permuteArray<T extends Float32Array | Int32Array>(values: T, shape: number[], perm: readonly number[], out?: T): T {
  const rank = shape.length;
  const dst = out ?? (new (values.constructor as { new(n: number): T })(values.length));
  if (perm.every((a, i) => a === i)) { dst.set(values); return dst; }
  const outShape = perm.map((a) => shape[a]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  // Stride in the input for each output axis, innermost loop unrolled over the last output axis.
  const strides = perm.map((a) => inStrides[a]);
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const n = outShape[last];
  const step = strides[last];
  let base = 0;
  for (let o = 0; o < dst.length; o += n) {
    for (let k = 0, src = base; k < n; k++, src += step) dst[o + k] = values[src];
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      base += strides[ax];
      if (idx[ax] < outShape[ax]) break;
      base -= strides[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
  return dst;
}


/**
 * `permuteArray` over raw little-endian bytes of `elemBytes`-byte elements: works on data at any
 * byte offset (weights inside a protobuf need not be aligned for a typed-array view).
 */
export function permuteBytes(src: Uint8Array, elemBytes: number, shape: number[], perm: readonly number[], dst: Uint8Array): void {
  const rank = shape.length;
  if (perm.every((a, i) => a === i)) { dst.set(src.subarray(0, dst.byteLength)); return; }
  const outShape = perm.map((a) => shape[a]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  const strides = perm.map((a) => inStrides[a] * elemBytes);
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const n = outShape[last];
  const step = strides[last];
  let base = 0;
  for (let o = 0; o < dst.byteLength; o += n * elemBytes) {
    for (let k = 0, s = base, d = o; k < n; k++, s += step) for (let b = 0; b < elemBytes; b++) dst[d++] = src[s + b];
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      base += strides[ax];
      if (idx[ax] < outShape[ax]) break;
      base -= strides[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
}
