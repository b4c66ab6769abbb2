import { attrInt, attrInts } from '../../../formats/onnx/model';
import { attrFloat } from '../../common';
import { BuiltinOperator, BuiltinOptions } from '../../../formats/tflite/writer';
import {
  ConcatenationOptions, Conv2DOptions, DepthwiseConv2DOptions, Padding, SplitOptions, TransposeConvOptions,
} from '../../../formats/tflite/fbs/schema_generated';
import type { ConvertContext } from '../context';
import type { RawF32 } from '../graph';
import { channelsLast, permuted, permutedRaw, rawFloats } from '../layout';
import { permuteArray } from '../../../tensor/permute';
import { paddingFor, window2d } from './window';

/**
 * Weights and bias of a Conv/ConvTranspose, with a following BatchNormalization folded in. `w` is
 * a function when the values are only made on demand (`raw` then holds the ONNX bytes).
 */
interface Kernel { w: Float32Array | (() => Float32Array); raw?: RawF32; wShape: number[]; bias: Float32Array; out: string }

/**
 * Folds BatchNormalization into the convolution before it when the convolution's output feeds
 * only that BN: w' = w * g / sqrt(v + eps) per output channel, b' = (b - m) * g / sqrt(v + eps) + beta.
 */
function kernelWithBn(ctx: ConvertContext, outAxis: number): Kernel {
  const node = ctx.node;
  const raw = ctx.constRawF32(node.input[1]);
  const out = node.output[0];
  const users = ctx.graph.consumersOf(out);
  const bn = users.length === 1 && !ctx.graphOutputs.has(out) && users[0].opType === 'BatchNormalization' ? users[0] : undefined;
  // Without BN to fold the weights go to the file straight from the ONNX bytes.
  const w = raw && !bn ? { values: undefined, dims: raw.dims } : ctx.constFloat(node.input[1]);
  if (!w) ctx.fail('weights computed at run time: TFLite convolutions need constant weights');
  const channels = w.dims[outAxis] * (outAxis === 1 ? attrInt(node, 'group', 1) : 1);
  const b = node.input[2] ? ctx.constFloat(node.input[2]) : undefined;
  if (node.input[2] && !b) ctx.fail('bias computed at run time');
  const kernel: Kernel = {
    w: w.values ?? (() => rawFloats(raw!)),
    raw: w.values ? undefined : raw, wShape: w.dims, bias: b ? new Float32Array(b.values) : new Float32Array(channels), out,
  };
  if (!bn) return kernel;
  const [g, beta, mean, v] = [1, 2, 3, 4].map((i) => ctx.constFloat(bn.input[i]));
  if (!g || !beta || !mean || !v) return kernel;
  const eps = attrFloat(bn, 'epsilon', 1e-5);
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = g.values[c] / Math.sqrt(v.values[c] + eps);
  const wv = values(kernel);
  const folded = new Float32Array(wv.length);
  const groups = outAxis === 1 ? attrInt(node, 'group', 1) : 1;
  // Conv: out channel is axis 0; ConvTranspose: [C_in, C_out/group, ...], channel = group * (C_out/group) + j.
  const inner = kernel.wShape.slice(outAxis + 1).reduce((a, d) => a * d, 1);
  const perGroupIn = outAxis === 1 ? kernel.wShape[0] / groups : 1;
  for (let i = 0; i < folded.length; i++) {
    const c = outAxis === 0 ? Math.floor(i / inner) : Math.floor(Math.floor(i / (inner * kernel.wShape[1])) / perGroupIn) * kernel.wShape[1] + (Math.floor(i / inner) % kernel.wShape[1]);
    folded[i] = wv[i] * scale[c];
  }
  for (let c = 0; c < channels; c++) kernel.bias[c] = (kernel.bias[c] - mean.values[c]) * scale[c] + beta.values[c];
  ctx.markFused(bn, 0);
  return { w: folded, wShape: kernel.wShape, bias: kernel.bias, out: bn.output[0] };
}

function values(k: Kernel): Float32Array {
  return typeof k.w === 'function' ? k.w() : k.w;
}

/** The weights transposed by `perm` for the file: from the raw ONNX bytes when there are any. */
function laidOut(k: Kernel, perm: number[]) {
  return k.raw ? permutedRaw(k.raw, k.wShape, perm) : permuted(values(k), k.wShape, perm);
}


/** Conv -> CONV_2D, DEPTHWISE_CONV_2D (group = channels), or SPLIT + CONV_2D per group + CONCATENATION. */
export function convertConv(ctx: ConvertContext): void {
  const node = ctx.node;
  const xShape = ctx.shape(node.input[0]);
  if (xShape.length !== 4) ctx.fail(`${xShape.length - 2}-D convolution: only 2-D (N, C, H, W) convolutions have a TFLite builtin`);
  const k = kernelWithBn(ctx, 0);
  const [O, Cg, kh, kw] = k.wShape;
  const group = attrInt(node, 'group', 1);
  const C = xShape[1];
  const act = ctx.fuseActivation(k.out);
  const outShape = ctx.shape(node.output[0]);
  const win = window2d(ctx, [xShape[2], xShape[3]], [kh, kw], [outShape[2], outShape[3]]);
  const x = ctx.in(node.input[0], channelsLast(4));
  const { padding, input } = paddingFor(ctx, x, win);
  const y = ctx.out(act.out, channelsLast(4));
  const [sh, sw] = win.strides;
  const [dh, dw] = win.dilations;
  if (group === 1) {
    const w = ctx.tg.constF32(`${ctx.label}/filter`, [O, kh, kw, C], laidOut(k, [0, 2, 3, 1]));
    const b = ctx.tg.constF32(`${ctx.label}/bias`, [O], k.bias);
    ctx.emit(BuiltinOperator.CONV_2D, [input, w, b], [y], {
      type: BuiltinOptions.Conv2DOptions, write: (fb) => Conv2DOptions.createConv2DOptions(fb, padding, sw, sh, act.code, dw, dh, 0),
    });
  } else if (group === C && Cg === 1) {
    const w = ctx.tg.constF32(`${ctx.label}/filter`, [1, kh, kw, O], laidOut(k, [1, 2, 3, 0]));
    const b = ctx.tg.constF32(`${ctx.label}/bias`, [O], k.bias);
    ctx.emit(BuiltinOperator.DEPTHWISE_CONV_2D, [input, w, b], [y], {
      type: BuiltinOptions.DepthwiseConv2DOptions,
      write: (fb) => DepthwiseConv2DOptions.createDepthwiseConv2DOptions(fb, padding, sw, sh, O / C, act.code, dw, dh),
    });
  } else {
    groupedConv(ctx, input, y, k, group, padding, [sh, sw], [dh, dw], act.code);
  }
}

function groupedConv(
  ctx: ConvertContext, input: number, y: number, k: Kernel, group: number, padding: Padding,
  [sh, sw]: number[], [dh, dw]: number[], act: number,
): void {
  const [O, Cg, kh, kw] = k.wShape;
  const inShape = ctx.tg.tensors[input].shape;
  const outShape = ctx.tg.tensors[y].shape;
  const Og = O / group;
  const axis = ctx.tg.constI32(`${ctx.label}/split_axis`, [3], []);
  const parts = Array.from({ length: group }, (_, g) => ctx.temp(`group${g}/in`, [inShape[0], inShape[1], inShape[2], Cg]));
  ctx.emit(BuiltinOperator.SPLIT, [axis, input], parts, { type: BuiltinOptions.SplitOptions, write: (fb) => SplitOptions.createSplitOptions(fb, group) });
  const outs = parts.map((part, g) => {
    const wg = permuteArray(values(k).subarray(g * Og * Cg * kh * kw, (g + 1) * Og * Cg * kh * kw), [Og, Cg, kh, kw], [0, 2, 3, 1]);
    const w = ctx.tg.constF32(`${ctx.label}/group${g}/filter`, [Og, kh, kw, Cg], wg);
    const b = ctx.tg.constF32(`${ctx.label}/group${g}/bias`, [Og], k.bias.slice(g * Og, (g + 1) * Og));
    const o = ctx.temp(`group${g}/out`, [outShape[0], outShape[1], outShape[2], Og]);
    ctx.emit(BuiltinOperator.CONV_2D, [part, w, b], [o], {
      type: BuiltinOptions.Conv2DOptions, write: (fb) => Conv2DOptions.createConv2DOptions(fb, padding, sw, sh, 0, dw, dh, 0),
    });
    return o;
  });
  ctx.emit(BuiltinOperator.CONCATENATION, outs, [y], {
    type: BuiltinOptions.ConcatenationOptions, write: (fb) => ConcatenationOptions.createConcatenationOptions(fb, 3, act),
  });
}

/** ConvTranspose -> TRANSPOSE_CONV (output_shape, filter [O, kh, kw, C], input, bias). */
export function convertConvTranspose(ctx: ConvertContext): void {
  const node = ctx.node;
  const xShape = ctx.shape(node.input[0]);
  if (xShape.length !== 4) ctx.fail('only 2-D transposed convolutions have a TFLite builtin');
  if (attrInt(node, 'group', 1) !== 1) ctx.fail('grouped transposed convolution has no TFLite builtin');
  if ((attrInts(node, 'dilations') ?? [1, 1]).some((d) => d !== 1)) ctx.fail('dilated transposed convolution has no TFLite builtin');
  const k = kernelWithBn(ctx, 1);
  const [C, O, kh, kw] = k.wShape;
  const out = ctx.shape(k.out);
  const strides = attrInts(node, 'strides') ?? [1, 1];
  // TFLite's TRANSPOSE_CONV takes the output shape; SAME places the padding as TensorFlow does.
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  const tfPad = (i: number) => {
    const total = Math.max((xShape[2 + i] - 1) * strides[i] + [kh, kw][i] - out[2 + i], 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [ph, pw] = [tfPad(0), tfPad(1)];
  const fullH = (xShape[2] - 1) * strides[0] + kh;
  const fullW = (xShape[3] - 1) * strides[1] + kw;
  let padding: Padding;
  if (pads[0] === ph[0] && pads[2] === ph[1] && pads[1] === pw[0] && pads[3] === pw[1] && out[2] === Math.ceil(xShape[2] * strides[0]) && out[3] === Math.ceil(xShape[3] * strides[1])) padding = Padding.SAME;
  else if (pads.every((p) => p === 0) && out[2] === fullH && out[3] === fullW) padding = Padding.VALID;
  else ctx.fail(`pads [${pads.join(', ')}] with output [${out.join(', ')}] match neither TFLite SAME nor VALID for TRANSPOSE_CONV`);
  const x = ctx.in(node.input[0], channelsLast(4));
  const y = ctx.out(k.out, channelsLast(4));
  const shapeT = ctx.tg.constI32(`${ctx.label}/output_shape`, [out[0], out[2], out[3], O]);
  const w = ctx.tg.constF32(`${ctx.label}/filter`, [O, kh, kw, C], laidOut(k, [1, 2, 3, 0]));
  const b = ctx.tg.constF32(`${ctx.label}/bias`, [O], k.bias);
  ctx.emit(BuiltinOperator.TRANSPOSE_CONV, [shapeT, w, x, b], [y], {
    type: BuiltinOptions.TransposeConvOptions, write: (fb) => TransposeConvOptions.createTransposeConvOptions(fb, padding, strides[1], strides[0], 0, 0),
  });
}
