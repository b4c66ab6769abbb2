import type { NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor, type NameAllocator } from '../../formats/onnx/build';
import { quantizeTensor, type QType, type QuantizedTensor } from '../../tensor/quant';
import { roundHalfEven } from '../../tensor/round';

/** How one float tensor was replaced: what the analysis engineer maps per-layer error through. */
export interface TensorMapping {
  /** The float tensor's name in the input model. */
  float: string;
  /** The quantized tensor's name in the output model (an initializer, or a QuantizeLinear output). */
  quantized: string;
  /** The float value consumers read now (DequantizeLinear output), when there is one. */
  dequantized?: string;
  kind: 'weight' | 'bias' | 'activation';
  /** The node the tensor feeds (or is produced by, for activations). */
  node: string;
  dtype: QType | 'int32' | 'float16';
  axis?: number;
  /** Name of the scale tensor in the output model (none for float16). */
  scale?: string;
  zeroPoint?: string;
  /** Scale values (one per channel), for reports; omitted for long per-channel lists. */
  scales?: number[];
  zeroPoints?: number[];
  /** Float bytes before and quantized bytes after (weights and biases). */
  bytesBefore?: number;
  bytesAfter?: number;
  /** float16: values beyond ±65504 clamped to it. */
  clamped?: number;
}

const REPORT_SCALES = 16;

export function scaleSummary(q: { scales: Float32Array; zeroPoints: Int32Array }): Pick<TensorMapping, 'scales' | 'zeroPoints'> {
  if (q.scales.length > REPORT_SCALES) return {};
  return { scales: [...q.scales], zeroPoints: [...q.zeroPoints] };
}

/** Initializers for a quantized tensor's scale and zero point (scalars when per-tensor). */
export function qparamTensors(
  base: string, q: QuantizedTensor, type: QType, names: NameAllocator,
): { scale: TensorProto; zeroPoint: TensorProto } {
  const perChannel = q.axis !== undefined;
  const dims = perChannel ? [q.scales.length] : [];
  const scale = makeTensor(names.take(`${base}_scale`), 'float32', dims, Float32Array.from(q.scales));
  const zpData = type === 'uint8' ? Uint8Array.from(q.zeroPoints) : Int8Array.from(q.zeroPoints);
  const zeroPoint = makeTensor(names.take(`${base}_zero_point`), type === 'uint8' ? 'uint8' : 'int8', dims, zpData);
  return { scale, zeroPoint };
}

export interface DequantizedWeight {
  initializers: TensorProto[];
  node: NodeProto;
  mapping: TensorMapping;
  q: QuantizedTensor;
}

/** Quantizes a constant to int8/uint8 and emits `DequantizeLinear(q, scale, zp[, axis])`. */
export function dequantizedWeight(
  floatName: string, values: Float32Array, dims: number[], type: QType, symmetric: boolean,
  axis: number | undefined, names: NameAllocator, consumer: string,
): DequantizedWeight {
  const q = quantizeTensor(values, dims, type, symmetric, axis);
  const qName = names.take(`${floatName}_quantized`);
  const qt = makeTensor(qName, type === 'uint8' ? 'uint8' : 'int8', dims, q.values);
  const { scale, zeroPoint } = qparamTensors(floatName, q, type, names);
  const out = names.take(`${floatName}_dequantized`);
  const node = makeNode('DequantizeLinear', [qName, scale.name, zeroPoint.name], [out],
    { axis: axis !== undefined ? axis : undefined }, names.take(`${floatName}_DequantizeLinear`));
  return {
    initializers: [qt, scale, zeroPoint], node, q,
    mapping: {
      float: floatName, quantized: qName, dequantized: out, kind: 'weight', node: consumer, dtype: type, axis,
      scale: scale.name, zeroPoint: zeroPoint.name, ...scaleSummary(q), bytesBefore: values.length * 4, bytesAfter: q.values.length,
    },
  };
}

const INT32_MAX = 2147483647;

/**
 * Bias to int32 with scale = s_input * s_weight[c] and zero point 0 (what QLinearConv/QGemm need).
 * Per-channel when the weight scales are.
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { values: Int32Array; scales: Float32Array } {
  const scales = new Float32Array(weightScales.length);
  for (let c = 0; c < scales.length; c++) scales[c] = Math.fround(inputScale * weightScales[c]);
  const values = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const s = scales.length === 1 ? scales[0] : scales[i];
    const q = s === 0 ? 0 : roundHalfEven(bias[i] / s);
    values[i] = q > INT32_MAX ? INT32_MAX : q < -INT32_MAX ? -INT32_MAX : q;
  }
  return { values, scales };
}
