import { attrInts, attrString } from '../../../formats/onnx/model';
import { BuiltinOperator, TensorType } from '../../../formats/tflite/writer';
import { Padding } from '../../../formats/tflite/fbs/schema_generated';
import type { ConvertContext } from '../context';

export interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** ONNX order: [h_begin, w_begin, h_end, w_end]. */
  pads: [number, number, number, number];
  /** Output H, W as ONNX computes them. */
  out: [number, number];
}

/** Kernel, strides, dilations and explicit pads of a 2-D Conv/pool node (auto_pad resolved to pads). */
export function window2d(ctx: ConvertContext, inHW: [number, number], kernel: [number, number], outHW: [number, number]): Window2d {
  const node = ctx.node;
  const strides = (attrInts(node, 'strides') ?? [1, 1]) as [number, number];
  const dilations = (attrInts(node, 'dilations') ?? [1, 1]) as [number, number];
  const autoPad = attrString(node, 'auto_pad') ?? 'NOTSET';
  let pads = (attrInts(node, 'pads') ?? [0, 0, 0, 0]) as [number, number, number, number];
  if (strides.length !== 2 || dilations.length !== 2 || pads.length !== 4) ctx.fail('only 2-D windows (N, C, H, W) are supported');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const p = [0, 1].map((i) => samePads(inHW[i], kernel[i], strides[i], dilations[i]));
    pads = autoPad === 'SAME_UPPER' ? [p[0][0], p[1][0], p[0][1], p[1][1]] : [p[0][1], p[1][1], p[0][0], p[1][0]];
  } else if (autoPad === 'VALID') pads = [0, 0, 0, 0];
  return { kernel, strides, dilations, pads, out: outHW };
}

/** TensorFlow's SAME padding of one axis: output ceil(in / stride), the odd pixel at the end. */
export function samePads(inDim: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(inDim / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - inDim, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * TFLite padding for the window: SAME or VALID when one of them is exactly the ONNX padding (and
 * gives ONNX's output size), else VALID after an explicit PAD/PADV2 (`padValue`, e.g. -inf for
 * max pooling). `input` is NHWC; returns the tensor the windowed op reads.
 */
export function paddingFor(ctx: ConvertContext, input: number, w: Window2d, padValue = 0, allowExplicit = true): { padding: Padding; input: number } {
  const shape = ctx.tg.tensors[input].shape;
  const [h, wd] = [shape[1], shape[2]];
  const [t, l, b, r] = w.pads;
  const same = [samePads(h, w.kernel[0], w.strides[0], w.dilations[0]), samePads(wd, w.kernel[1], w.strides[1], w.dilations[1])];
  const validOut = (i: number, dim: number) => Math.floor((dim - ((w.kernel[i] - 1) * w.dilations[i] + 1)) / w.strides[i]) + 1;
  if (t === same[0][0] && b === same[0][1] && l === same[1][0] && r === same[1][1] && Math.ceil(h / w.strides[0]) === w.out[0] && Math.ceil(wd / w.strides[1]) === w.out[1]) {
    return { padding: Padding.SAME, input };
  }
  // Pads beyond what the window ever reads (ceil_mode rounding) are zero-cost: VALID computes the same.
  const extraH = (h + t + b - ((w.kernel[0] - 1) * w.dilations[0] + 1)) % w.strides[0];
  const extraW = (wd + l + r - ((w.kernel[1] - 1) * w.dilations[1] + 1)) % w.strides[1];
  if (t === 0 && l === 0 && b - extraH <= 0 && r - extraW <= 0 && validOut(0, h) === w.out[0] && validOut(1, wd) === w.out[1]) {
    return { padding: Padding.VALID, input };
  }
  if (!allowExplicit) ctx.fail(`padding [${w.pads.join(', ')}] is neither TFLite's SAME nor VALID, and this op cannot take an explicit PAD`);
  const padded = [shape[0], h + t + b, wd + l + r, shape[3]];
  const out = ctx.temp('pad', padded, ctx.tg.tensors[input].type);
  const pads = ctx.tg.constI32(`${ctx.label}/paddings`, [0, 0, t, b, l, r, 0, 0], [4, 2]);
  if (padValue === 0) ctx.emit(BuiltinOperator.PAD, [input, pads], [out]);
  else {
    const value = ctx.tg.constF32(`${ctx.label}/pad_value`, [], new Float32Array([padValue]));
    ctx.emit(BuiltinOperator.PADV2, [input, pads, value], [out]);
  }
  if (ctx.tg.tensors[input].type !== TensorType.FLOAT32) ctx.fail('explicit padding of a non-float tensor');
  return { padding: Padding.VALID, input: out };
}
