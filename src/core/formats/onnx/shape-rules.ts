import type { TensorProto } from './proto/onnx_pb';
import { attr, attrInt, attrInts, attrString } from './model';
import { elementCount, tensorArray } from './tensor';
import { DataType } from '../../tensor/dtypes';
import type { Dim } from '../../graph/types';
import { UNKNOWN_DIM, type ValueType } from './value-type';
import { MAX_CONST, axesOf, axisOf, broadcast, constOf, dimProduct, elementwise, input, matmulShape, reduce, reshape, same, setConst, shapeOf, windowShape, withDtype, type Ctx, type Rule } from './shape-ops';
import { constFolding } from './shape-consts';

/** How each ONNX op's output types follow from its inputs' (the way ONNX's own inference does it). */
const UNARY = [
  'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Exp', 'Log', 'Sqrt', 'Neg', 'Abs', 'Erf',
  'Gelu', 'Clip', 'Softmax', 'LogSoftmax', 'Hardmax', 'Identity', 'Elu', 'Selu', 'Celu', 'Softplus', 'Softsign', 'Mish',
  'Floor', 'Ceil', 'Round', 'Reciprocal', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Sign',
  'InstanceNormalization', 'LRN', 'ThresholdedRelu', 'Not', 'BitwiseNot', 'CumSum', 'Trilu',
];
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'];
const COMPARE = ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor'];

const BASE: Record<string, Rule> = {
  ...Object.fromEntries(UNARY.map((op) => [op, same])),
  ...Object.fromEntries(BINARY.map((op) => [op, elementwise()])),
  ...Object.fromEntries(COMPARE.map((op) => [op, elementwise(DataType.bool)])),
  ...Object.fromEntries(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2',
    'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'].map((op) => [op, reduce])),
  Where: (c) => [{ dtype: input(c, 1)?.dtype ?? 0, shape: broadcast([shapeOf(c, 0), shapeOf(c, 1), shapeOf(c, 2)]) }],
  IsNaN: (c) => [withDtype(input(c, 0), DataType.bool)],
  IsInf: (c) => [withDtype(input(c, 0), DataType.bool)],
  Dropout: (c) => [input(c, 0), withDtype(input(c, 0), DataType.bool)],
  Cast: (c) => {
    setConst(c, 0, constOf(c, 0));
    return [withDtype(input(c, 0), attrInt(c.node, 'to', 0))];
  },
  CastLike: (c) => [withDtype(input(c, 0), input(c, 1)?.dtype ?? 0)],
  BatchNormalization: (c) => [input(c, 0)],
  LayerNormalization: (c) => [input(c, 0)],
  GroupNormalization: (c) => [input(c, 0)],
  QuantizeLinear: (c) => [withDtype(input(c, 0), input(c, 2)?.dtype || attrInt(c.node, 'output_dtype', 0) || DataType.uint8)],
  DequantizeLinear: (c) => [withDtype(input(c, 0), input(c, 1)?.dtype ?? DataType.float32)],
  Conv: (c) => {
    const w = shapeOf(c, 1);
    const kernel = attrInts(c.node, 'kernel_shape') ?? (w?.slice(2).every((d) => typeof d === 'number') ? (w.slice(2) as number[]) : undefined);
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape: windowShape(c, w?.[0] ?? UNKNOWN_DIM, kernel, false) }];
  },
  ConvTranspose: (c) => {
    const x = shapeOf(c, 0);
    const w = shapeOf(c, 1);
    const dtype = input(c, 0)?.dtype ?? 0;
    if (!x || !w) return [{ dtype, shape: null }];
    const group = attrInt(c.node, 'group', 1);
    const m: Dim = typeof w[1] === 'number' ? w[1] * group : UNKNOWN_DIM;
    const nsp = x.length - 2;
    const explicit = attrInts(c.node, 'output_shape');
    if (explicit) return [{ dtype, shape: [x[0], m, ...explicit.slice(-nsp)] }];
    const kernel = attrInts(c.node, 'kernel_shape') ?? (w.slice(2) as number[]);
    const strides = attrInts(c.node, 'strides') ?? new Array(nsp).fill(1);
    const dil = attrInts(c.node, 'dilations') ?? new Array(nsp).fill(1);
    const pads = attrInts(c.node, 'pads') ?? new Array(2 * nsp).fill(0);
    const outPad = attrInts(c.node, 'output_padding') ?? new Array(nsp).fill(0);
    const autoPad = attrString(c.node, 'auto_pad') ?? 'NOTSET';
    const shape: Dim[] = [x[0], m];
    for (let i = 0; i < nsp; i++) {
      const d = x[2 + i];
      if (typeof d !== 'number' || typeof kernel[i] !== 'number') shape.push(UNKNOWN_DIM);
      else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') shape.push(d * strides[i]);
      else shape.push(strides[i] * (d - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1 - pads[i] - pads[i + nsp]);
    }
    return [{ dtype, shape }];
  },
  MaxPool: (c) => {
    const x = input(c, 0);
    const shape = windowShape(c, x?.shape?.[1] ?? UNKNOWN_DIM, attrInts(c.node, 'kernel_shape'), attrInt(c.node, 'ceil_mode', 0) === 1);
    return [{ dtype: x?.dtype ?? 0, shape }, { dtype: DataType.int64, shape }];
  },
  AveragePool: (c) => {
    const x = input(c, 0);
    return [{ dtype: x?.dtype ?? 0, shape: windowShape(c, x?.shape?.[1] ?? UNKNOWN_DIM, attrInts(c.node, 'kernel_shape'), attrInt(c.node, 'ceil_mode', 0) === 1) }];
  },
  LpPool: (c) => BASE.AveragePool(c),
  GlobalAveragePool: (c) => globalPool(c),
  GlobalMaxPool: (c) => globalPool(c),
  GlobalLpPool: (c) => globalPool(c),
  Gemm: (c) => {
    const a = shapeOf(c, 0);
    const b = shapeOf(c, 1);
    const m = a ? (attrInt(c.node, 'transA', 0) ? a[1] : a[0]) : UNKNOWN_DIM;
    const n = b ? (attrInt(c.node, 'transB', 0) ? b[0] : b[1]) : UNKNOWN_DIM;
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape: a || b ? [m ?? UNKNOWN_DIM, n ?? UNKNOWN_DIM] : null }];
  },
  MatMul: (c) => [{ dtype: input(c, 0)?.dtype ?? 0, shape: matmulShape(shapeOf(c, 0), shapeOf(c, 1)) }],
  MatMulInteger: (c) => [{ dtype: DataType.int32, shape: matmulShape(shapeOf(c, 0), shapeOf(c, 1)) }],
  Flatten: (c) => {
    const x = input(c, 0);
    if (!x?.shape) return [withDtype(x, x?.dtype ?? 0)];
    const axis = axisOf(attrInt(c.node, 'axis', 1), x.shape.length);
    return [{ dtype: x.dtype, shape: [dimProduct(x.shape.slice(0, axis)), dimProduct(x.shape.slice(axis))] }];
  },
  Reshape: (c) => {
    const x = input(c, 0);
    const target = constOf(c, 1);
    if (!target) {
      const n = shapeOf(c, 1)?.[0];
      return [{ dtype: x?.dtype ?? 0, shape: typeof n === 'number' ? new Array(n).fill(UNKNOWN_DIM) : null }];
    }
    return [{ dtype: x?.dtype ?? 0, shape: reshape(x?.shape ?? [], target, attrInt(c.node, 'allowzero', 0) === 1) }];
  },
  Transpose: (c) => {
    const x = input(c, 0);
    if (!x?.shape) return [withDtype(x, x?.dtype ?? 0)];
    const perm = attrInts(c.node, 'perm') ?? [...x.shape.keys()].reverse();
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape![p]) }];
  },
  Concat: (c) => {
    const ins = c.node.input.map((_, i) => input(c, i));
    const first = ins.find((t) => t?.shape);
    if (!first?.shape || ins.some((t) => !t?.shape)) return [{ dtype: first?.dtype ?? 0, shape: null }];
    const axis = axisOf(attrInt(c.node, 'axis', 0), first.shape.length);
    const shape = [...first.shape];
    shape[axis] = ins.reduce<Dim>((s, t) => (typeof s === 'number' && typeof t!.shape![axis] === 'number' ? s + (t!.shape![axis] as number) : UNKNOWN_DIM), 0);
    const vals = c.node.input.map((_, i) => constOf(c, i));
    if (vals.every((v) => v)) setConst(c, 0, vals.flat() as number[]);
    return [{ dtype: first.dtype, shape }];
  },
  Shape: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ dtype: DataType.int64, shape: [UNKNOWN_DIM] }];
    const rank = x.length;
    const start = axisOf(Math.max(-rank, Math.min(rank, attrInt(c.node, 'start', 0))), rank);
    const endAttr = attr(c.node, 'end');
    const end = typeof endAttr === 'number' ? axisOf(Math.max(-rank, Math.min(rank, endAttr)), rank) : rank;
    const dims = x.slice(start, end);
    if (dims.every((d) => typeof d === 'number')) setConst(c, 0, dims as number[]);
    return [{ dtype: DataType.int64, shape: [dims.length] }];
  },
  Size: () => [{ dtype: DataType.int64, shape: [] }],
  Constant: (c) => {
    const t = attr(c.node, 'value') as TensorProto | undefined;
    if (t && typeof t === 'object' && '$typeName' in t) {
      if ((t.dataType === DataType.int64 || t.dataType === DataType.int32) && elementCount(t) <= MAX_CONST && t.dataLocation !== 1) {
        setConst(c, 0, Array.from(tensorArray(t) as ArrayLike<number | bigint>, Number));
      }
      return [{ dtype: t.dataType, shape: t.dims.map(Number) }];
    }
    const ints = attrInts(c.node, 'value_ints');
    if (ints) { setConst(c, 0, ints); return [{ dtype: DataType.int64, shape: [ints.length] }]; }
    const int = attr(c.node, 'value_int');
    if (typeof int === 'number') { setConst(c, 0, [int]); return [{ dtype: DataType.int64, shape: [] }]; }
    if (attr(c.node, 'value_float') !== undefined) return [{ dtype: DataType.float32, shape: [] }];
    const floats = attr(c.node, 'value_floats');
    if (Array.isArray(floats)) return [{ dtype: DataType.float32, shape: [floats.length] }];
    return [];
  },
  ConstantOfShape: (c) => {
    const shape = constOf(c, 0);
    const value = attr(c.node, 'value') as TensorProto | undefined;
    return [{ dtype: value && typeof value === 'object' && '$typeName' in value ? value.dataType : DataType.float32, shape: shape ?? null }];
  },
  Unsqueeze: (c) => {
    const x = input(c, 0);
    const axes = axesOf(c, 1);
    if (!x?.shape || !axes) return [{ dtype: x?.dtype ?? 0, shape: null }];
    const rank = x.shape.length + axes.length;
    const set = new Set(axes.map((a) => axisOf(a, rank)));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : x.shape[j++]);
    setConst(c, 0, constOf(c, 0));
    return [{ dtype: x.dtype, shape }];
  },
  Squeeze: (c) => {
    const x = input(c, 0);
    if (!x?.shape) return [withDtype(x, x?.dtype ?? 0)];
    const axes = axesOf(c, 1);
    if (!axes && c.node.input[1]) return [{ dtype: x.dtype, shape: null }];
    const set = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => axisOf(a, x.shape!.length)));
    setConst(c, 0, constOf(c, 0));
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !set.has(i)) }];
  },
  Gather: (c) => {
    const x = input(c, 0);
    const idx = shapeOf(c, 1);
    if (!x?.shape || !idx) return [{ dtype: x?.dtype ?? 0, shape: null }];
    const axis = axisOf(attrInt(c.node, 'axis', 0), x.shape.length);
    const data = constOf(c, 0);
    const which = constOf(c, 1);
    if (data && which && axis === 0) setConst(c, 0, which.map((i) => data[i < 0 ? i + data.length : i]));
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx, ...x.shape.slice(axis + 1)] }];
  },
  Slice: (c) => {
    const x = input(c, 0);
    const starts = constOf(c, 1) ?? attrInts(c.node, 'starts');
    const ends = constOf(c, 2) ?? attrInts(c.node, 'ends');
    const rank = x?.shape?.length ?? 0;
    const givenAxes = (constOf(c, 3) ?? attrInts(c.node, 'axes'))?.map((a) => axisOf(a, rank));
    if (!x?.shape || !starts || !ends) {
      // Unknown bounds: only the sliced axes are unknown (all of them when the axes are unknown too).
      const sliced = givenAxes && c.node.input[3] !== undefined ? new Set(givenAxes) : undefined;
      return [{ dtype: x?.dtype ?? 0, shape: x?.shape ? x.shape.map((d, i) => (sliced && !sliced.has(i) ? d : UNKNOWN_DIM)) : null }];
    }
    const axes = givenAxes ?? starts.map((_, i) => i);
    const steps = constOf(c, 4) ?? starts.map(() => 1);
    const shape = [...x.shape];
    const data = constOf(c, 0);
    axes.forEach((a, i) => {
      const d = shape[a];
      if (typeof d !== 'number') { shape[a] = UNKNOWN_DIM; return; }
      const step = steps[i];
      const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + d : v));
      const s = step > 0 ? clamp(starts[i], 0, d) : clamp(starts[i], -1, d - 1);
      const e = step > 0 ? clamp(ends[i], 0, d) : clamp(ends[i], -1, d - 1);
      shape[a] = Math.max(0, Math.ceil((e - s) / step));
      if (data && rank === 1 && step > 0) setConst(c, 0, data.slice(s, e).filter((_, k) => k % step === 0));
    });
    return [{ dtype: x.dtype, shape }];
  },
  Split: (c) => {
    const x = input(c, 0);
    const outs = c.node.output.length;
    if (!x?.shape) return new Array(outs).fill({ dtype: x?.dtype ?? 0, shape: null });
    const axis = axisOf(attrInt(c.node, 'axis', 0), x.shape.length);
    const d = x.shape[axis];
    const split = attrInts(c.node, 'split') ?? constOf(c, 1);
    const splitUnknown = !split && !!c.node.input[1];
    return c.node.output.map((_, i) => {
      const shape = [...x.shape!];
      if (split) shape[axis] = split[i];
      else if (splitUnknown) shape[axis] = UNKNOWN_DIM;
      else if (typeof d === 'number') shape[axis] = Math.ceil(d / outs) - (i === outs - 1 ? Math.ceil(d / outs) * outs - d : 0);
      else shape[axis] = UNKNOWN_DIM;
      return { dtype: x.dtype, shape };
    });
  },
  Expand: (c) => {
    const target = constOf(c, 1);
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape: target ? broadcast([shapeOf(c, 0), target]) : null }];
  },
  Tile: (c) => {
    const x = shapeOf(c, 0);
    const reps = constOf(c, 1);
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape: x && reps ? x.map((d, i) => (typeof d === 'number' ? d * reps[i] : UNKNOWN_DIM)) : null }];
  },
  Pad: (c) => {
    const x = shapeOf(c, 0);
    const pads = constOf(c, 1) ?? attrInts(c.node, 'pads');
    if (!x || !pads) return [{ dtype: input(c, 0)?.dtype ?? 0, shape: x ? x.map(() => UNKNOWN_DIM) : null }];
    const axes = constOf(c, 3)?.map((a) => axisOf(a, x.length)) ?? [...x.keys()];
    const shape = [...x];
    axes.forEach((a, i) => {
      const d = shape[a];
      shape[a] = typeof d === 'number' ? d + pads[i] + pads[i + axes.length] : UNKNOWN_DIM;
    });
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape }];
  },
  LSTM: (c) => recurrent(c, 3),
  GRU: (c) => recurrent(c, 2),
  RNN: (c) => recurrent(c, 1),
  DepthToSpace: (c) => {
    const x = shapeOf(c, 0);
    const b = attrInt(c.node, 'blocksize', 1);
    const [n, ch, h, w] = x ?? [];
    if (!x || x.length !== 4) return [{ dtype: input(c, 0)?.dtype ?? 0, shape: null }];
    const mul = (d: Dim, k: number): Dim => (typeof d === 'number' ? d * k : UNKNOWN_DIM);
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape: [n, typeof ch === 'number' ? ch / (b * b) : UNKNOWN_DIM, mul(h, b), mul(w, b)] }];
  },
  SpaceToDepth: (c) => {
    const x = shapeOf(c, 0);
    const b = attrInt(c.node, 'blocksize', 1);
    if (!x || x.length !== 4) return [{ dtype: input(c, 0)?.dtype ?? 0, shape: null }];
    const div = (d: Dim): Dim => (typeof d === 'number' ? d / b : UNKNOWN_DIM);
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape: [x[0], typeof x[1] === 'number' ? x[1] * b * b : UNKNOWN_DIM, div(x[2]), div(x[3])] }];
  },
  Resize: (c) => {
    const x = shapeOf(c, 0);
    const dtype = input(c, 0)?.dtype ?? 0;
    if (!x) return [{ dtype, shape: null }];
    // Opset 11+: (X, roi, scales, sizes); opset 10: (X, scales). Output = floor(input * scale).
    const sizes = c.node.input.length >= 4 ? constOf(c, 3) : undefined;
    if (sizes && sizes.length === x.length) return [{ dtype, shape: sizes }];
    const scalesName = c.node.input[c.node.input.length === 2 ? 1 : 2];
    const scales = scalesName ? c.floats.get(scalesName) : undefined;
    if (scales && scales.length === x.length) return [{ dtype, shape: x.map((d, i) => (typeof d === 'number' ? Math.floor(d * scales[i]) : UNKNOWN_DIM)) }];
    return [{ dtype, shape: x.map(() => UNKNOWN_DIM) }];
  },
  ArgMax: (c) => argReduce(c),
  ArgMin: (c) => argReduce(c),
  TopK: (c) => {
    const x = shapeOf(c, 0);
    const k = constOf(c, 1)?.[0];
    if (!x) return [];
    const axis = axisOf(attrInt(c.node, 'axis', -1), x.length);
    const shape = x.map((d, i) => (i === axis ? k ?? UNKNOWN_DIM : d));
    return [{ dtype: input(c, 0)?.dtype ?? 0, shape }, { dtype: DataType.int64, shape }];
  },
};

/** Every rule, with the integer shape arithmetic of exports folded to values (shape-consts.ts). */
export const RULES: Record<string, Rule> = { ...BASE, ...constFolding(BASE) };

function globalPool(c: Ctx): ValueType[] {
  const x = input(c, 0);
  return [{ dtype: x?.dtype ?? 0, shape: x?.shape ? x.shape.map((d, i) => (i < 2 ? d : 1)) : null }];
}

/** LSTM/GRU/RNN: Y [seq, directions, batch, hidden], then the last hidden (and cell) state. */
function recurrent(c: Ctx, gates: number): ValueType[] {
  const x = shapeOf(c, 0);
  const w = shapeOf(c, 1);
  const dtype = input(c, 0)?.dtype ?? 0;
  const hidden = attrInt(c.node, 'hidden_size', 0) || (w && typeof w[1] === 'number' ? w[1] / (gates === 3 ? 4 : gates === 2 ? 3 : 1) : 0);
  if (!x || !hidden) return [];
  const dirs = attrString(c.node, 'direction') === 'bidirectional' ? 2 : 1;
  const batchFirst = attrInt(c.node, 'layout', 0) === 1;
  const [seq, batch] = batchFirst ? [x[1], x[0]] : [x[0], x[1]];
  const y: Dim[] = batchFirst ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
  const state: Dim[] = batchFirst ? [batch, dirs, hidden] : [dirs, batch, hidden];
  return [{ dtype, shape: y }, { dtype, shape: state }, { dtype, shape: state }];
}

function argReduce(c: Ctx): ValueType[] {
  const x = shapeOf(c, 0);
  if (!x) return [{ dtype: DataType.int64, shape: null }];
  const axis = axisOf(attrInt(c.node, 'axis', 0), x.length);
  const keep = attrInt(c.node, 'keepdims', 1) === 1;
  return [{ dtype: DataType.int64, shape: keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis) }];
}
