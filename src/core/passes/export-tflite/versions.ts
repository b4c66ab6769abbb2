import { BuiltinOperator, TensorType } from '../../formats/tflite/writer';

/**
 * The operator version to declare, following TFLite's versioning rules (tools/versioning/op_version)
 * for the features Edgewise writes: a runtime that registers an op only up to some version refuses
 * a model that needs more, and delegates (NNAPI, GPU) decide support by version.
 */
export function opVersion(
  op: { op: BuiltinOperator; inputs: number[]; outputs: number[] },
  tensors: readonly { type: TensorType; shape: number[]; quant?: { scale: ArrayLike<number> } }[],
): number {
  const t = (i: number | undefined) => (i === undefined || i < 0 ? undefined : tensors[i]);
  const in0 = t(op.inputs[0])?.type;
  const in1 = t(op.inputs[1])?.type;
  const out = t(op.outputs[0])?.type;
  const perChannel = (i: number) => (t(op.inputs[i])?.quant?.scale.length ?? 1) > 1;
  const int8 = in0 === TensorType.INT8;
  const hybrid = in0 === TensorType.FLOAT32 && in1 === TensorType.INT8 && out === TensorType.FLOAT32;
  switch (op.op) {
    case BuiltinOperator.CONV_2D:
      if (int8 && in1 === TensorType.INT8) return 3;
      if (hybrid) return perChannel(1) ? 5 : 2;
      return 1;
    case BuiltinOperator.DEPTHWISE_CONV_2D:
      if (hybrid) return perChannel(1) ? 6 : 4;
      if (int8) return 3;
      return 1;
    case BuiltinOperator.FULLY_CONNECTED:
      if (hybrid && perChannel(1)) return 12;
      if (op.inputs.length === 2) return 6;
      if (int8) return 4;
      if (hybrid) return 3;
      return 1;
    case BuiltinOperator.TRANSPOSE_CONV:
      if (op.inputs.length === 4 && op.inputs[3] >= 0) return 3;
      return in1 === TensorType.INT8 ? 2 : 1;
    case BuiltinOperator.DEQUANTIZE:
      return in0 === TensorType.FLOAT16 ? 3 : int8 ? 2 : 1;
    case BuiltinOperator.QUANTIZE:
      return in0 === TensorType.FLOAT32 ? 1 : 2;
    case BuiltinOperator.BATCH_MATMUL:
      if (hybrid) return 4;
      return int8 ? 2 : 1;
    case BuiltinOperator.ADD: case BuiltinOperator.SUB: case BuiltinOperator.MUL: case BuiltinOperator.MAXIMUM: case BuiltinOperator.MINIMUM: {
      const rank = Math.max(t(op.inputs[0])?.shape.length ?? 0, t(op.inputs[1])?.shape.length ?? 0);
      if (rank > 4 && op.op !== BuiltinOperator.MUL) return op.op === BuiltinOperator.SUB ? 3 : 4;
      return int8 ? 2 : 1;
    }
    case BuiltinOperator.RESIZE_BILINEAR: case BuiltinOperator.RESIZE_NEAREST_NEIGHBOR:
      return int8 ? 2 : 1;
    case BuiltinOperator.TRANSPOSE: {
      const rank = t(op.inputs[0])?.shape.length ?? 0;
      return rank > 5 ? 6 : rank > 4 ? 4 : int8 ? 2 : 1;
    }
    case BuiltinOperator.AVERAGE_POOL_2D: case BuiltinOperator.MAX_POOL_2D: case BuiltinOperator.CONCATENATION:
    case BuiltinOperator.SOFTMAX: case BuiltinOperator.LOGISTIC: case BuiltinOperator.TANH: case BuiltinOperator.MEAN:
    case BuiltinOperator.PAD: case BuiltinOperator.PADV2: case BuiltinOperator.STRIDED_SLICE: case BuiltinOperator.GATHER:
    case BuiltinOperator.SPLIT: case BuiltinOperator.SPLIT_V: case BuiltinOperator.RELU:
    case BuiltinOperator.RELU6: case BuiltinOperator.LEAKY_RELU: case BuiltinOperator.SQUARED_DIFFERENCE:
    case BuiltinOperator.RSQRT: case BuiltinOperator.GELU: case BuiltinOperator.HARD_SWISH: case BuiltinOperator.MIRROR_PAD:
      return int8 ? 2 : 1;
    default:
      return 1;
  }
}
