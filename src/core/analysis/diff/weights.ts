/**
 * Two weights compared element by element: max |a - b| and ||a - b|| / ||a||, dequantizing
 * integer weights on the fly (per tensor or per channel) and reading B in A's layout through
 * strides when the formats store it transposed. The values are read in place from each model's
 * bytes (ModelReader.weightData): nothing is copied.
 */
import type { ModelReader, WeightData } from '../../formats/format';
import type { WeightInfo } from '../../graph/types';
import { float16ToNumber } from '../../tensor/fp16';
import type { LogicalWeight } from './core-graph';
import { LAYOUT_PERMUTATIONS } from './ops';
import type { WeightDiff } from './types';

/** One side of a weight comparison. */
export interface WeightSide {
  reader: ModelReader;
  weight: LogicalWeight;
  info?: WeightInfo;
}

/**
 * How to read one side's elements in place: a DataView over its bytes (the bytes are unaligned
 * as often as not, and a typed array would need a copy), the element type, and the scale and
 * zero point of each channel (one of each for a tensor that is not quantized).
 */
interface Source {
  dv: DataView;
  kind: Kind;
  scale: Float64Array;
  zeroPoint: Float64Array;
  /** Elements per step along the channel axis (the product of the axes after it). */
  inner: number;
}

const enum Kind { f32, f64, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64 }
const KINDS: Record<string, Kind> = {
  float32: Kind.f32, float64: Kind.f64, float16: Kind.f16, bfloat16: Kind.bf16, int8: Kind.i8, uint8: Kind.u8, bool: Kind.u8,
  int16: Kind.i16, uint16: Kind.u16, int32: Kind.i32, uint32: Kind.u32, int64: Kind.i64, uint64: Kind.u64,
};

/** Elements decoded per chunk: both sides are read a chunk at a time into small scratch arrays. */
const CHUNK = 4096;
const offsetsA = new Float64Array(CHUNK), offsetsB = new Float64Array(CHUNK);
const valuesA = new Float64Array(CHUNK), valuesB = new Float64Array(CHUNK);
const bf16Scratch = new Float32Array(1);
const bf16Bits = new Uint32Array(bf16Scratch.buffer);

/** Reads the elements at `offsets[0..n)` of a source into `out`, dequantized; one loop per element type. */
function gather(s: Source, offsets: Float64Array, n: number, out: Float64Array): void {
  const dv = s.dv;
  switch (s.kind) {
    case Kind.f32: for (let k = 0; k < n; k++) out[k] = dv.getFloat32(offsets[k] * 4, true); break;
    case Kind.i8: for (let k = 0; k < n; k++) out[k] = dv.getInt8(offsets[k]); break;
    case Kind.u8: for (let k = 0; k < n; k++) out[k] = dv.getUint8(offsets[k]); break;
    case Kind.i32: for (let k = 0; k < n; k++) out[k] = dv.getInt32(offsets[k] * 4, true); break;
    case Kind.f16: for (let k = 0; k < n; k++) out[k] = float16ToNumber(dv.getUint16(offsets[k] * 2, true)); break;
    case Kind.f64: for (let k = 0; k < n; k++) out[k] = dv.getFloat64(offsets[k] * 8, true); break;
    case Kind.i16: for (let k = 0; k < n; k++) out[k] = dv.getInt16(offsets[k] * 2, true); break;
    case Kind.u16: for (let k = 0; k < n; k++) out[k] = dv.getUint16(offsets[k] * 2, true); break;
    case Kind.u32: for (let k = 0; k < n; k++) out[k] = dv.getUint32(offsets[k] * 4, true); break;
    case Kind.i64: for (let k = 0; k < n; k++) out[k] = Number(dv.getBigInt64(offsets[k] * 8, true)); break;
    case Kind.u64: for (let k = 0; k < n; k++) out[k] = Number(dv.getBigUint64(offsets[k] * 8, true)); break;
    case Kind.bf16: for (let k = 0; k < n; k++) { bf16Bits[0] = dv.getUint16(offsets[k] * 2, true) << 16; out[k] = bf16Scratch[0]; } break;
  }
  const channels = s.scale.length;
  if (channels === 1) {
    const scale = s.scale[0], zero = s.zeroPoint[0];
    if (scale !== 1 || zero !== 0) for (let k = 0; k < n; k++) out[k] = scale * (out[k] - zero);
    return;
  }
  for (let k = 0; k < n; k++) {
    const c = Math.floor(offsets[k] / s.inner) % channels;
    out[k] = s.scale[c] * (out[k] - s.zeroPoint[c]);
  }
}

export function compareWeights(a: WeightSide, b: WeightSide): { diff: WeightDiff; elements: number } {
  const diff: WeightDiff = {
    a: a.weight.name, b: b.weight.name,
    shapeA: numericShape(a.info), shapeB: numericShape(b.info), dtypeA: a.info?.dtype, dtypeB: b.info?.dtype,
  };
  const none = (note: string) => ({ diff: { ...diff, note }, elements: 0 });
  const countA = a.info?.elements ?? 0, countB = b.info?.elements ?? 0;
  if (countA !== countB) return none(`${countA} vs ${countB} elements`);
  const shapeA = diff.shapeA ?? [countA], shapeB = diff.shapeB ?? [countB];
  const perm = permutationBetween(shapeA, shapeB);
  if (!perm) return none('shapes do not correspond');
  if (impliedScale(a, b) || impliedScale(b, a)) return none('integers whose scale the op implies (an integer op\'s int32 bias)');
  const sa = sourceOf(a), sb = sourceOf(b);
  if (typeof sa === 'string') return none(sa);
  if (typeof sb === 'string') return none(sb);
  const identity = perm.every((p, i) => p === i);
  const sums = compareElements(sa, sb, squeeze(shapeA), identity ? undefined : perm, countA);
  const { maxAbs, relL2 } = sums;
  const reordered = maxAbs > 0 && sameMoments(sums, countA);
  return { diff: { ...diff, maxAbs, relL2, ...(identity ? {} : { permutation: perm }), ...(reordered ? { reordered, note: 'the same values in another order (a layout change)' } : {}) }, elements: countA };
}

/** Element-wise sums of one comparison: Σ(a-b)², Σa², and the order-free Σa, Σb, Σb². */
interface Sums { maxAbs: number; relL2: number; sa: number; sb: number; aa: number; bb: number }

/** Equal sums and sums of squares: B holds A's values in another order (a flattened NHWC dense weight). */
function sameMoments(s: Sums, n: number): boolean {
  const tol = 1e-6;
  return Math.abs(s.aa - s.bb) <= tol * s.aa && Math.abs(s.sa - s.sb) <= tol * Math.sqrt(s.aa * n);
}

function numericShape(info?: WeightInfo): number[] | undefined {
  return info?.shape?.every((d): d is number => typeof d === 'number') ? info.shape : undefined;
}

/**
 * One pass over A in C order, reading the same element of B (B = A.transpose(perm): an odometer
 * tracks its offset), a chunk of both at a time, dequantized by their channel's scale and zero point.
 */
function compareElements(a: Source, b: Source, shape: number[], perm: number[] | undefined, n: number): Sums {
  const rank = shape.length;
  const step = new Array<number>(rank).fill(0);
  if (perm) {
    const outShape = perm.map((p) => shape[p]);
    const stridesB = new Array<number>(rank);
    for (let i = rank - 1, s = 1; i >= 0; i--) { stridesB[i] = s; s *= outShape[i]; }
    // How far B's offset moves for a step along each of A's axes.
    perm.forEach((axisA, i) => { step[axisA] = stridesB[i]; });
  }
  const idx = new Array<number>(rank).fill(0);
  let maxAbs = 0, dd = 0, aa = 0, bb = 0, sumA = 0, sumB = 0, j = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const m = Math.min(CHUNK, n - start);
    for (let k = 0; k < m; k++) offsetsA[k] = start + k;
    if (perm) {
      for (let k = 0; k < m; k++) {
        offsetsB[k] = j;
        for (let r = rank - 1; r >= 0; r--) {
          j += step[r];
          if (++idx[r] < shape[r]) break;
          j -= step[r] * shape[r];
          idx[r] = 0;
        }
      }
    }
    gather(a, offsetsA, m, valuesA);
    gather(b, perm ? offsetsB : offsetsA, m, valuesB);
    for (let k = 0; k < m; k++) {
      const x = valuesA[k], y = valuesB[k], d = x - y;
      const ad = d < 0 ? -d : d;
      if (ad > maxAbs || ad !== ad) maxAbs = ad;
      dd += d * d;
      aa += x * x;
      bb += y * y;
      sumA += x;
      sumB += y;
    }
  }
  return { maxAbs, relL2: relative(dd, aa), sa: sumA, sb: sumB, aa, bb };
}

function relative(dd: number, aa: number): number {
  if (dd === 0) return 0;
  return aa === 0 ? Infinity : Math.sqrt(dd / aa);
}

/**
 * The permutation taking A's layout to B's (size-1 axes dropped first), identity when they agree:
 * a known format layout first, else any that fits the shapes. Undefined when none does.
 */
export function permutationBetween(shapeA: number[], shapeB: number[]): number[] | undefined {
  const a = squeeze(shapeA), b = squeeze(shapeB);
  if (a.length !== b.length) return undefined;
  const fits = (p: readonly number[]) => p.length === a.length && p.every((axis, i) => a[axis] === b[i]);
  const identity = a.map((_, i) => i);
  if (fits(identity)) return identity;
  return LAYOUT_PERMUTATIONS.find(fits) ?? (a.length <= 5 ? permutations(a.length).find(fits) : undefined);
}

function squeeze(shape: number[]): number[] {
  return shape.filter((d) => d !== 1);
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** Where and how to read a weight's values, or why they cannot be read. */
function sourceOf(side: WeightSide): Source | string {
  const { reader, weight } = side;
  if (!reader.weightData) return `values are not read from ${reader.format} models`;
  const d = reader.weightData(weight.name);
  const kind = d ? KINDS[d.dtype] : undefined;
  if (!d || kind === undefined) return `'${weight.name}' has no readable values`;
  const dv = new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
  const q = quantization(reader, weight, d);
  if (q && !q.scale.length) return `the scale of '${weight.name}' is not readable`;
  if (!q) return { dv, kind, scale: Float64Array.of(1), zeroPoint: Float64Array.of(0), inner: 1 };
  const channels = q.scale.length;
  const zeroPoint = new Float64Array(channels);
  for (let c = 0; c < channels; c++) zeroPoint[c] = q.zeroPoint.length === channels ? q.zeroPoint[c] : q.zeroPoint[0] ?? 0;
  const inner = d.shape.slice(q.axis + 1).reduce((x, y) => x * y, 1);
  return { dv, kind, scale: Float64Array.from(q.scale), zeroPoint, inner };
}

/** `x` stores int32 without a scale of its own (QLinearConv's bias) while `other` is float: no common scale. */
function impliedScale(x: WeightSide, other: WeightSide): boolean {
  return x.info?.dtype === 'int32' && !x.weight.scale && !x.info.quant && /float/.test(other.info?.dtype ?? '');
}

/** A small constant's values (a scale, a zero point) as numbers; none past CHUNK elements. */
function smallValues(d: WeightData): number[] {
  const kind = KINDS[d.dtype];
  const n = d.shape.reduce((x, y) => x * y, 1);
  if (kind === undefined || n > CHUNK) return [];
  const src: Source = { dv: new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength), kind, scale: Float64Array.of(1), zeroPoint: Float64Array.of(0), inner: 1 };
  for (let k = 0; k < n; k++) offsetsA[k] = k;
  gather(src, offsetsA, n, valuesA);
  return Array.from(valuesA.subarray(0, n));
}

/** Scale, zero point and axis: DequantizeLinear's (ONNX) or the tensor's own (TFLite). */
function quantization(reader: ModelReader, w: LogicalWeight, d: WeightData): { scale: ArrayLike<number>; zeroPoint: ArrayLike<number>; axis: number } | undefined {
  if (w.scale) {
    const s = reader.weightData?.(w.scale);
    if (!s) return undefined;
    const z = w.zeroPoint ? reader.weightData?.(w.zeroPoint) : undefined;
    const rank = d.shape.length;
    const axis = w.axis === undefined ? 1 : w.axis < 0 ? w.axis + rank : w.axis;
    return { scale: smallValues(s), zeroPoint: z ? smallValues(z) : [0], axis };
  }
  if (d.quant && /int/.test(d.dtype)) return { scale: d.quant.scale, zeroPoint: d.quant.zeroPoint, axis: d.quant.axis ?? 0 };
  return undefined;
}
