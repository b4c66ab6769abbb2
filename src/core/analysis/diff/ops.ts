/**
 * Facts about ops that a model diff needs: which ops of ONNX (default, com.microsoft), TFLite and
 * Core ML compute the same thing (an op class), which are quantize/dequantize plumbing, where a
 * quantized op keeps its weights and their scales, and the weight layouts the formats use.
 */

/** Ops of several formats that do the same job share a class; unlisted ops are their own class. */
const CLASSES: Record<string, string> = {};
function group(cls: string, ops: string): void {
  for (const op of ops.split(/\s+/)) if (op) CLASSES[op] = cls;
}
group('conv', 'Conv ConvInteger QLinearConv CONV_2D DEPTHWISE_CONV_2D convolution conv');
group('convtranspose', 'ConvTranspose TRANSPOSE_CONV deconvolution conv_transpose');
group('dense', 'Gemm MatMul MatMulInteger QLinearMatMul QGemm MatMulNBits DynamicQuantizeMatMul FULLY_CONNECTED BATCH_MATMUL innerProduct batchedMatmul linear matmul');
group('add', 'Add QLinearAdd ADD add');
group('mul', 'Mul QLinearMul MUL mul');
group('sub', 'Sub SUB sub');
group('div', 'Div DIV real_div');
group('relu', 'Relu RELU relu');
group('clip', 'Clip RELU6 RELU_N1_TO_1 clip');
group('sigmoid', 'Sigmoid QLinearSigmoid LOGISTIC sigmoid');
group('tanh', 'Tanh TANH tanh');
group('leakyrelu', 'LeakyRelu QLinearLeakyRelu LEAKY_RELU leaky_relu');
group('hardswish', 'HardSwish HARD_SWISH');
group('gelu', 'Gelu GELU gelu');
group('softmax', 'Softmax QLinearSoftmax SOFTMAX softmax');
group('logsoftmax', 'LogSoftmax LOG_SOFTMAX');
group('maxpool', 'MaxPool MAX_POOL_2D max_pool');
group('avgpool', 'AveragePool QLinearAveragePool AVERAGE_POOL_2D avg_pool');
group('mean', 'GlobalAveragePool QLinearGlobalAveragePool ReduceMean MEAN reduce_mean');
group('reducemax', 'GlobalMaxPool ReduceMax REDUCE_MAX reduce_max');
group('reshape', 'Reshape Flatten Squeeze Unsqueeze RESHAPE SQUEEZE EXPAND_DIMS reshape squeeze expand_dims');
group('transpose', 'Transpose TRANSPOSE transpose');
group('concat', 'Concat QLinearConcat CONCATENATION concat');
group('pad', 'Pad PAD PADV2 pad');
group('slice', 'Slice SLICE STRIDED_SLICE slice_by_index');
group('split', 'Split SPLIT SPLIT_V split');
group('gather', 'Gather GATHER gather');
group('resize', 'Resize RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR upsample');
group('cast', 'Cast CAST cast');
group('identity', 'Identity Dropout identity');
group('batchnorm', 'BatchNormalization batchnorm batch_norm');
group('layernorm', 'LayerNormalization layer_norm');
group('prelu', 'PRelu PRELU prelu');
group('max', 'Max MAXIMUM maximum');
group('min', 'Min MINIMUM minimum');
group('sqrt', 'Sqrt SQRT sqrt');
group('exp', 'Exp EXP exp');
group('pow', 'Pow POW pow');

/** The class an op belongs to; ops of different formats match only within one class. */
export function opClass(op: string): string {
  return CLASSES[op] ?? op.toLowerCase().replace(/_/g, '');
}

/** Quantize/Dequantize plumbing: folded into the node it serves, never matched on its own. */
export const QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'QUANTIZE', 'DEQUANTIZE']);
export const DEQUANTIZE_OPS = new Set(['DequantizeLinear', 'DEQUANTIZE']);

/** Ops that compute in integers by themselves (no Q/DQ nodes around them needed). */
export const INTEGER_OPS = new Set([
  'QLinearConv', 'ConvInteger', 'MatMulInteger', 'QLinearMatMul', 'QGemm', 'MatMulNBits', 'DynamicQuantizeMatMul', 'QLinearAdd',
  'QLinearMul', 'QLinearSigmoid', 'QLinearLeakyRelu', 'QLinearSoftmax', 'QLinearAveragePool', 'QLinearGlobalAveragePool', 'QLinearConcat',
]);

/** Where an integer op keeps a quantized input and its scale and zero point (input indices). */
export interface QuantSlot { value: number; scale: number; zeroPoint: number }

export const QUANT_SLOTS: Record<string, QuantSlot[]> = {
  QLinearConv: [{ value: 0, scale: 1, zeroPoint: 2 }, { value: 3, scale: 4, zeroPoint: 5 }],
  QLinearMatMul: [{ value: 0, scale: 1, zeroPoint: 2 }, { value: 3, scale: 4, zeroPoint: 5 }],
  QGemm: [{ value: 0, scale: 1, zeroPoint: 2 }, { value: 3, scale: 4, zeroPoint: 5 }],
  QLinearAdd: [{ value: 0, scale: 1, zeroPoint: 2 }, { value: 3, scale: 4, zeroPoint: 5 }],
  QLinearMul: [{ value: 0, scale: 1, zeroPoint: 2 }, { value: 3, scale: 4, zeroPoint: 5 }],
};

/** Inputs of integer ops that are quantization parameters of the output or zero points (not weights). */
export const PARAM_INPUTS: Record<string, number[]> = {
  QLinearConv: [6, 7], QLinearMatMul: [6, 7], QGemm: [7, 8], QLinearAdd: [6, 7], QLinearMul: [6, 7],
  MatMulInteger: [2, 3], ConvInteger: [2, 3], MatMulNBits: [2, 3, 4, 5],
};

/** Ops where the order of the two data inputs does not matter. */
export const COMMUTATIVE = new Set(['add', 'mul', 'max', 'min']);

/** Classes that a compute op can absorb when a converter or quantizer fuses them (an activation, a bias, a norm). */
export const FUSABLE = new Set(['relu', 'clip', 'sigmoid', 'tanh', 'leakyrelu', 'hardswish', 'add', 'mul', 'batchnorm', 'identity']);

/** Classes that absorb FUSABLE followers. */
export const FUSING = new Set(['conv', 'convtranspose', 'dense', 'add', 'mul', 'sub', 'maxpool', 'avgpool', 'mean', 'concat']);

/**
 * Weight layouts the formats store, as a numpy-style permutation (B = A.transpose(perm)): ONNX's
 * OIHW filters become TFLite's OHWI, a depthwise filter 1HWC, a MatMul's [K, N] a fully connected
 * layer's [N, K]. Tried before any other permutation that fits the shapes.
 */
export const LAYOUT_PERMUTATIONS: readonly number[][] = [[0, 2, 3, 1], [1, 2, 3, 0], [1, 0], [0, 2, 1], [0, 3, 1, 2], [3, 0, 1, 2]];
