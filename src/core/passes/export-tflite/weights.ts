import { BuiltinOperator, TensorType } from '../../formats/tflite/writer';
import { toFloat16 } from '../../tensor/fp16';
import { quantizeTensor } from '../../tensor/quant';
import { floatValues, type GraphOp, type GraphTensor, type LazyFloat32, type TfliteGraph } from './graph';

/** The four edge modes, plus none (float32). */
export const EXPORT_MODES = ['none', 'float16', 'dynamic', 'int8', 'int8-weights'] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];

/** Weighted ops: which input holds the weights and along which axis a channel's scale runs. */
export const WEIGHTS: Partial<Record<BuiltinOperator, { input: number; axis: number; bias?: number }>> = {
  [BuiltinOperator.CONV_2D]: { input: 1, axis: 0, bias: 2 },
  [BuiltinOperator.DEPTHWISE_CONV_2D]: { input: 1, axis: 3, bias: 2 },
  [BuiltinOperator.FULLY_CONNECTED]: { input: 1, axis: 0, bias: 2 },
  [BuiltinOperator.TRANSPOSE_CONV]: { input: 1, axis: 0, bias: 3 },
};

/** Ops with hybrid kernels (float activations, int8 weights quantized per channel, activations quantized inside). */
const HYBRID = new Set<BuiltinOperator>([BuiltinOperator.CONV_2D, BuiltinOperator.DEPTHWISE_CONV_2D, BuiltinOperator.FULLY_CONNECTED]);

/** A weight the mode stored in another type. */
export interface StoredWeight { tensor: string; op: string; from: string; to: string; perChannel: boolean; dequantizedBy?: 'DEQUANTIZE' | 'kernel' }


function isFloatConstant(t: GraphTensor): boolean {
  return t.type === TensorType.FLOAT32 && t.data !== undefined && !(t.data instanceof Int32Array);
}

/** Float constants read by ops (not int32 shapes/axes), each with the ops reading it. */
function floatConstants(g: TfliteGraph): Map<number, GraphOp[]> {
  const out = new Map<number, GraphOp[]>();
  for (const op of g.ops) {
    for (const i of op.inputs) {
      if (i < 0 || !isFloatConstant(g.tensors[i])) continue;
      const list = out.get(i) ?? [];
      if (!list.includes(op)) list.push(op);
      out.set(i, list);
    }
  }
  return out;
}

/** Inserts DEQUANTIZE(stored) -> float32 tensor before every reader of constant `t` (ops first, then the rest of the graph). */
function dequantizeBefore(g: TfliteGraph, t: number, readers: GraphOp[]): void {
  const src = g.tensors[t];
  const f = g.tensor(`${src.name}_dequantized`, src.shape);
  const deq: GraphOp = { op: BuiltinOperator.DEQUANTIZE, inputs: [t], outputs: [f], origin: readers[0].origin };
  g.ops.splice(0, 0, deq);
  for (const r of readers) r.inputs = r.inputs.map((i) => (i === t ? f : i));
}

/**
 * float16: every float constant (weights, biases, other constants of more than one value) stored
 * as float16 and turned back into float32 by a DEQUANTIZE when the model loads.
 */
export function applyFloat16(g: TfliteGraph): StoredWeight[] {
  const out: StoredWeight[] = [];
  for (const [t, readers] of floatConstants(g)) {
    const tensor = g.tensors[t];
    const float32 = { ...tensor };
    const n = (tensor.data as Float32Array | LazyFloat32).length;
    if (n < 2) continue;
    tensor.type = TensorType.FLOAT16;
    // Converted as the file is written, straight into it.
    tensor.data = { byteLength: 2 * n, write: (into) => { toFloat16(floatValues(float32)!, new Uint16Array(into.buffer, into.byteOffset, n)); } };
    dequantizeBefore(g, t, readers);
    out.push({ tensor: tensor.name, op: BuiltinOperator[readers[0].op], from: 'float32', to: 'float16', perChannel: false, dequantizedBy: 'DEQUANTIZE' });
  }
  return out;
}

/** Symmetric int8 weights (zero point 0, -127..127), per channel along `axis` or per tensor. */
export function quantizeWeight(tensor: GraphTensor, axis: number | undefined): void {
  const values = floatValues(tensor)!;
  const q = quantizeTensor(values, tensor.shape, 'int8', true, axis);
  tensor.type = TensorType.INT8;
  tensor.data = new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.byteLength);
  tensor.quant = { scale: q.scales, zeroPoint: Array.from(q.zeroPoints), ...(axis !== undefined ? { axis } : {}) };
}

/**
 * dynamic: weights of CONV_2D and DEPTHWISE_CONV_2D int8 per output channel, FULLY_CONNECTED per tensor,
 * read as such by TFLite's hybrid kernels (activations stay float and are quantized on the fly).
 * int8-weights: the weights of every weighted op int8 per channel, DEQUANTIZEd to float32 once
 * loaded (the smallest file without integer arithmetic).
 */
export function applyInt8Weights(g: TfliteGraph, hybrid: boolean): StoredWeight[] {
  const out: StoredWeight[] = [];
  const done = new Set<number>();
  for (const op of [...g.ops]) {
    const w = WEIGHTS[op.op];
    if (!w) continue;
    const t = op.inputs[w.input];
    if (done.has(t) || !isFloatConstant(g.tensors[t])) continue;
    if (hybrid && !HYBRID.has(op.op)) continue;
    done.add(t);
    // Per-channel hybrid FULLY_CONNECTED is version 12 (TFLite 2.13+); older interpreters, the one
    // Edgewise runs included, only have the per-tensor hybrid kernel.
    const perChannel = !(hybrid && op.op === BuiltinOperator.FULLY_CONNECTED);
    quantizeWeight(g.tensors[t], perChannel ? w.axis : undefined);
    const readers = g.consumers(t);
    if (!hybrid) dequantizeBefore(g, t, readers);
    out.push({ tensor: g.tensors[t].name, op: BuiltinOperator[op.op], from: 'float32', to: 'int8', perChannel, dequantizedBy: hybrid ? 'kernel' : 'DEQUANTIZE' });
  }
  return out;
}
