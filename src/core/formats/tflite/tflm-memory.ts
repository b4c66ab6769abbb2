/**
 * TFLite Micro's own use of the tensor arena, beside the activations its planner places: the sizes
 * of its structs and what its kernels ask for, from tensorflow/tflite-micro (tensorflow/lite/micro:
 * micro_allocator.cc, micro_allocation_info.{h,cc}, memory_planner/greedy_memory_planner.h,
 * TF_LITE_STATIC_MEMORY structs in c/common.h, kernels' Prepare). Struct sizes depend on the
 * pointer size: 4 bytes on a Cortex-M, 8 on the x86-64 hosts where TFLite Micro's own
 * memory_arena_threshold_test measures them (which the tests use to check these figures).
 */
import { operatorName, type TfliteModel, type TfliteTensor } from './model';
import { elementCount } from './view';
import { denseBytes } from './check';

/** Kernels linked in: TFLite Micro's reference kernels, or CMSIS-NN's on a Cortex-M with DSP (M4, M7, M33). */
export type TflmKernels = 'reference' | 'cmsis-nn';

export interface TflmTarget {
  pointerBytes: 4 | 8;
  kernels: TflmKernels;
}

export const CORTEX_M: TflmTarget = { pointerBytes: 4, kernels: 'reference' };

/** What the arena holds for the model's lifetime (the allocator's tail), by part. */
export interface PersistentParts {
  /** A TfLiteEvalTensor {data, dims, type} per tensor of the subgraph, constants included. */
  evalTensors: number;
  /** A NodeAndRegistration (TfLiteNode without the non-static fields, plus a registration pointer) per operator. */
  nodes: number;
  /** The TfLiteTensor the interpreter keeps for each graph input and output, with quantization params. */
  ioTensors: number;
  /** Variable tensors (RNN/LSTM/SVDF state), 16-byte aligned. */
  variables: number;
  /** Each operator's parsed options struct (TfLiteConvParams...). */
  builtinData: number;
  /** Kernels' persistent data: their OpData struct, per-channel output multipliers and shifts. */
  kernelData: number;
  /** A handle (one pointer) per scratch buffer. */
  scratchHandles: number;
  /** The allocator, the greedy planner and their bookkeeping objects. */
  runtime: number;
}

export interface ScratchRequest {
  op: number;
  bytes: number;
  /** Which kernel asks for it and why. */
  why: string;
}

const ALIGN = 16;
export const alignUp = (n: number, a = ALIGN): number => Math.ceil(n / a) * a;

/** Sizes of TFLite Micro's structs for a pointer size (natural alignment, as the compilers lay them out). */
export function structSizes(p: 4 | 8) {
  return {
    // TfLiteEvalTensor { TfLitePtrUnion data; TfLiteIntArray* dims; TfLiteType type; }
    evalTensor: alignUp(2 * p + 4, p),
    // NodeAndRegistration { TfLiteNode { 6 pointers; int custom_initial_data_size; } node; const TFLMRegistration* registration; }
    nodeAndRegistration: alignUp(6 * p + 4, p) + p,
    // TfLiteTensor (static memory) { TfLiteQuantization {type; void* params}; TfLiteQuantizationParams {float; int32};
    //   data; dims; size_t bytes; TfLiteType type; TfLiteAllocationType allocation_type; bool is_variable; }
    tensor: alignUp(2 * p + 8 + 3 * p + 4 + 4 + 1, p),
    // TfLiteAffineQuantization { TfLiteFloatArray* scale; TfLiteIntArray* zero_point; int32_t quantized_dimension; }
    affineQuantization: alignUp(2 * p + 4, p),
    // AllocationInfo { size_t bytes; void** output_ptr; int first_created; int last_used; int32_t offline_offset; bool needs_allocating; }
    allocationInfo: alignUp(2 * p + 13, p),
    // internal::ScratchBufferRequest { size_t bytes; int node_idx; int subgraph_idx; }
    scratchRequest: alignUp(p + 8, p),
    // GreedyMemoryPlanner::per_buffer_size(): BufferRequirements (4 ints), two sort arrays, ListEntry (3 ints), an offset.
    plannerPerBuffer: 16 + 4 + 4 + 12 + 4,
    // MicroAllocator::GetDefaultTailUsage(): SingleArenaBufferAllocator (2 vtables, 5 pointers, size_t, bool),
    // MicroAllocator (vtable, 5 pointers, 2 size_t, bool), MicroBuiltinDataAllocator (vtable, pointer),
    // SubgraphAllocations (2 pointers), GreedyMemoryPlanner (vtable, 2 ints, 5 pointers, 2 ints, bool).
    runtime: alignUp(8 * p + 1, p) + alignUp(8 * p + 1, p) + 2 * p + 2 * p + alignUp(6 * p + 16 + 1, p),
  };
}

/** TfLiteIntArray of n ints: { int size; int data[]; }. */
const intArrayBytes = (n: number) => 4 + 4 * n;

/** Bytes of the parsed options struct TFLite Micro keeps per operator (builtin_op_data.h); 0 for ops without options. */
const BUILTIN_DATA: Record<string, number> = {
  CONV_2D: 28, DEPTHWISE_CONV_2D: 28, TRANSPOSE_CONV: 20, FULLY_CONNECTED: 12, SVDF: 12, SOFTMAX: 4,
  AVERAGE_POOL_2D: 40, MAX_POOL_2D: 40, L2_POOL_2D: 40, RESHAPE: 36, ADD: 8, SUB: 8, MUL: 8, DIV: 4, CONCATENATION: 8,
  STRIDED_SLICE: 24, PACK: 8, UNPACK: 8, SPLIT: 4, SPLIT_V: 4, GATHER: 8, LEAKY_RELU: 4, MEAN: 4, SUM: 4, REDUCE_MAX: 4,
  SQUEEZE: 36, RESIZE_BILINEAR: 4, RESIZE_NEAREST_NEIGHBOR: 4, UNIDIRECTIONAL_SEQUENCE_LSTM: 20, BATCH_MATMUL: 4,
  SHAPE: 4, CAST: 8, ARG_MAX: 4, ARG_MIN: 4, MIRROR_PAD: 4, GELU: 4,
};

/**
 * A kernel's OpData struct: TFLite Micro's kernels keep a few dozen bytes each (zero points,
 * output multiplier and shift, activation range, pointers). TFLite Micro measures 840 B of them
 * for the keyword model's 15 kernels on x86-64 (memory_arena_threshold_test,
 * kKeywordModelPersistentBufferDataSize), alignment included: 56 B each; 48 B with 4-byte pointers.
 */
const opDataBytes = (p: 4 | 8) => (p === 8 ? 56 : 48);

/** Ops whose kernels keep no OpData. */
const NO_OP_DATA = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'SHAPE', 'PAD', 'PADV2']);

/**
 * Output channels a kernel keeps an int32 multiplier and an int32 shift for (two persistent,
 * 16-byte aligned arrays): convolutions always allocate them in Prepare (per output channel of the
 * filter), transpose convolution when quantized, fully connected only for per-channel weights.
 */
function perChannelArrays(name: string, w: TfliteTensor | undefined, quantized: boolean): number {
  if (!w || w.shape.length === 0) return 0;
  if (name === 'CONV_2D' || name === 'TRANSPOSE_CONV') return name === 'CONV_2D' || quantized ? w.shape[0] : 0;
  if (name === 'DEPTHWISE_CONV_2D') return w.shape[w.shape.length - 1];
  if (name === 'FULLY_CONNECTED') return (w.quant?.scale.length ?? 0) > 1 ? w.quant!.scale.length : 0;
  return 0;
}

export function persistentParts(model: TfliteModel, target: TflmTarget, scratchCount: number): PersistentParts {
  const p = target.pointerBytes;
  const s = structSizes(p);
  const sg = model.subgraphs[0];
  const ioTensor = (t: TfliteTensor) => s.tensor + (t.quant && t.quant.scale.length > 0 ? s.affineQuantization + alignUp(intArrayBytes(t.quant.scale.length), 4) : 0);
  let builtinData = 0;
  let kernelData = 0;
  for (const op of sg.operators) {
    const name = operatorName(model, op);
    builtinData += BUILTIN_DATA[name] ?? (op.optionsType ? 8 : 0);
    if (!NO_OP_DATA.has(name)) kernelData += opDataBytes(p);
    const w = op.inputs[1] >= 0 ? sg.tensors[op.inputs[1]] : undefined;
    const out = op.outputs[0] >= 0 ? sg.tensors[op.outputs[0]] : undefined;
    const channels = perChannelArrays(name, w, out?.dtype === 'int8' || out?.dtype === 'int16');
    if (channels > 0) kernelData += 2 * alignUp(4 * channels);
  }
  return {
    evalTensors: s.evalTensor * sg.tensors.length,
    nodes: s.nodeAndRegistration * sg.operators.length,
    ioTensors: [...sg.inputs, ...sg.outputs].reduce((a, t) => a + ioTensor(sg.tensors[t]), 0),
    variables: sg.tensors.filter((t) => t.isVariable).reduce((a, t) => a + alignUp(tensorBytes(t)), 0),
    builtinData, kernelData,
    scratchHandles: p * scratchCount,
    runtime: s.runtime,
  };
}

/**
 * Temporary memory while the plan is made (CommitStaticMemoryPlan): an AllocationInfo per tensor and
 * scratch buffer, the scratch requests, and the greedy planner's per-buffer working arrays. It comes
 * from the same space the planned activations then use: the arena needs the larger of the two.
 */
export function planningBytes(model: TfliteModel, target: TflmTarget, plannedBuffers: number, scratchCount: number): number {
  const s = structSizes(target.pointerBytes);
  const kMaxScratchBuffersPerOp = 12;
  return alignUp(s.scratchRequest * (scratchCount + kMaxScratchBuffersPerOp)) + alignUp(s.allocationInfo * (model.subgraphs[0].tensors.length + scratchCount))
    + alignUp(target.pointerBytes) + alignUp(s.plannerPerBuffer * plannedBuffers);
}

const attr = (op: TfliteModel['subgraphs'][0]['operators'][0], name: string): number | undefined => {
  const a = op.attributes.find((x) => x.name === name);
  return a ? Number(a.value) : undefined;
};

/**
 * Scratch buffers the kernels request in Prepare (RequestScratchBufferInArena); each lives for its
 * operator only and is planned with the activations.
 * - SVDF (reference and CMSIS-NN): batch x filters int32 (float: float32), and for int8 batch x units int32.
 * - TRANSPOSE_CONV int8/int16 (reference): an int32 / int64 accumulator per output element.
 * - CMSIS-NN, DSP build (Cortex-M4/M7/M33): CONV_2D int8 other than 1x1: an im2col buffer of
 *   2 x input channels x kernel h x kernel w int16 (arm_convolve_s8_get_buffer_size); DEPTHWISE_CONV_2D
 *   int8 with one output channel per input channel, other than 3x3 (which has its own kernel):
 *   input channels x kernel h x kernel w int16 (arm_depthwise_conv_s8_opt_get_buffer_size).
 */
export function scratchRequests(model: TfliteModel, kernels: TflmKernels): ScratchRequest[] {
  const sg = model.subgraphs[0];
  const out: ScratchRequest[] = [];
  sg.operators.forEach((op, i) => {
    const name = operatorName(model, op);
    const t = (k: number) => (op.inputs[k] >= 0 ? sg.tensors[op.inputs[k]] : undefined);
    const input = t(0);
    const output = op.outputs[0] >= 0 ? sg.tensors[op.outputs[0]] : undefined;
    if (!input || !output) return;
    if (name === 'SVDF') {
      const batch = input.shape[0] ?? 1;
      const filters = t(1)?.shape[0] ?? 0;
      const rank = attr(op, 'rank') || 1;
      out.push({ op: i, bytes: batch * filters * 4, why: 'SVDF: feature matmul result' });
      if (input.dtype === 'int8') out.push({ op: i, bytes: batch * (filters / rank) * 4, why: 'SVDF: int32 output before requantizing' });
    } else if (name === 'TRANSPOSE_CONV' && (t(2)?.dtype === 'int8' || t(2)?.dtype === 'int16')) {
      out.push({ op: i, bytes: elementCount(output.shape) * (t(2)!.dtype === 'int8' ? 4 : 8), why: 'TRANSPOSE_CONV: int accumulators' });
    } else if (kernels === 'cmsis-nn' && input.dtype === 'int8' && (name === 'CONV_2D' || name === 'DEPTHWISE_CONV_2D')) {
      const w = t(1);
      if (!w || w.shape.length !== 4) return;
      const [kh, kw] = [w.shape[1], w.shape[2]];
      const cin = input.shape[3];
      if (name === 'CONV_2D') {
        if (kh !== 1 || kw !== 1) out.push({ op: i, bytes: 2 * cin * kh * kw * 2, why: 'CMSIS-NN convolution: im2col (int16)' });
      } else if (output.shape[3] === cin && !(kh === 3 && kw === 3)) {
        out.push({ op: i, bytes: cin * kh * kw * 2, why: 'CMSIS-NN depthwise convolution: im2col (int16)' });
      }
    }
  });
  return out.filter((r) => r.bytes > 0);
}

export function tensorBytes(t: TfliteTensor): number {
  return denseBytes(t.dtype, elementCount(t.shape)) ?? 0;
}
