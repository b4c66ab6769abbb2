/** Accumulators for comparing a reference tensor stream with a test stream, sample by sample. */
import { cosineFromSums } from '../base/bounded';

/** Running sums from which SQNR, cosine and relative error follow. */
export class ErrorSums {
  signal = 0;
  noise = 0;
  dot = 0;
  testPower = 0;
  count = 0;
  maxAbsError = 0;

  add(reference: ArrayLike<number>, test: ArrayLike<number>): void {
    if (reference.length !== test.length) throw new Error(`tensor sizes differ: ${reference.length} vs ${test.length}`);
    let s = 0, n = 0, d = 0, t = 0, m = this.maxAbsError;
    for (let i = 0; i < reference.length; i++) {
      const r = reference[i], q = test[i], e = r - q;
      s += r * r; n += e * e; d += r * q; t += q * q;
      if (Math.abs(e) > m) m = Math.abs(e);
    }
    this.signal += s; this.noise += n; this.dot += d; this.testPower += t;
    this.count += reference.length;
    this.maxAbsError = m;
  }

  /** Like add, with the test tensor given as 8-bit codes and the float value of each code (int8 at code + 128). */
  addDequantized(reference: Float32Array, codes: Uint8Array | Int8Array, table: Float32Array): void {
    if (reference.length !== codes.length) throw new Error(`tensor sizes differ: ${reference.length} vs ${codes.length}`);
    const off = codes instanceof Int8Array ? 128 : 0;
    let s = 0, n = 0, d = 0, t = 0, m = this.maxAbsError;
    for (let i = 0; i < reference.length; i++) {
      const r = reference[i], q = table[codes[i] + off], e = r - q;
      s += r * r; n += e * e; d += r * q; t += q * q;
      if (Math.abs(e) > m) m = Math.abs(e);
    }
    this.signal += s; this.noise += n; this.dot += d; this.testPower += t;
    this.count += reference.length;
    this.maxAbsError = m;
  }

  /** Adds sums computed elsewhere (in the comparison graph): Σr², Σ(r−q)², Σr·q, Σq², max|r−q|. */
  addSums(signal: number, noise: number, dot: number, testPower: number, maxAbsError: number): void {
    this.signal += signal; this.noise += noise; this.dot += dot; this.testPower += testPower;
    if (maxAbsError > this.maxAbsError) this.maxAbsError = maxAbsError;
  }

  /** 10·log10(signal / noise); Infinity when identical. */
  get sqnrDb(): number {
    if (this.noise === 0) return Infinity;
    if (this.signal === 0) return -Infinity;
    return 10 * Math.log10(this.signal / this.noise);
  }

  /** In [-1, 1] (base/bounded.ts). */
  get cosine(): number {
    return cosineFromSums(this.dot, this.signal, this.testPower);
  }

  /** ‖ref − test‖ / ‖ref‖. */
  get relativeError(): number {
    if (this.signal === 0) return this.noise === 0 ? 0 : Infinity;
    return Math.sqrt(this.noise / this.signal);
  }
}

export { argmaxRows } from '../runtime/infer';

/** log(softmax) of row `row` of a [rows, classes] matrix, computed stably. */
export function logSoftmaxRow(data: ArrayLike<number>, row: number, classes: number): Float64Array {
  const out = new Float64Array(classes);
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, data[row * classes + c]);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp(data[row * classes + c] - max);
  const lse = max + Math.log(sum);
  for (let c = 0; c < classes; c++) out[c] = data[row * classes + c] - lse;
  return out;
}

/** SQNR in dB, JSON-safe: Infinity (identical tensors) becomes null. */
export function jsonDb(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
