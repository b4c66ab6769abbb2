/**
 * Facts from TensorFlow Lite's FlatBuffers schema (schema.fbs, file identifier "TFL3"): the field
 * ids of the tables Edgewise reads, and the enum codes. A union field takes two ids (type, value).
 */

export const FILE_IDENTIFIER = 'TFL3';

export const ModelField = {
  version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4,
  metadataBuffer: 5, metadata: 6, signatureDefs: 7,
} as const;

export const OperatorCodeField = { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 } as const;

export const SubGraphField = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 } as const;

export const TensorField = {
  shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6, shapeSignature: 7, hasRank: 8,
} as const;

export const QuantizationField = { min: 0, max: 1, scale: 2, zeroPoint: 3, detailsType: 4, details: 5, quantizedDimension: 6 } as const;

export const OperatorField = {
  opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, customOptions: 5,
  customOptionsFormat: 6, mutatingVariableInputs: 7, intermediates: 8, largeCustomOptionsOffset: 9,
  largeCustomOptionsSize: 10, builtinOptions2Type: 11, builtinOptions2: 12,
} as const;

export const BufferField = { data: 0, offset: 1, size: 2 } as const;
export const MetadataField = { name: 0, buffer: 1 } as const;
export const TensorMapField = { name: 0, tensorIndex: 1 } as const;
export const SignatureDefField = { inputs: 0, outputs: 1, signatureKey: 2, subgraphIndex: 4 } as const;

/** TensorType codes -> Edgewise dtype names (resource/variant have no Edgewise equivalent). */
const TENSOR_TYPES = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16', 'complex64', 'int8',
  'float64', 'complex128', 'uint64', 'resource', 'variant', 'uint32', 'uint16', 'int4', 'bfloat16',
];

export function tensorTypeName(code: number): string {
  return TENSOR_TYPES[code] ?? `unknown(${code})`;
}

/** BuiltinOperator names by code (0..207). */
const BUILTIN_OPERATORS = (
  'ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP ' +
  'FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC ' +
  'LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX ' +
  'SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD ' +
  'UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE ' +
  'UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX ' +
  'DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER ' +
  'GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL ' +
  'NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ' +
  'ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL ' +
  'FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE ' +
  'CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE ' +
  'MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND ' +
  'SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE ' +
  'BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT ' +
  'HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS ' +
  'RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 ' +
  'UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 UNSORTED_SEGMENT_MIN SIGN ' +
  'BITCAST BITWISE_XOR RIGHT_SHIFT STABLEHLO_LOGISTIC STABLEHLO_ADD STABLEHLO_DIVIDE STABLEHLO_MULTIPLY ' +
  'STABLEHLO_MAXIMUM STABLEHLO_RESHAPE STABLEHLO_CLAMP STABLEHLO_CONCATENATE STABLEHLO_BROADCAST_IN_DIM ' +
  'STABLEHLO_CONVOLUTION STABLEHLO_SLICE STABLEHLO_CUSTOM_CALL STABLEHLO_REDUCE STABLEHLO_ABS STABLEHLO_AND ' +
  'STABLEHLO_COSINE STABLEHLO_EXPONENTIAL STABLEHLO_FLOOR STABLEHLO_LOG STABLEHLO_MINIMUM STABLEHLO_NEGATE ' +
  'STABLEHLO_OR STABLEHLO_POWER STABLEHLO_REMAINDER STABLEHLO_RSQRT STABLEHLO_SELECT STABLEHLO_SUBTRACT ' +
  'STABLEHLO_TANH STABLEHLO_SCATTER STABLEHLO_COMPARE STABLEHLO_CONVERT STABLEHLO_DYNAMIC_SLICE ' +
  'STABLEHLO_DYNAMIC_UPDATE_SLICE STABLEHLO_PAD STABLEHLO_IOTA STABLEHLO_DOT_GENERAL STABLEHLO_REDUCE_WINDOW ' +
  'STABLEHLO_SORT STABLEHLO_WHILE STABLEHLO_GATHER STABLEHLO_TRANSPOSE DILATE STABLEHLO_RNG_BIT_GENERATOR ' +
  'REDUCE_WINDOW STABLEHLO_COMPOSITE COMPLEX'
).split(' ');

export const BuiltinOperator = {
  CONV_2D: 3, DEPTHWISE_CONV_2D: 4, FULLY_CONNECTED: 9, CUSTOM: 32, TRANSPOSE_CONV: 67,
  BATCH_MATMUL: 126, PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
} as const;

export function builtinOperatorName(code: number): string {
  return BUILTIN_OPERATORS[code] ?? `BUILTIN_${code}`;
}

/** BuiltinOptions union members; the union type code is the position + 1 (0 = NONE). */
const BUILTIN_OPTIONS = (
  'Conv2DOptions DepthwiseConv2DOptions ConcatEmbeddingsOptions LSHProjectionOptions Pool2DOptions ' +
  'SVDFOptions RNNOptions FullyConnectedOptions SoftmaxOptions ConcatenationOptions AddOptions L2NormOptions ' +
  'LocalResponseNormalizationOptions LSTMOptions ResizeBilinearOptions CallOptions ReshapeOptions ' +
  'SkipGramOptions SpaceToDepthOptions EmbeddingLookupSparseOptions MulOptions PadOptions GatherOptions ' +
  'BatchToSpaceNDOptions SpaceToBatchNDOptions TransposeOptions ReducerOptions SubOptions DivOptions ' +
  'SqueezeOptions SequenceRNNOptions StridedSliceOptions ExpOptions TopKV2Options SplitOptions ' +
  'LogSoftmaxOptions CastOptions DequantizeOptions MaximumMinimumOptions ArgMaxOptions LessOptions ' +
  'NegOptions PadV2Options GreaterOptions GreaterEqualOptions LessEqualOptions SelectOptions SliceOptions ' +
  'TransposeConvOptions SparseToDenseOptions TileOptions ExpandDimsOptions EqualOptions NotEqualOptions ' +
  'ShapeOptions PowOptions ArgMinOptions FakeQuantOptions PackOptions LogicalOrOptions OneHotOptions ' +
  'LogicalAndOptions LogicalNotOptions UnpackOptions FloorDivOptions SquareOptions ZerosLikeOptions ' +
  'FillOptions BidirectionalSequenceLSTMOptions BidirectionalSequenceRNNOptions ' +
  'UnidirectionalSequenceLSTMOptions FloorModOptions RangeOptions ResizeNearestNeighborOptions ' +
  'LeakyReluOptions SquaredDifferenceOptions MirrorPadOptions AbsOptions SplitVOptions UniqueOptions ' +
  'ReverseV2Options AddNOptions GatherNdOptions CosOptions WhereOptions RankOptions ReverseSequenceOptions ' +
  'MatrixDiagOptions QuantizeOptions MatrixSetDiagOptions HardSwishOptions IfOptions WhileOptions ' +
  'DepthToSpaceOptions NonMaxSuppressionV4Options NonMaxSuppressionV5Options ScatterNdOptions ' +
  'SelectV2Options DensifyOptions SegmentSumOptions BatchMatMulOptions CumsumOptions CallOnceOptions ' +
  'BroadcastToOptions Rfft2dOptions Conv3DOptions HashtableOptions HashtableFindOptions ' +
  'HashtableImportOptions HashtableSizeOptions VarHandleOptions ReadVariableOptions AssignVariableOptions ' +
  'RandomOptions BucketizeOptions GeluOptions DynamicUpdateSliceOptions UnsortedSegmentProdOptions ' +
  'UnsortedSegmentMaxOptions UnsortedSegmentMinOptions UnsortedSegmentSumOptions ATan2Options SignOptions ' +
  'BitcastOptions BitwiseXorOptions RightShiftOptions'
).split(' ');

/** BuiltinOptions2 union members (StableHLO ops and later), type code = position + 1. */
const BUILTIN_OPTIONS_2 = (
  'StablehloConcatenateOptions StablehloBroadcastInDimOptions StablehloSliceOptions ' +
  'StablehloConvolutionOptions StablehloCustomCallOptions StablehloReduceOptions StablehloScatterOptions ' +
  'StablehloCompareOptions StablehloDynamicSliceOptions StablehloPadOptions StablehloIotaOptions ' +
  'StablehloDotGeneralOptions StablehloReduceWindowOptions StablehloSortOptions StablehloWhileOptions ' +
  'StablehloGatherOptions StablehloTransposeOptions DilateOptions StablehloRngBitGeneratorOptions ' +
  'ReduceWindowOptions StableHLOCompositeOptions'
).split(' ');

export function builtinOptionsName(type: number): string {
  return type === 0 ? '' : (BUILTIN_OPTIONS[type - 1] ?? `BuiltinOptions(${type})`);
}

export function builtinOptions2Name(type: number): string {
  return type === 0 ? '' : (BUILTIN_OPTIONS_2[type - 1] ?? `BuiltinOptions2(${type})`);
}

const PADDING = ['SAME', 'VALID'];
const ACTIVATION = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

/** How an options field is read and shown. 'subgraph' fields are int32 subgraph indices. */
export type OptionKind = 'int' | 'uint' | 'bool' | 'float' | 'padding' | 'activation' | 'tensorType' | 'ints' | 'subgraph' | 'string';

export interface OptionField { name: string; id: number; kind: OptionKind; default?: number }

const act = (id: number): OptionField => ({ name: 'fused_activation_function', id, kind: 'activation' });
const f = (name: string, id: number, kind: OptionKind, dflt?: number): OptionField => ({ name, id, kind, default: dflt });

/** The options tables whose fields the inspector shows, by union member name. */
export const OPTION_FIELDS: Record<string, OptionField[]> = {
  Conv2DOptions: [f('padding', 0, 'padding'), f('stride_w', 1, 'int'), f('stride_h', 2, 'int'), act(3),
    f('dilation_w_factor', 4, 'int', 1), f('dilation_h_factor', 5, 'int', 1)],
  DepthwiseConv2DOptions: [f('padding', 0, 'padding'), f('stride_w', 1, 'int'), f('stride_h', 2, 'int'),
    f('depth_multiplier', 3, 'int'), act(4), f('dilation_w_factor', 5, 'int', 1), f('dilation_h_factor', 6, 'int', 1)],
  Pool2DOptions: [f('padding', 0, 'padding'), f('stride_w', 1, 'int'), f('stride_h', 2, 'int'),
    f('filter_width', 3, 'int'), f('filter_height', 4, 'int'), act(5)],
  TransposeConvOptions: [f('padding', 0, 'padding'), f('stride_w', 1, 'int'), f('stride_h', 2, 'int'), act(3)],
  FullyConnectedOptions: [act(0), f('keep_num_dims', 2, 'bool'), f('asymmetric_quantize_inputs', 3, 'bool')],
  SoftmaxOptions: [f('beta', 0, 'float')],
  ConcatenationOptions: [f('axis', 0, 'int'), act(1)],
  AddOptions: [act(0)], SubOptions: [act(0)], MulOptions: [act(0)], DivOptions: [act(0)],
  L2NormOptions: [act(0)],
  SVDFOptions: [f('rank', 0, 'int'), act(1)],
  RNNOptions: [act(0)],
  SequenceRNNOptions: [f('time_major', 0, 'bool'), act(1)],
  LSTMOptions: [act(0), f('cell_clip', 1, 'float'), f('proj_clip', 2, 'float')],
  UnidirectionalSequenceLSTMOptions: [act(0), f('cell_clip', 1, 'float'), f('proj_clip', 2, 'float'), f('time_major', 3, 'bool')],
  BidirectionalSequenceLSTMOptions: [act(0), f('cell_clip', 1, 'float'), f('proj_clip', 2, 'float'), f('merge_outputs', 3, 'bool')],
  ReshapeOptions: [f('new_shape', 0, 'ints')],
  SqueezeOptions: [f('squeeze_dims', 0, 'ints')],
  ReducerOptions: [f('keep_dims', 0, 'bool')],
  GatherOptions: [f('axis', 0, 'int'), f('batch_dims', 1, 'int')],
  SplitOptions: [f('num_splits', 0, 'int')], SplitVOptions: [f('num_splits', 0, 'int')],
  StridedSliceOptions: [f('begin_mask', 0, 'int'), f('end_mask', 1, 'int'), f('ellipsis_mask', 2, 'int'),
    f('new_axis_mask', 3, 'int'), f('shrink_axis_mask', 4, 'int')],
  PackOptions: [f('values_count', 0, 'int'), f('axis', 1, 'int')],
  UnpackOptions: [f('num', 0, 'int'), f('axis', 1, 'int')],
  ResizeBilinearOptions: [f('align_corners', 2, 'bool'), f('half_pixel_centers', 3, 'bool')],
  ResizeNearestNeighborOptions: [f('align_corners', 0, 'bool'), f('half_pixel_centers', 1, 'bool')],
  LeakyReluOptions: [f('alpha', 0, 'float')],
  CastOptions: [f('in_data_type', 0, 'tensorType'), f('out_data_type', 1, 'tensorType')],
  ArgMaxOptions: [f('output_type', 0, 'tensorType')], ArgMinOptions: [f('output_type', 0, 'tensorType')],
  ShapeOptions: [f('out_type', 0, 'tensorType')],
  SpaceToDepthOptions: [f('block_size', 0, 'int')], DepthToSpaceOptions: [f('block_size', 0, 'int')],
  BatchMatMulOptions: [f('adj_x', 0, 'bool'), f('adj_y', 1, 'bool')],
  GeluOptions: [f('approximate', 0, 'bool')],
  CallOptions: [f('subgraph', 0, 'subgraph')],
  IfOptions: [f('then_subgraph_index', 0, 'subgraph'), f('else_subgraph_index', 1, 'subgraph')],
  WhileOptions: [f('cond_subgraph_index', 0, 'subgraph'), f('body_subgraph_index', 1, 'subgraph')],
  CallOnceOptions: [f('init_subgraph_index', 0, 'subgraph')],
  VarHandleOptions: [f('container', 0, 'string'), f('shared_name', 1, 'string')],
  StablehloWhileOptions: [f('cond_subgraph_index', 0, 'subgraph'), f('body_subgraph_index', 1, 'subgraph')],
  StablehloReduceOptions: [f('body_subgraph_index', 1, 'subgraph')],
  StablehloSortOptions: [f('comparator_subgraph_index', 2, 'subgraph')],
  StablehloScatterOptions: [f('update_computation_subgraph_index', 6, 'subgraph')],
  StablehloReduceWindowOptions: [f('body_subgraph_index', 5, 'subgraph')],
  StableHLOCompositeOptions: [f('name', 0, 'string'), f('decomposition_subgraph_index', 1, 'subgraph')],
};

export function paddingName(code: number): string {
  return PADDING[code] ?? `${code}`;
}

export function activationName(code: number): string {
  return ACTIVATION[code] ?? `${code}`;
}
