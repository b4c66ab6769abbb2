import { attrInt, attrInts, attrString } from '../../../formats/onnx/model';
import { BuiltinOperator, BuiltinOptions, TensorType } from '../../../formats/tflite/writer';
import {
  ConcatenationOptions, GatherOptions, MirrorPadMode, MirrorPadOptions, SplitVOptions, StridedSliceOptions,
} from '../../../formats/tflite/fbs/schema_generated';
import type { ConvertContext } from '../context';
import { identity, isIdentity, sameElementOrder, storedAxis } from '../layout';
import { reshapeOptions } from '../options';

/**
 * Reshape, Flatten, Squeeze, Unsqueeze -> RESHAPE. Data stored in another order than ONNX's is
 * reshaped as stored when both orders visit the elements alike; a flatten to [batch, features] of
 * data that keeps the batch axis first (NHWC) and that only dense layers read is reshaped as stored
 * too (the dense layers reorder their weights); otherwise it is first brought back to ONNX order.
 */
export function convertReshape(ctx: ConvertContext): void {
  const node = ctx.node;
  const [x, y] = [node.input[0], node.output[0]];
  const v = ctx.value(x);
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(y);
  if (yShape.some((d) => d < 0)) ctx.fail(`target shape [${yShape.join(', ')}] is not known`);
  let input = v.tensor;
  let features: Int32Array | undefined;
  if (!isIdentity(v.perm) && !sameElementOrder(xShape, v.perm)) {
    // Only when stored axis 0 is ONNX axis 0: attention's head merge stores heads first, and its rows are not the batch.
    if (yShape.length === 2 && v.perm[0] === 0 && yShape[0] === xShape[0] && onlyDenseReaders(ctx, y)) {
      // Stored feature j (in stored order, batch excluded) is ONNX feature features[j].
      const inner = v.perm.slice(1);
      const onnxStrides = stridesOf(xShape);
      const dims = inner.map((a) => xShape[a]);
      const count = dims.reduce((a, b) => a * b, 1);
      features = new Int32Array(count);
      const idx = new Array(dims.length).fill(0);
      for (let j = 0; j < count; j++) {
        let f = 0;
        for (let k = 0; k < dims.length; k++) f += idx[k] * onnxStrides[inner[k]];
        features[j] = f;
        for (let k = dims.length - 1; k >= 0; k--) { if (++idx[k] < dims[k]) break; idx[k] = 0; }
      }
    } else input = ctx.in(x, identity(xShape.length));
  }
  const out = ctx.out(y);
  if (features) ctx.values.get(y)!.features = features;
  reshape(ctx, input, out, yShape);
}

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/** True when every reader of `value` is a Gemm or MatMul taking it as the left input against constant weights. */
function onlyDenseReaders(ctx: ConvertContext, value: string): boolean {
  if (ctx.graphOutputs.has(value)) return false;
  const users = ctx.graph.consumersOf(value);
  return users.length > 0 && users.every((u) => (u.opType === 'Gemm' && attrInt(u, 'transA', 0) === 0 || u.opType === 'MatMul') &&
    u.input[0] === value && u.input[1] !== value && ctx.isConst(u.input[1]) && (u.opType === 'Gemm' || ctx.shape(u.input[1]).length === 2));
}

export function reshape(ctx: ConvertContext, input: number, out: number, shape: number[]): void {
  const shapeT = ctx.tg.constI32(`${ctx.label}/shape`, shape);
  ctx.emit(BuiltinOperator.RESHAPE, [input, shapeT], [out], reshapeOptions(shape));
}

/** Transpose: no op at all, only a new layout for the same stored data (a TRANSPOSE appears where a reader needs another order). */
export function convertTranspose(ctx: ConvertContext): void {
  const node = ctx.node;
  const v = ctx.value(node.input[0]);
  const rank = v.perm.length;
  const p = attrInts(node, 'perm') ?? identity(rank).reverse();
  ctx.values.set(node.output[0], { tensor: v.tensor, perm: v.perm.map((a) => p.indexOf(a)) });
}

export function convertIdentity(ctx: ConvertContext): void {
  ctx.alias(ctx.node.output[0], ctx.node.input[0]);
}

/** Concat -> CONCATENATION on the stored axis, every input in the first one's layout. */
export function convertConcat(ctx: ConvertContext): void {
  const node = ctx.node;
  const inputs = node.input.filter((n) => n && ctx.shape(n).reduce((a, b) => a * b, 1) > 0);
  const lead = inputs.find((n) => !ctx.isConst(n)) ?? inputs[0];
  const perm = ctx.value(lead).perm;
  const axis = storedAxis(perm, attrInt(node, 'axis', 0));
  const act = ctx.fuseActivation(node.output[0]);
  ctx.emit(BuiltinOperator.CONCATENATION, inputs.map((n) => ctx.in(n, perm)), [ctx.out(act.out, perm)], {
    type: BuiltinOptions.ConcatenationOptions, write: (fb) => ConcatenationOptions.createConcatenationOptions(fb, axis, act.code),
  });
}

/** Split -> SPLIT_V on the stored axis. */
export function convertSplit(ctx: ConvertContext): void {
  const node = ctx.node;
  const v = ctx.value(node.input[0]);
  const shape = ctx.shape(node.input[0]);
  const onnxAxis = attrInt(node, 'axis', 0);
  const sizes = node.output.map((o) => ctx.shape(o)[onnxAxis < 0 ? onnxAxis + shape.length : onnxAxis]);
  const sizesT = ctx.tg.constI32(`${ctx.label}/size_splits`, sizes);
  const axisT = ctx.tg.constI32(`${ctx.label}/axis`, [storedAxis(v.perm, onnxAxis)], []);
  const outs = node.output.map((o) => ctx.out(o, v.perm));
  ctx.emit(BuiltinOperator.SPLIT_V, [v.tensor, sizesT, axisT], outs, {
    type: BuiltinOptions.SplitVOptions, write: (fb) => SplitVOptions.createSplitVOptions(fb, outs.length),
  });
}

/** Slice -> STRIDED_SLICE with begin/end/strides in stored order. */
export function convertSlice(ctx: ConvertContext): void {
  const node = ctx.node;
  const v = ctx.value(node.input[0]);
  const shape = ctx.shape(node.input[0]);
  const rank = shape.length;
  const starts = ctx.intsOf('starts', 1);
  const ends = ctx.intsOf('ends', 2);
  if (!starts || !ends) ctx.fail('starts/ends computed at run time');
  const axes = (ctx.intsOf('axes', 3) ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const steps = (node.input[4] ? ctx.constInts(node.input[4]) : undefined) ?? starts.map(() => 1);
  const begin = new Array(rank).fill(0);
  const end = [...shape];
  const stride = new Array(rank).fill(1);
  axes.forEach((a, i) => {
    const d = shape[a];
    const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x < 0 ? x + d : x));
    stride[a] = steps[i];
    if (steps[i] > 0) { begin[a] = clamp(starts[i], 0, d); end[a] = clamp(ends[i], 0, d); } else {
      begin[a] = clamp(starts[i], -1, d - 1);
      end[a] = ends[i] < -d ? -1 : clamp(ends[i], -1, d - 1);
    }
  });
  // An end of -1 with a negative step means "through index 0": TFLite spells that with end_mask.
  let endMask = 0;
  const sb = v.perm.map((a) => begin[a]);
  const se = v.perm.map((a, i) => { if (end[a] === -1 && stride[a] < 0) { endMask |= 1 << i; return 0; } return end[a]; });
  const ss = v.perm.map((a) => stride[a]);
  const t = (what: string, xs: number[]) => ctx.tg.constI32(`${ctx.label}/${what}`, xs);
  ctx.emit(BuiltinOperator.STRIDED_SLICE, [v.tensor, t('begin', sb), t('end', se), t('strides', ss)], [ctx.out(node.output[0], v.perm)], {
    type: BuiltinOptions.StridedSliceOptions, write: (fb) => StridedSliceOptions.createStridedSliceOptions(fb, 0, endMask, 0, 0, 0, false),
  });
}

/** Pad (constant, reflect) -> PAD / PADV2 / MIRROR_PAD with pads in stored order. */
export function convertPad(ctx: ConvertContext): void {
  const node = ctx.node;
  const v = ctx.value(node.input[0]);
  const rank = v.perm.length;
  const pads = ctx.intsOf('pads', 1);
  if (!pads) ctx.fail('pads computed at run time');
  if (pads.some((p) => p < 0)) ctx.fail('negative pads (cropping) are not supported');
  const mode = attrString(node, 'mode') ?? 'constant';
  const axesGiven = node.input[3] ? ctx.constInts(node.input[3]) : undefined;
  const axes = axesGiven?.map((a) => (a < 0 ? a + rank : a)) ?? identity(rank);
  const per = new Array(rank).fill(0).map(() => [0, 0]);
  axes.forEach((a, i) => { per[a] = [pads[i], pads[i + axes.length]]; });
  const paddings = ctx.tg.constI32(`${ctx.label}/paddings`, v.perm.flatMap((a) => per[a]), [rank, 2]);
  const y = ctx.out(node.output[0], v.perm);
  if (mode === 'reflect') {
    ctx.emit(BuiltinOperator.MIRROR_PAD, [v.tensor, paddings], [y], {
      type: BuiltinOptions.MirrorPadOptions, write: (fb) => MirrorPadOptions.createMirrorPadOptions(fb, MirrorPadMode.REFLECT),
    });
    return;
  }
  if (mode !== 'constant') ctx.fail(`pad mode '${mode}' has no TFLite builtin`);
  const value = node.input[2] ? ctx.constFloat(node.input[2])?.values[0] ?? 0 : attrFloatValue(node);
  if (value === 0) ctx.emit(BuiltinOperator.PAD, [v.tensor, paddings], [y]);
  else ctx.emit(BuiltinOperator.PADV2, [v.tensor, paddings, ctx.tg.constF32(`${ctx.label}/value`, [], new Float32Array([value]))], [y]);
}

function attrFloatValue(node: ConvertContext['node']): number {
  const a = node.attribute.find((x) => x.name === 'value');
  return a ? a.f : 0;
}

/** Gather -> GATHER (int32 indices) on the stored axis. */
export function convertGather(ctx: ConvertContext): void {
  const node = ctx.node;
  const [data, idx] = [node.input[0], node.input[1]];
  const rank = ctx.shape(data).length;
  const axis = attrInt(node, 'axis', 0) < 0 ? attrInt(node, 'axis', 0) + rank : attrInt(node, 'axis', 0);
  const constIdx = ctx.constInts(idx);
  const idxShape = ctx.shape(idx);
  let indices: number;
  if (constIdx) indices = ctx.tg.constI32(`${ctx.label}/indices`, constIdx.map((i) => (i < 0 ? i + ctx.shape(data)[axis] : i)), idxShape);
  else indices = ctx.in(idx);
  const x = ctx.in(data, identity(rank));
  ctx.emit(BuiltinOperator.GATHER, [x, indices], [ctx.out(node.output[0], identity(ctx.shape(node.output[0]).length), ctx.tg.tensors[x].type)], {
    type: BuiltinOptions.GatherOptions, write: (fb) => GatherOptions.createGatherOptions(fb, axis, 0),
  });
}

/** Cast between float types is nothing here (the graph is float32); integer casts of computed values are not supported. */
export function convertCast(ctx: ConvertContext): void {
  const node = ctx.node;
  const to = attrInt(node, 'to', 1);
  const from = ctx.dtype(node.input[0]);
  if ((to === 1 || to === 10 || to === 11) && (from === 1 || from === 10 || from === 11)) return convertIdentity(ctx);
  if (to === from) return convertIdentity(ctx);
  const v = ctx.value(node.input[0]);
  const type = to === 6 || to === 7 ? TensorType.INT32 : to === 1 ? TensorType.FLOAT32 : undefined;
  if (type === undefined) ctx.fail(`Cast to ONNX type ${to} of a computed value`);
  ctx.emit(BuiltinOperator.CAST, [v.tensor], [ctx.out(node.output[0], v.perm, type)]);
}
