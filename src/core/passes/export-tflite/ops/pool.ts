import { attr, attrInt, attrInts, attrString } from '../../../formats/onnx/model';
import { BuiltinOperator, BuiltinOptions } from '../../../formats/tflite/writer';
import {
  Pool2DOptions, ReducerOptions, ResizeBilinearOptions, ResizeNearestNeighborOptions, SoftmaxOptions,
} from '../../../formats/tflite/fbs/schema_generated';
import type { ConvertContext } from '../context';
import { channelsLast, identity, storedAxis } from '../layout';
import { paddingFor, window2d } from './window';

/** MaxPool / AveragePool -> MAX_POOL_2D / AVERAGE_POOL_2D on NHWC. */
export function convertPool(ctx: ConvertContext): void {
  const node = ctx.node;
  const xShape = ctx.shape(node.input[0]);
  if (xShape.length !== 4) ctx.fail('only 2-D pooling has a TFLite builtin');
  const kernel = (attrInts(node, 'kernel_shape') ?? []) as [number, number];
  const outShape = ctx.shape(node.output[0]);
  if (node.output[1]) ctx.fail('MaxPool with an Indices output has no TFLite builtin');
  const max = node.opType === 'MaxPool';
  const win = window2d(ctx, [xShape[2], xShape[3]], kernel, [outShape[2], outShape[3]]);
  if (win.dilations.some((d) => d !== 1)) ctx.fail('dilated pooling has no TFLite builtin');
  const includePad = attrInt(node, 'count_include_pad', 0) === 1;
  const x = ctx.in(node.input[0], channelsLast(4));
  // Average pooling counts only the real pixels under SAME; explicit zero padding is right only with count_include_pad.
  const explicitOk = max || includePad || win.pads.every((p) => p === 0);
  const { padding, input } = paddingFor(ctx, x, win, max ? -3.4028234663852886e38 : 0, explicitOk);
  if (!max && includePad && padding === 0 && win.pads.some((p) => p > 0)) ctx.fail('count_include_pad=1 with SAME-like padding: TFLite averages only real pixels');
  const act = ctx.fuseActivation(node.output[0]);
  const y = ctx.out(act.out, channelsLast(4));
  ctx.emit(max ? BuiltinOperator.MAX_POOL_2D : BuiltinOperator.AVERAGE_POOL_2D, [input], [y], {
    type: BuiltinOptions.Pool2DOptions,
    write: (fb) => Pool2DOptions.createPool2DOptions(fb, padding, win.strides[1], win.strides[0], kernel[1], kernel[0], act.code),
  });
}

/** GlobalAveragePool -> MEAN over H, W (keep_dims) on NHWC; GlobalMaxPool -> REDUCE_MAX. */
export function convertGlobalPool(ctx: ConvertContext): void {
  const node = ctx.node;
  const rank = ctx.shape(node.input[0]).length;
  const perm = channelsLast(rank);
  const x = ctx.in(node.input[0], perm);
  const axes = ctx.tg.constI32(`${ctx.label}/axes`, identity(rank).slice(1, rank - 1));
  const y = ctx.out(node.output[0], perm);
  ctx.emit(node.opType === 'GlobalMaxPool' ? BuiltinOperator.REDUCE_MAX : BuiltinOperator.MEAN, [x, axes], [y], {
    type: BuiltinOptions.ReducerOptions, write: (fb) => ReducerOptions.createReducerOptions(fb, true),
  });
}

const REDUCE: Record<string, BuiltinOperator> = {
  ReduceMean: BuiltinOperator.MEAN, ReduceMax: BuiltinOperator.REDUCE_MAX, ReduceMin: BuiltinOperator.REDUCE_MIN,
  ReduceSum: BuiltinOperator.SUM, ReduceProd: BuiltinOperator.REDUCE_PROD,
};

/** ReduceMean/Max/Min/Sum/Prod over the stored axes; the result keeps the input's layout (minus dropped axes). */
export function convertReduce(ctx: ConvertContext): void {
  const node = ctx.node;
  const v = ctx.value(node.input[0]);
  const rank = v.perm.length;
  const given = ctx.intsOf('axes', 1);
  if (!given && node.input[1]) ctx.fail('axes computed at run time');
  const axes = (given && given.length ? given : attrInt(node, 'noop_with_empty_axes', 0) ? [] : identity(rank)).map((a) => (a < 0 ? a + rank : a));
  if (axes.length === 0) { ctx.alias(node.output[0], node.input[0]); return; }
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const stored = axes.map((a) => storedAxis(v.perm, a)).sort((a, b) => a - b);
  let perm = v.perm;
  if (!keep) {
    // Drop the reduced axes and renumber the rest in ONNX order.
    const kept = v.perm.filter((a) => !axes.includes(a));
    const order = [...kept].sort((a, b) => a - b);
    perm = kept.map((a) => order.indexOf(a));
  }
  const axesT = ctx.tg.constI32(`${ctx.label}/axes`, stored);
  ctx.emit(REDUCE[node.opType], [v.tensor, axesT], [ctx.out(node.output[0], perm)], {
    type: BuiltinOptions.ReducerOptions, write: (fb) => ReducerOptions.createReducerOptions(fb, keep),
  });
}

/** Softmax over one axis -> SOFTMAX over the last stored axis (transposing so that axis is last when needed). */
export function convertSoftmax(ctx: ConvertContext): void {
  const node = ctx.node;
  const v = ctx.value(node.input[0]);
  const rank = v.perm.length;
  const opset = ctx.model.opsetVersion('') ?? 13;
  let axis = attrInt(node, 'axis', opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  if (opset < 13 && axis !== rank - 1) ctx.fail('Softmax before opset 13 flattens from its axis; only the last axis is supported');
  let perm = v.perm;
  if (perm[rank - 1] !== axis) perm = [...identity(rank).filter((a) => a !== axis), axis];
  const x = ctx.in(node.input[0], perm);
  const op = node.opType === 'LogSoftmax' ? BuiltinOperator.LOG_SOFTMAX : BuiltinOperator.SOFTMAX;
  ctx.emit(op, [x], [ctx.out(node.output[0], perm)], op === BuiltinOperator.SOFTMAX
    ? { type: BuiltinOptions.SoftmaxOptions, write: (fb) => SoftmaxOptions.createSoftmaxOptions(fb, 1) }
    : undefined);
}

/** Resize (nearest or linear, 2-D spatial) -> RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR on NHWC. */
export function convertResize(ctx: ConvertContext): void {
  const node = ctx.node;
  const xShape = ctx.shape(node.input[0]);
  const outShape = ctx.shape(node.output[0]);
  if (xShape.length !== 4 || xShape[0] !== outShape[0] || xShape[1] !== outShape[1]) ctx.fail('only resizing H and W of an N, C, H, W tensor has a TFLite builtin');
  const mode = attrString(node, 'mode') ?? 'nearest';
  const ct = attrString(node, 'coordinate_transformation_mode') ?? 'half_pixel';
  const nearestMode = attrString(node, 'nearest_mode') ?? 'round_prefer_floor';
  if (attr(node, 'antialias') === 1) ctx.fail('antialiased resize has no TFLite builtin');
  let alignCorners = false;
  let halfPixel = false;
  if (ct === 'align_corners') alignCorners = true;
  else if (ct === 'half_pixel' || ct === 'pytorch_half_pixel') halfPixel = true;
  else if (ct !== 'asymmetric') ctx.fail(`coordinate_transformation_mode '${ct}' has no TFLite equivalent`);
  if (mode === 'nearest') {
    // TFLite rounds half-pixel-centred coordinates half up and truncates asymmetric ones.
    const ok = (ct === 'asymmetric' && nearestMode === 'floor') || (halfPixel && nearestMode === 'round_prefer_ceil') || (alignCorners && nearestMode === 'round_prefer_ceil');
    if (!ok) ctx.fail(`nearest resize with ${ct} coordinates and nearest_mode '${nearestMode}' has no TFLite equivalent`);
  } else if (mode !== 'linear') ctx.fail(`resize mode '${mode}' has no TFLite builtin`);
  if (mode === 'linear' && ct === 'pytorch_half_pixel' && (outShape[2] === 1 || outShape[3] === 1)) ctx.fail('pytorch_half_pixel resize to size 1');
  const x = ctx.in(node.input[0], channelsLast(4));
  const size = ctx.tg.constI32(`${ctx.label}/size`, [outShape[2], outShape[3]]);
  const y = ctx.out(node.output[0], channelsLast(4));
  if (mode === 'nearest') {
    ctx.emit(BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [x, size], [y], {
      type: BuiltinOptions.ResizeNearestNeighborOptions, write: (fb) => ResizeNearestNeighborOptions.createResizeNearestNeighborOptions(fb, alignCorners, halfPixel),
    });
  } else {
    ctx.emit(BuiltinOperator.RESIZE_BILINEAR, [x, size], [y], {
      type: BuiltinOptions.ResizeBilinearOptions, write: (fb) => ResizeBilinearOptions.createResizeBilinearOptions(fb, alignCorners, halfPixel),
    });
  }
}
