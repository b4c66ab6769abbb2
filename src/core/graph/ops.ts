/** Op categories: the colour of a node says what kind of work it does. */
import type { ViewNode } from './types';

export type OpCategory =
  | 'conv' | 'linear' | 'activation' | 'normalization' | 'pooling' | 'shape' | 'math'
  | 'quant' | 'control' | 'constant' | 'recurrent' | 'other';

const CATEGORY: Record<string, OpCategory> = {};
const put = (cat: OpCategory, ops: string): void => { for (const op of ops.split(/\s+/)) if (op) CATEGORY[op] = cat; };
put('conv', 'Conv ConvTranspose ConvInteger QLinearConv DeformConv FusedConv NhwcConv');
put('linear', 'MatMul Gemm MatMulInteger QLinearMatMul Einsum FusedMatMul MatMulNBits Attention MultiHeadAttention');
put('activation', 'Relu LeakyRelu PRelu Sigmoid Tanh HardSigmoid HardSwish Gelu FastGelu BiasGelu Elu Selu Celu Softplus Softsign Mish Clip Erf ThresholdedRelu QuickGelu Swish');
put('normalization', 'BatchNormalization LayerNormalization InstanceNormalization GroupNormalization LpNormalization SimplifiedLayerNormalization SkipLayerNormalization RMSNormalization Softmax LogSoftmax Hardmax LRN MeanVarianceNormalization Dropout');
put('pooling', 'MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool GlobalLpPool Resize Upsample MaxUnpool RoiAlign');
put('shape', 'Reshape Transpose Flatten Squeeze Unsqueeze Concat Split Slice Gather GatherElements GatherND Shape Size Expand Tile Pad Cast CastLike Identity ConstantOfShape Range Where ScatterND ScatterElements DepthToSpace SpaceToDepth NonZero TopK Trilu OneHot Compress ReverseSequence');
put('math', 'Add Sub Mul Div Pow Sqrt Exp Log Neg Abs Reciprocal Floor Ceil Round Sign Sin Cos Max Min Mean Sum Mod Equal Less LessOrEqual Greater GreaterOrEqual And Or Not Xor ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL2 ReduceL1 ReduceLogSumExp ReduceSumSquare ArgMax ArgMin CumSum IsNaN IsInf BitShift');
put('quant', 'QuantizeLinear DequantizeLinear DynamicQuantizeLinear QLinearAdd QLinearMul QLinearSigmoid QLinearLeakyRelu');
put('control', 'If Loop Scan');
put('constant', 'Constant');
put('recurrent', 'LSTM GRU RNN');
// TensorFlow Lite builtin operators (the TFLite reader's opType is the BuiltinOperator name).
put('conv', 'CONV_2D DEPTHWISE_CONV_2D TRANSPOSE_CONV CONV_3D CONV_3D_TRANSPOSE');
put('linear', 'FULLY_CONNECTED BATCH_MATMUL EMBEDDING_LOOKUP');
put('activation', 'RELU RELU6 RELU_N1_TO_1 RELU_0_TO_1 LOGISTIC TANH LEAKY_RELU PRELU HARD_SWISH GELU ELU');
put('normalization', 'SOFTMAX LOG_SOFTMAX L2_NORMALIZATION LOCAL_RESPONSE_NORMALIZATION');
put('pooling', 'AVERAGE_POOL_2D MAX_POOL_2D L2_POOL_2D RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR');
put('shape', 'RESHAPE TRANSPOSE SQUEEZE EXPAND_DIMS CONCATENATION SPLIT SPLIT_V SLICE STRIDED_SLICE GATHER GATHER_ND PAD PADV2 MIRROR_PAD CAST SHAPE TILE PACK UNPACK DEPTH_TO_SPACE SPACE_TO_DEPTH BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND BROADCAST_TO FILL ONE_HOT REVERSE_V2 SELECT SELECT_V2');
put('math', 'ADD SUB MUL DIV POW SQRT RSQRT EXP LOG NEG ABS FLOOR CEIL ROUND SIN COS SQUARE SQUARED_DIFFERENCE MAXIMUM MINIMUM MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD ARG_MAX ARG_MIN ADD_N EQUAL NOT_EQUAL LESS LESS_EQUAL GREATER GREATER_EQUAL LOGICAL_AND LOGICAL_OR LOGICAL_NOT FLOOR_DIV FLOOR_MOD CUMSUM');
put('quant', 'QUANTIZE DEQUANTIZE FAKE_QUANT');
put('control', 'IF WHILE CALL CALL_ONCE');
put('recurrent', 'LSTM UNIDIRECTIONAL_SEQUENCE_LSTM BIDIRECTIONAL_SEQUENCE_LSTM RNN UNIDIRECTIONAL_SEQUENCE_RNN BIDIRECTIONAL_SEQUENCE_RNN SVDF');
// Core ML neural-network layers (the params field name; activations by their function) and ML Program (MIL) ops.
put('conv', 'convolution convolution3d conv conv_transpose');
put('linear', 'innerProduct batchedMatmul embedding embeddingND linear matmul einsum');
put('activation', 'ReLU leakyReLU thresholdedReLU PReLU tanh scaledTanh sigmoid sigmoidHard ELU softsign softplus parametricSoftplus clampedReLU gelu erf relu relu6 leaky_relu prelu elu silu sigmoid_hard softplus_parametric clamped_relu thresholded_relu scaled_tanh');
put('normalization', 'batchnorm mvn l2normalize softmax softmaxND lrn layerNormalization batch_norm instance_norm layer_norm l2_norm local_response_norm imageScaler meanImage');
put('pooling', 'pooling pooling3d globalPooling3d upsample resizeBilinear cropResize max_pool avg_pool l2_pool upsample_nearest_neighbor upsample_bilinear resize_bilinear resize_nearest_neighbor crop_resize');
put('shape', 'reshape flatten permute concat split sequenceRepeat reorganizeData slice transpose splitND concatND sliceStatic sliceDynamic squeeze expandDims flattenTo2D reshapeLike reshapeStatic reshapeDynamic rankPreservingReshape constantPad padding crop tile stack gather gatherND gatherAlongAxis scatter scatterND scatterAlongAxis getShape broadcastToLike broadcastToStatic broadcastToDynamic fillLike fillStatic fillDynamic copy expand_dims slice_by_index slice_by_size split_nd pad cast shape fill gather_along_axis gather_nd scatter_nd scatter_along_axis depth_to_space space_to_depth pixel_shuffle make_list list_read list_write list_gather list_scatter list_length identity band_part range_1d one_hot oneHot');
put('math', 'add multiply average bias scale max min dot reduce unary addBroadcastable multiplyBroadcastable subtractBroadcastable divideBroadcastable maxBroadcastable minBroadcastable powBroadcastable modBroadcastable floorDivBroadcastable reduceSum reduceMean reduceMax reduceMin reduceProd reduceL1 reduceL2 reduceLogSum reduceSumSquare reduceLogSumExp argMax argMin cumSum clip ceil floor round sign exp2 equal notEqual lessThan lessEqual greaterThan greaterEqual logicalAnd logicalOr logicalNot logicalXor mul sub real_div floor_div pow sqrt rsqrt log exp abs inverse square maximum minimum reduce_sum reduce_mean reduce_max reduce_min reduce_prod reduce_l2_norm reduce_l1_norm reduce_log_sum_exp reduce_argmax reduce_argmin less less_equal greater greater_equal not_equal logical_and logical_or logical_not select cumsum');
put('quant', 'constexpr_affine_dequantize constexpr_lut_to_dense constexpr_sparse_to_dense constexpr_blockwise_shift_scale constexpr_cast quantize dequantize');
put('control', 'branch loop loopBreak loopContinue cond while_loop classLabels');
put('constant', 'loadConstant loadConstantND const');
put('recurrent', 'simpleRecurrent gru uniDirectionalLSTM biDirectionalLSTM lstm rnn');

export function opCategory(opType: string): OpCategory {
  return CATEGORY[opType] ?? 'other';
}

/** Hue per category (HSL); lightness comes from the theme. */
export const CATEGORY_HUE: Record<OpCategory, [number, number]> = {
  conv: [212, 70],
  linear: [262, 55],
  activation: [8, 72],
  normalization: [150, 48],
  pooling: [186, 60],
  shape: [30, 14],
  math: [42, 65],
  quant: [322, 55],
  control: [52, 80],
  constant: [0, 0],
  recurrent: [282, 60],
  other: [220, 10],
};

export const CATEGORY_LABEL: Record<OpCategory, string> = {
  conv: 'Convolution', linear: 'MatMul / Gemm', activation: 'Activation', normalization: 'Normalization',
  pooling: 'Pooling / resize', shape: 'Shape & layout', math: 'Elementwise math', quant: 'Quantization',
  control: 'Control flow', constant: 'Constant', recurrent: 'Recurrent', other: 'Other',
};

const x = (dims: (number | string)[] | null | undefined): string => (dims ?? []).map(String).join('×');

/** The node's second line: key attributes or its main weight's shape. */
export function nodeDetail(n: ViewNode): string {
  const attr = (name: string): string | undefined => n.attributes.find((a) => a.name === name)?.value;
  const ints = (name: string): number[] | undefined => {
    const v = attr(name);
    if (!v) return undefined;
    const m = v.match(/-?\d+/g);
    return m?.map(Number);
  };
  if (n.subgraphs.length > 0) return n.subgraphs.map((s) => s.attribute.replace(/_branch$/, '')).join(' · ');
  switch (n.opType) {
    case 'Conv': case 'ConvTranspose': case 'QLinearConv': case 'ConvInteger': {
      const w = n.weights[0];
      const k = ints('kernel_shape') ?? (w?.shape ? (w.shape.slice(2) as number[]) : []);
      const s = ints('strides');
      const g = Number(attr('group') ?? 1);
      const out = w?.shape?.[0];
      let t = k.length ? k.join('×') : '';
      if (out !== undefined) t = `${t} → ${out}`;
      if (s && s.some((v) => v > 1)) t += ` /${s[0]}`;
      if (g > 1) t += ` g${g}`;
      return t.trim();
    }
    case 'MaxPool': case 'AveragePool': {
      const k = ints('kernel_shape');
      const s = ints('strides');
      return `${k ? k.join('×') : ''}${s && s.some((v) => v > 1) ? ` /${s[0]}` : ''}`;
    }
    case 'Transpose': { const p = ints('perm'); return p ? `[${p.join(',')}]` : ''; }
    case 'Reshape': { const v = n.weights.find((w) => w.name === n.inputs[1])?.value; return v !== undefined ? `→ [${v}]` : ''; }
    case 'Softmax': case 'LogSoftmax': case 'Concat': case 'Gather': case 'Split': case 'Flatten': {
      const a = attr('axis');
      return a !== undefined ? `axis ${a}` : '';
    }
    case 'Cast': { const t = attr('to'); return t ? `to ${DTYPE_BY_CODE[Number(t)] ?? t}` : ''; }
    case 'Constant': {
      const v = attr('value') ?? '';
      return v.length > 28 ? v.slice(0, 27) + '…' : v;
    }
    case 'LeakyRelu': { const a = attr('alpha'); return a ? `α ${a}` : ''; }
    case 'Clip': {
      const [lo, hi] = [n.weights.find((w) => w.name === n.inputs[1]), n.weights.find((w) => w.name === n.inputs[2])];
      const a = lo?.value ?? attr('min'), b = hi?.value ?? attr('max');
      return a !== undefined || b !== undefined ? `${a !== undefined ? short(a) : ''} … ${b !== undefined ? short(b) : ''}` : '';
    }
  }
  const sym = OPERATOR[n.opType];
  if (sym && n.inputs.length === 2) {
    // A scalar operand held as a constant: 'Mul' reads '× 0.5'.
    const w = n.weights.find((w) => w.value !== undefined && w.elements === 1);
    if (w) {
      const v = short(w.value!);
      if (sym === '+' && v.startsWith('-')) return `− ${v.slice(1)}`;
      if (sym === '−' && v.startsWith('-')) return `+ ${v.slice(1)}`;
      return `${sym} ${v}`;
    }
  }
  const w = n.weights.reduce<typeof n.weights[number] | undefined>((best, w) => (!best || w.elements > best.elements ? w : best), undefined);
  return w && w.elements > 1 ? `⟨${x(w.shape)}⟩` : '';
}

const OPERATOR: Record<string, string> = { Add: '+', Sub: '−', Mul: '×', Div: '÷', Pow: '^', Max: 'max', Min: 'min' };

/** A number as at most 4 significant digits ('0.943169' -> '0.9432'); other text as is. */
function short(v: string): string {
  const num = Number(v);
  return v.trim() !== '' && Number.isFinite(num) ? String(Number(num.toPrecision(4))) : v;
}

const DTYPE_BY_CODE: Record<number, string> = { 1: 'f32', 2: 'u8', 3: 'i8', 6: 'i32', 7: 'i64', 9: 'bool', 10: 'f16', 11: 'f64', 16: 'bf16' };

export function formatShape(shape: (number | string)[] | null | undefined): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}

/** For edge labels: long symbolic dims ('p2o.DynamicDimension.0', 'unk__12') show as '?' (the inspector has them). */
export function shortShape(shape: (number | string)[] | null | undefined): string {
  return shape ? `[${shape.map((d) => (typeof d === 'string' && (d.length > 8 || d === '') ? '?' : d)).join(', ')}]` : '?';
}
