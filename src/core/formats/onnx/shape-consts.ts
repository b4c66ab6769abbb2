/**
 * The integer arithmetic exporters put on shapes, folded while inferring (PyTorch's
 * Shape -> Gather -> Mul -> Concat -> Reshape, its Expand's Where(Equal(shape, -1), 1, shape),
 * Range for positions...): each rule infers the output's type as usual and, when every input's
 * value is known (a small int tensor), works out the output's value too, so the Reshape or
 * Expand at the end has a constant shape. Used by shape-rules.ts.
 */
import { attr } from './model';
import type { TensorProto } from './proto/onnx_pb';
import { elementCount, tensorArray } from './tensor';
import { DataType } from '../../tensor/dtypes';
import { MAX_CONST, constOf, setConst, type Ctx, type Rule } from './shape-ops';
import { UNKNOWN_DIM } from './value-type';

/** `rule`, plus the output's value from the inputs' values by `fold` when all of them are known. */
function folding(rule: Rule, fold: (values: number[][], c: Ctx) => number[] | undefined): Rule {
  return (c) => {
    const out = rule(c);
    const values = c.node.input.map((_, i) => constOf(c, i));
    if (values.length && values.every((v) => v)) {
      try {
        setConst(c, 0, fold(values as number[][], c));
      } catch {
        // A value this arithmetic cannot fold (a mismatched length) stays unknown.
      }
    }
    return out;
  };
}

/** Elementwise over 1-D values or scalars (what shape arithmetic uses), numpy-broadcast. */
function zip(values: number[][], f: (...xs: number[]) => number): number[] | undefined {
  const n = Math.max(...values.map((v) => v.length));
  if (values.some((v) => v.length !== n && v.length !== 1)) return undefined;
  return Array.from({ length: n }, (_, i) => f(...values.map((v) => v[v.length === 1 ? 0 : i])));
}

const isInt = (c: Ctx) => {
  const d = c.types.get(c.node.input[0])?.dtype;
  return d === DataType.int64 || d === DataType.int32;
};

/** Rules of the ops exporters use on shapes, wrapping the plain type rules of `base`. */
export function constFolding(base: Record<string, Rule>): Record<string, Rule> {
  const binary = (op: string, f: (a: number, b: number) => number) => folding(base[op], (v) => zip(v, f));
  return {
    Add: binary('Add', (a, b) => a + b),
    Sub: binary('Sub', (a, b) => a - b),
    Mul: binary('Mul', (a, b) => a * b),
    // Integer division truncates toward zero (ONNX follows C); float values are never folded.
    Div: folding(base.Div, (v, c) => (isInt(c) ? zip(v, (a, b) => (b === 0 ? NaN : Math.trunc(a / b))) : undefined)),
    Max: folding(base.Max, (v) => zip(v, Math.max)),
    Min: folding(base.Min, (v) => zip(v, Math.min)),
    Neg: folding(base.Neg, ([a]) => a.map((x) => -x)),
    Abs: folding(base.Abs, ([a]) => a.map(Math.abs)),
    Identity: folding(base.Identity, ([a]) => a),
    Equal: binary('Equal', (a, b) => Number(a === b)),
    Less: binary('Less', (a, b) => Number(a < b)),
    Greater: binary('Greater', (a, b) => Number(a > b)),
    Not: folding(base.Not, ([a]) => a.map((x) => Number(!x))),
    Where: folding(base.Where, (v) => zip(v, (cond, x, y) => (cond ? x : y))),
    Expand: folding(base.Expand, ([a, shape]) => (shape.length === 1 && (a.length === 1 || a.length === shape[0]) ? Array.from({ length: shape[0] }, (_, i) => a[a.length === 1 ? 0 : i]) : undefined)),
    ConstantOfShape: folding(base.ConstantOfShape, ([shape], c) => {
      const n = shape.reduce((p, d) => p * d, 1);
      const value = attr(c.node, 'value') as TensorProto | undefined;
      const int = value && typeof value === 'object' && (value.dataType === DataType.int64 || value.dataType === DataType.int32);
      return int && n <= MAX_CONST && elementCount(value) === 1 ? new Array<number>(n).fill(Number(tensorArray(value)[0])) : undefined;
    }),
    Range: folding(range, ([[start], [limit], [delta]]) => {
      const n = Math.max(0, Math.ceil((limit - start) / delta));
      return delta !== 0 && n <= MAX_CONST ? Array.from({ length: n }, (_, i) => start + i * delta) : undefined;
    }),
  };
}

/** Range's output: 1-D, its length known when start, limit and delta are. */
const range: Rule = (c) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => constOf(c, i)?.[0]);
  const n = start !== undefined && limit !== undefined && delta ? Math.max(0, Math.ceil((limit - start) / delta)) : UNKNOWN_DIM;
  return [{ dtype: c.types.get(c.node.input[0])?.dtype ?? 0, shape: [n] }];
};
