import { BuiltinOperator, TensorType } from '../../formats/tflite/writer';
import { computeQParams, quantizeValue, qRange, type QParams } from '../../tensor/quant';
import { quantizeBias } from '../quantize/weights';
import { floatValues, type GraphOp, type TfliteGraph } from './graph';
import { quantizeWeight, WEIGHTS, type StoredWeight } from './weights';

/** A calibrated real range per tensor index of the float graph. */
export type TensorRanges = Map<number, { min: number; max: number }>;

/** Ops whose output shares its input's scale and zero point (TFLite's 8-bit specification). */
const SAME_SCALE = new Set<BuiltinOperator>([
  BuiltinOperator.MAX_POOL_2D, BuiltinOperator.AVERAGE_POOL_2D, BuiltinOperator.RESHAPE, BuiltinOperator.TRANSPOSE,
  BuiltinOperator.SQUEEZE, BuiltinOperator.PAD, BuiltinOperator.PADV2, BuiltinOperator.MIRROR_PAD, BuiltinOperator.STRIDED_SLICE,
  BuiltinOperator.GATHER, BuiltinOperator.SPLIT_V, BuiltinOperator.CONCATENATION, BuiltinOperator.RESIZE_BILINEAR,
  BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, BuiltinOperator.REDUCE_MAX, BuiltinOperator.REDUCE_MIN,
]);

/** Fixed output parameters of the 8-bit specification. */
const FIXED: Partial<Record<BuiltinOperator, QParams>> = {
  [BuiltinOperator.LOGISTIC]: { scale: 1 / 256, zeroPoint: -128 },
  [BuiltinOperator.SOFTMAX]: { scale: 1 / 256, zeroPoint: -128 },
  [BuiltinOperator.TANH]: { scale: 1 / 128, zeroPoint: 0 },
  [BuiltinOperator.LOG_SOFTMAX]: { scale: 16 / 256, zeroPoint: 127 },
};

/** Ops with int8 kernels in TFLite (and TFLite Micro for the common ones). */
export const INT8_OPS = new Set<BuiltinOperator>([
  ...SAME_SCALE, ...(Object.keys(FIXED).map(Number) as BuiltinOperator[]),
  BuiltinOperator.CONV_2D, BuiltinOperator.DEPTHWISE_CONV_2D, BuiltinOperator.FULLY_CONNECTED, BuiltinOperator.TRANSPOSE_CONV,
  BuiltinOperator.ADD, BuiltinOperator.SUB, BuiltinOperator.MUL, BuiltinOperator.MEAN, BuiltinOperator.SUM,
  BuiltinOperator.RELU, BuiltinOperator.RELU6, BuiltinOperator.RELU_N1_TO_1, BuiltinOperator.RELU_0_TO_1,
  BuiltinOperator.LEAKY_RELU, BuiltinOperator.HARD_SWISH, BuiltinOperator.GELU, BuiltinOperator.PRELU,
  BuiltinOperator.MAXIMUM, BuiltinOperator.MINIMUM, BuiltinOperator.BATCH_MATMUL, BuiltinOperator.RSQRT,
  BuiltinOperator.SQUARED_DIFFERENCE, BuiltinOperator.NEG, BuiltinOperator.ABS, BuiltinOperator.QUANTIZE, BuiltinOperator.DEQUANTIZE,
]);

export interface Int8Result {
  weights: StoredWeight[];
  /** Ops left in float (no int8 kernel), with DEQUANTIZE/QUANTIZE around them. */
  floatOps: { op: string; origin: string }[];
  io: { name: string; direction: 'input' | 'output'; type: 'int8' | 'float32'; scale: number; zeroPoint: number }[];
}

/**
 * Full-integer int8 following TFLite's 8-bit quantization specification: int8 weights symmetric
 * per output channel (FULLY_CONNECTED per tensor), zero point 0; int32 biases with scale
 * s_input * s_weight; int8 asymmetric activations from calibrated ranges; fixed output parameters
 * for LOGISTIC, SOFTMAX, TANH; inputs and outputs that must share parameters share them. Ops
 * without an int8 kernel stay float between DEQUANTIZE and QUANTIZE (and are reported).
 */
export function applyInt8(g: TfliteGraph, ranges: TensorRanges, int8Io: boolean): Int8Result {
  const isAct = (i: number) => i >= 0 && g.tensors[i].type === TensorType.FLOAT32 && g.tensors[i].data === undefined;
  const floatOps = isolateFloatOps(g, isAct);
  const keepFloat = new Set<number>();
  for (const { op } of floatOps) for (const i of [...op.inputs, ...op.outputs]) if (i >= 0 && g.tensors[i].type === TensorType.FLOAT32) keepFloat.add(i);

  // Weights and biases are quantized with their op; every other float tensor by its group's range.
  const special = new Set<number>();
  for (const op of g.ops) {
    const w = WEIGHTS[op.op];
    if (!w || keepFloat.has(op.outputs[0])) continue;
    special.add(op.inputs[w.input]);
    if (w.bias !== undefined && op.inputs[w.bias] >= 0) special.add(op.inputs[w.bias]);
  }
  const groups = new UnionFind(g.tensors.length);
  for (const op of g.ops) {
    if (!SAME_SCALE.has(op.op)) continue;
    const members = [...op.inputs, ...op.outputs].filter((i) => i >= 0 && g.tensors[i].type === TensorType.FLOAT32 && !special.has(i));
    for (const m of members.slice(1)) groups.union(members[0], m);
  }
  const groupRange = new Map<number, { min: number; max: number; fixed?: QParams }>();
  g.tensors.forEach((t, i) => {
    if (t.type !== TensorType.FLOAT32 || keepFloat.has(i) || special.has(i)) return;
    const r = rangeOf(g, i, ranges);
    const root = groups.find(i);
    const cur = groupRange.get(root);
    groupRange.set(root, cur ? { min: Math.min(cur.min, r.min), max: Math.max(cur.max, r.max), fixed: cur.fixed } : { ...r });
  });
  for (const op of g.ops) {
    const fixed = FIXED[op.op];
    if (fixed && !keepFloat.has(op.outputs[0])) groupRange.get(groups.find(op.outputs[0]))!.fixed = fixed;
  }
  const params = (i: number): QParams => {
    const r = groupRange.get(groups.find(i))!;
    return r.fixed ?? computeQParams(r.min, r.max, 'int8', false);
  };

  g.tensors.forEach((t, i) => {
    if (t.type !== TensorType.FLOAT32 || keepFloat.has(i) || special.has(i)) return;
    const p = params(i);
    const values = floatValues(t);
    t.type = TensorType.INT8;
    t.quant = { scale: [p.scale], zeroPoint: [p.zeroPoint] };
    if (values) {
      const r = qRange('int8', false);
      const q = Int8Array.from(values, (x) => quantizeValue(x, p, r));
      t.data = new Uint8Array(q.buffer);
    }
  });

  const weights: StoredWeight[] = [];
  for (const op of g.ops) {
    const w = WEIGHTS[op.op];
    if (!w || keepFloat.has(op.outputs[0])) continue;
    const wt = g.tensors[op.inputs[w.input]];
    // The specification quantizes FULLY_CONNECTED weights per tensor.
    const perChannel = op.op !== BuiltinOperator.FULLY_CONNECTED;
    if (wt.type === TensorType.FLOAT32) {
      quantizeWeight(wt, perChannel ? w.axis : undefined);
      weights.push({ tensor: wt.name, op: BuiltinOperator[op.op], from: 'float32', to: 'int8', perChannel });
    }
    const bi = w.bias !== undefined ? op.inputs[w.bias] : -1;
    if (bi >= 0 && g.tensors[bi].type === TensorType.FLOAT32) {
      const input = g.tensors[op.inputs[op.op === BuiltinOperator.TRANSPOSE_CONV ? 2 : 0]];
      const b = quantizeBias(floatValues(g.tensors[bi])!, Number(input.quant!.scale[0]), Float32Array.from(wt.quant!.scale));
      Object.assign(g.tensors[bi], { type: TensorType.INT32, data: new Uint8Array(b.values.buffer), quant: { scale: b.scales, zeroPoint: Array.from(b.scales, () => 0) } });
      weights.push({ tensor: g.tensors[bi].name, op: BuiltinOperator[op.op], from: 'float32', to: 'int32', perChannel: b.scales.length > 1 });
    }
  }
  const io = int8Io ? describeIo(g) : floatEdges(g);
  return { weights, floatOps: floatOps.map(({ op }) => ({ op: BuiltinOperator[op.op], origin: op.origin })), io };
}

function rangeOf(g: TfliteGraph, i: number, ranges: TensorRanges): { min: number; max: number } {
  const values = floatValues(g.tensors[i]);
  if (values) {
    // A -FLT_MAX pad value (max pooling) saturates to the bottom of whatever range the group has.
    let min = 0, max = 0;
    for (const v of values) { if (Math.abs(v) >= 1e30) continue; if (v < min) min = v; if (v > max) max = v; }
    return { min, max };
  }
  const r = ranges.get(i);
  if (!r) throw new Error(`no calibration range for tensor '${g.tensors[i].name}'`);
  return r;
}

/** Wraps each op without an int8 kernel: DEQUANTIZE before its activation inputs, QUANTIZE after its outputs. */
function isolateFloatOps(g: TfliteGraph, isAct: (i: number) => boolean): { op: GraphOp }[] {
  const out: { op: GraphOp }[] = [];
  for (const op of [...g.ops]) {
    if (INT8_OPS.has(op.op) || !op.outputs.some(isAct)) continue;
    const at = g.ops.indexOf(op);
    const before: GraphOp[] = [];
    op.inputs = op.inputs.map((i) => {
      if (!isAct(i)) return i;
      const f = g.tensor(`${g.tensors[i].name}_float`, g.tensors[i].shape);
      before.push({ op: BuiltinOperator.DEQUANTIZE, inputs: [i], outputs: [f], origin: op.origin });
      return f;
    });
    const after: GraphOp[] = [];
    op.outputs = op.outputs.map((o) => {
      if (!isAct(o)) return o;
      const f = g.tensor(`${g.tensors[o].name}_float`, g.tensors[o].shape);
      after.push({ op: BuiltinOperator.QUANTIZE, inputs: [f], outputs: [o], origin: op.origin });
      return f;
    });
    g.ops.splice(at, 1, ...before, op, ...after);
    out.push({ op });
  }
  return out;
}

/** Float32 inputs and outputs at the edges: QUANTIZE after each input, DEQUANTIZE before each output. */
function floatEdges(g: TfliteGraph): Int8Result['io'] {
  const io: Int8Result['io'] = [];
  g.inputs = g.inputs.map((t) => {
    const q = g.tensors[t];
    if (q.type !== TensorType.INT8) return t;
    const f = g.tensor(q.name, q.shape);
    [g.tensors[f].name, q.name] = [q.name, `${q.name}_int8`];
    g.ops.unshift({ op: BuiltinOperator.QUANTIZE, inputs: [f], outputs: [t], origin: '(graph inputs)' });
    io.push({ name: g.tensors[f].name, direction: 'input', type: 'float32', scale: Number(q.quant!.scale[0]), zeroPoint: Number(q.quant!.zeroPoint[0]) });
    return f;
  });
  g.outputs = g.outputs.map((t) => {
    const q = g.tensors[t];
    if (q.type !== TensorType.INT8) return t;
    const f = g.tensor(q.name, q.shape);
    [g.tensors[f].name, q.name] = [q.name, `${q.name}_int8`];
    g.ops.push({ op: BuiltinOperator.DEQUANTIZE, inputs: [t], outputs: [f], origin: '(graph outputs)' });
    io.push({ name: g.tensors[f].name, direction: 'output', type: 'float32', scale: Number(q.quant!.scale[0]), zeroPoint: Number(q.quant!.zeroPoint[0]) });
    return f;
  });
  return io;
}

function describeIo(g: TfliteGraph): Int8Result['io'] {
  const d = (t: number, direction: 'input' | 'output') => {
    const x = g.tensors[t];
    return { name: x.name, direction, type: x.type === TensorType.INT8 ? 'int8' as const : 'float32' as const, scale: Number(x.quant?.scale[0] ?? 1), zeroPoint: Number(x.quant?.zeroPoint[0] ?? 0) };
  };
  return [...g.inputs.map((t) => d(t, 'input')), ...g.outputs.map((t) => d(t, 'output'))];
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) { this.parent = Int32Array.from({ length: n }, (_, i) => i); }
  find(i: number): number {
    while (this.parent[i] !== i) { this.parent[i] = this.parent[this.parent[i]]; i = this.parent[i]; }
    return i;
  }
  union(a: number, b: number): void { this.parent[this.find(a)] = this.find(b); }
}
