import type { NodeProto } from './proto/onnx_pb';
import { attrInt, attrInts, attrString } from './model';
import type { Dim } from '../../graph/types';
import { UNKNOWN_DIM, type ValueType } from './value-type';

/** Shape arithmetic shared by the inference rules (shape-rules.ts): broadcasting, windows, reshape, reductions. */

/** Small integer tensors (shapes, axes, pads) kept by value so Reshape/Slice/... can use them. */
export const MAX_CONST = 64;

/** What a rule sees: its node, the types inferred so far and small constant values by name. */
export interface Ctx {
  node: NodeProto;
  types: Map<string, ValueType>;
  consts: Map<string, number[]>;
  /** Small float initializers (Resize scales), read when a rule asks for one. */
  floats: { get(name: string): number[] | undefined };
}

export type Rule = (c: Ctx) => (ValueType | undefined)[];

export function input(c: Ctx, i: number): ValueType | undefined {
  const name = c.node.input[i];
  return name ? c.types.get(name) : undefined;
}

export function shapeOf(c: Ctx, i: number): Dim[] | undefined {
  return input(c, i)?.shape ?? undefined;
}

export function constOf(c: Ctx, i: number): number[] | undefined {
  const name = c.node.input[i];
  return name ? c.consts.get(name) : undefined;
}

export function setConst(c: Ctx, i: number, values: number[] | undefined): void {
  if (values && values.length <= MAX_CONST && c.node.output[i]) c.consts.set(c.node.output[i], values);
}

export function same(c: Ctx): ValueType[] {
  const t = input(c, 0);
  return t ? [t] : [];
}

export function withDtype(t: ValueType | undefined, dtype: number): ValueType {
  return { dtype, shape: t?.shape ?? null };
}

export function axisOf(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export function broadcast(shapes: (Dim[] | null | undefined)[]): Dim[] | null {
  if (shapes.some((s) => !s)) return null;
  const rank = Math.max(...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s![s!.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim === 1) dim = d;
      else if (dim !== d) dim = typeof dim === 'number' ? dim : typeof d === 'number' ? d : UNKNOWN_DIM;
    }
    out.push(dim);
  }
  return out;
}

export function elementwise(outDtype?: number): Rule {
  return (c) => {
    const ins = c.node.input.map((_, i) => input(c, i));
    const dtype = outDtype ?? ins.find((t) => t && t.dtype)?.dtype ?? 0;
    return [{ dtype, shape: broadcast(ins.map((t) => t?.shape)) }];
  };
}

/** Output size of a sliding window (Conv, pooling) along one axis. */
export function windowDim(inDim: Dim, k: number, stride: number, dilation: number, padBegin: number, padEnd: number, autoPad: string, ceil: boolean): Dim {
  if (typeof inDim !== 'number') return UNKNOWN_DIM;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(inDim / stride);
  const span = (k - 1) * dilation + 1;
  const pads = autoPad === 'VALID' ? 0 : padBegin + padEnd;
  const n = (inDim + pads - span) / stride;
  return (ceil ? Math.ceil(n) : Math.floor(n)) + 1;
}

export function windowShape(c: Ctx, channels: Dim, kernel: number[] | undefined, ceil: boolean): Dim[] | null {
  const x = shapeOf(c, 0);
  if (!x || !kernel) return null;
  const nsp = x.length - 2;
  const strides = attrInts(c.node, 'strides') ?? new Array(nsp).fill(1);
  const dilations = attrInts(c.node, 'dilations') ?? new Array(nsp).fill(1);
  const pads = attrInts(c.node, 'pads') ?? new Array(2 * nsp).fill(0);
  const autoPad = attrString(c.node, 'auto_pad') ?? 'NOTSET';
  const out: Dim[] = [x[0], channels];
  for (let i = 0; i < nsp; i++) out.push(windowDim(x[2 + i], kernel[i], strides[i], dilations[i], pads[i], pads[i + nsp], autoPad, ceil));
  return out;
}

export function matmulShape(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | null {
  if (!a || !b || a.length === 0 || b.length === 0) return null;
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]) ?? [];
  const out = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

/** Product of dims; a single symbolic dim times known 1s stays that symbol. */
export function dimProduct(ds: Dim[]): Dim {
  let p = 1;
  const symbols: Dim[] = [];
  for (const d of ds) {
    if (typeof d === 'number') p *= d;
    else symbols.push(d);
  }
  if (symbols.length === 0) return p;
  return symbols.length === 1 && p === 1 && symbols[0] !== UNKNOWN_DIM ? symbols[0] : UNKNOWN_DIM;
}

export function reshape(x: Dim[], target: number[], allowZero: boolean): Dim[] {
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? x[i] ?? UNKNOWN_DIM : d));
  const infer = out.indexOf(-1);
  if (infer >= 0) {
    // Divide the input's size by the other target dims, cancelling a symbol that appears in both.
    const rest = out.filter((_, i) => i !== infer);
    const xs = [...x];
    const others: Dim[] = [];
    for (const d of rest) {
      const j = typeof d === 'string' ? xs.indexOf(d) : -1;
      if (j >= 0 && d !== UNKNOWN_DIM) xs.splice(j, 1);
      else others.push(d);
    }
    const num = dimProduct(xs);
    const den = dimProduct(others);
    if (typeof num === 'number' && typeof den === 'number') out[infer] = den > 0 ? num / den : UNKNOWN_DIM;
    else if (typeof num === 'string' && den === 1) out[infer] = num;
    else if (typeof den === 'number' && den > 0 && xs.filter((d) => typeof d === 'string').length === 1) {
      const known = dimProduct(xs.filter((d) => typeof d === 'number'));
      out[infer] = known === den ? (xs.find((d) => typeof d === 'string') as string) : UNKNOWN_DIM;
    } else out[infer] = UNKNOWN_DIM;
  }
  return out;
}

/** Axes from the attribute (older opsets) or the second input (newer). */
export function axesOf(c: Ctx, inputIndex: number): number[] | undefined {
  return attrInts(c.node, 'axes') ?? constOf(c, inputIndex);
}

export function reduce(c: Ctx): ValueType[] {
  const t = input(c, 0);
  if (!t?.shape) return [withDtype(t, t?.dtype ?? 0)];
  const keep = attrInt(c.node, 'keepdims', 1) === 1;
  const axesGiven = axesOf(c, 1);
  if (!axesGiven && c.node.input[1]) return [{ dtype: t.dtype, shape: null }];
  const rank = t.shape.length;
  const axes = new Set((axesGiven && axesGiven.length > 0 ? axesGiven : attrInt(c.node, 'noop_with_empty_axes', 0) ? [] : [...t.shape.keys()]).map((a) => axisOf(a, rank)));
  const shape: Dim[] = [];
  t.shape.forEach((d, i) => {
    if (!axes.has(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ dtype: t.dtype, shape }];
}
