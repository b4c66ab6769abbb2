import type { TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor } from '../../formats/onnx/build';
import { attrInt, type Model } from '../../formats/onnx/model';
import { toFloat32 } from '../../tensor/views';
import { DataType } from '../../tensor/dtypes';
import { quantizeValue, type QRange } from '../../tensor/quant';
import { roundHalfEven } from '../../tensor/round';
import { constantTensor } from '../common';
import type { Emitter } from './emitter';
import { pushAll } from '../../base/arrays';

/** An integer weight of a QDQ model, trained as float behind a fake quantizer with its fixed scale. */
export interface QuantizedWeight {
  /** The float initializer the training graph trains. */
  float: string;
  /** The integer initializer of the QDQ model that the trained values are written back to. */
  quantized: string;
  dtype: number;
  dims: number[];
  scale: Float32Array;
  zeroPoint: number[];
  /** Axis of per-channel scales (scale.length > 1). */
  axis: number;
  range: QRange;
}

const INTEGER_WEIGHTS = new Set<number>([DataType.int8, DataType.uint8, DataType.int32]);

/** Does the model hold integer weights read by DequantizeLinear (a static or weight-only QDQ model)? */
export function hasQuantizedWeights(model: Model): boolean {
  const g = model.graph;
  return g.nodes.some((n) => n.opType === 'DequantizeLinear' && !n.domain && INTEGER_WEIGHTS.has(g.initializers().get(n.input[0])?.dataType ?? 0));
}

/**
 * Quantization-aware training form of a QDQ model: every integer weight read by a
 * DequantizeLinear becomes a float initializer (its dequantized values) feeding a new
 * QuantizeLinear with the same scale and zero point, so the pair is a fake quantizer that the
 * backward pass crosses with a straight-through estimator. int32 biases are trained as float
 * directly. Activation Q/DQ pairs stay as they are (scales fixed from calibration).
 */
export function qatRewrite(fork: Model, e: Emitter): QuantizedWeight[] {
  const g = fork.graph;
  const out: QuantizedWeight[] = [];
  const added: TensorProto[] = [];
  const quantizers = [];
  for (const dq of g.nodes) {
    const q = g.initializers().get(dq.input[0]);
    if (dq.opType !== 'DequantizeLinear' || dq.domain || !q || !INTEGER_WEIGHTS.has(q.dataType)) continue;
    const scaleTensor = constantTensor(g, dq.input[1]);
    if (!scaleTensor) continue;
    const scale = Float32Array.from(toFloat32(scaleTensor.dataType, fork.tensorData(scaleTensor)));
    const zpTensor = dq.input[2] ? constantTensor(g, dq.input[2]) : undefined;
    const zeroPoint = zpTensor ? Array.from(fork.tensorData(zpTensor) as ArrayLike<number>, Number) : Array.from(scale, () => 0);
    const dims = q.dims.map(Number);
    const axis = attrInt(dq, 'axis', 1);
    const ints = fork.tensorData(q) as Int8Array | Uint8Array | Int32Array;
    const w: QuantizedWeight = {
      float: e.fresh(`${q.name}/float`), quantized: q.name, dtype: q.dataType, dims, scale, zeroPoint,
      axis: axis < 0 ? axis + dims.length : axis, range: rangeOf(q.dataType, ints, zeroPoint),
    };
    const values = new Float32Array(ints.length);
    forEachChannel(w, (i, c) => { values[i] = (ints[i] - zeroPoint[c]) * scale[c]; });
    added.push(makeTensor(w.float, 'float32', dims, values));
    if (q.dataType === DataType.int32) {
      dq.opType = 'Identity';
      dq.input = [w.float];
      dq.attribute = [];
    } else {
      const fq = e.fresh(`${q.name}/fake_quantized`);
      quantizers.push(makeNode('QuantizeLinear', [w.float, dq.input[1], dq.input[2] ?? ''], [fq], { axis: scale.length > 1 ? w.axis : undefined }, e.fresh(`${q.name}/QuantizeLinear`)));
      dq.input[0] = fq;
    }
    out.push(w);
  }
  pushAll(g.proto.initializer, added);
  pushAll(g.proto.node, quantizers);
  g.invalidate();
  return out;
}

/** The trained float values quantized back with the weight's fixed scale and zero point. */
export function requantize(w: QuantizedWeight, values: Float32Array): TensorProto {
  if (w.dtype === DataType.int32) {
    const out = new Int32Array(values.length);
    forEachChannel(w, (i, c) => { out[i] = Math.max(w.range.qmin, Math.min(w.range.qmax, roundHalfEven(values[i] / w.scale[c]))); });
    return makeTensor(w.quantized, 'int32', w.dims, out);
  }
  const out = w.dtype === DataType.int8 ? new Int8Array(values.length) : new Uint8Array(values.length);
  forEachChannel(w, (i, c) => { out[i] = quantizeValue(values[i], { scale: w.scale[c], zeroPoint: w.zeroPoint[c] }, w.range); });
  return makeTensor(w.quantized, w.dtype === DataType.int8 ? 'int8' : 'uint8', w.dims, out);
}

/** Calls f(element index, channel) for every element; channel 0 for per-tensor scales. */
function forEachChannel(w: Pick<QuantizedWeight, 'dims' | 'axis' | 'scale'>, f: (i: number, c: number) => void): void {
  const total = w.dims.reduce((a, b) => a * b, 1);
  if (w.scale.length === 1) {
    for (let i = 0; i < total; i++) f(i, 0);
    return;
  }
  const inner = w.dims.slice(w.axis + 1).reduce((a, b) => a * b, 1);
  const channels = w.dims[w.axis];
  for (let i = 0; i < total; i++) f(i, Math.floor(i / inner) % channels);
}

/** The integer range the weight uses: symmetric int8 weights (zero point 0, no -128) keep to -127..127. */
function rangeOf(dtype: number, ints: ArrayLike<number>, zeroPoint: number[]): QRange {
  if (dtype === DataType.uint8) return { qmin: 0, qmax: 255 };
  if (dtype === DataType.int32) return { qmin: -(2 ** 31), qmax: 2 ** 31 - 1 };
  let hasMin = false;
  for (let i = 0; i < ints.length && !hasMin; i++) hasMin = ints[i] === -128;
  return zeroPoint.every((z) => z === 0) && !hasMin ? { qmin: -127, qmax: 127 } : { qmin: -128, qmax: 127 };
}
