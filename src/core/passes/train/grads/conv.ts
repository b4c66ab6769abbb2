import type { NodeProto } from '../../../formats/onnx/proto/onnx_pb';
import { attrInt, attrInts, attrString } from '../../../formats/onnx/model';
import { dy, staticDims, unsupported, type GradContext, type GradRule } from '../grad-rule';

/** A sliding window with explicit pads ([begin..., end...]), as Conv and pooling define it. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
}

/** The window of a Conv-like node over `input` spatial dims, with auto_pad resolved to explicit pads. */
export function windowOf(node: NodeProto, kernel: number[], input: number[]): Window {
  const r = kernel.length;
  const strides = attrInts(node, 'strides') ?? new Array(r).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array(r).fill(1);
  const autoPad = attrString(node, 'auto_pad') ?? 'NOTSET';
  let pads = attrInts(node, 'pads') ?? new Array(2 * r).fill(0);
  if (autoPad === 'VALID') pads = new Array(2 * r).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const out = Math.ceil(input[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + r] = total - pads[i];
    }
  }
  return { kernel, strides, dilations, pads };
}

/** Output length along spatial axis i (floor mode). */
export function windowOutput(w: Window, input: number[], i: number): number {
  const r = w.kernel.length;
  const span = (w.kernel[i] - 1) * w.dilations[i] + 1;
  return Math.floor((input[i] + w.pads[i] + w.pads[i + r] - span) / w.strides[i]) + 1;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/**
 * dW of y = Conv(x, W) (groups G): dW[o, i, k] = sum over n and output positions of
 * dY[n, o, p] * x[n, i, p*s + k*d - pad]. That is itself a convolution over k: the batch becomes
 * the reduction channel, dY the kernel (dilated by the stride), and the stride the dilation.
 * Channels of group g are arranged so one grouped Conv computes every group at once.
 */
export function convWeightGrad(c: GradContext, x: string, g: string, w: Window, groups: number, wDims: number[], xSpatial: number[]): string {
  const e = c.e;
  const r = w.kernel.length;
  const cig = wDims[1];
  const spatial = range(r, 2);
  let xt: string;
  if (groups === 1) xt = e.transpose(x, [1, 0, ...spatial]);
  else if (cig === 1) xt = e.reshape(e.transpose(x, [1, 0, ...spatial]), e.ints([1, -1, ...xSpatial]));
  else {
    const split = e.reshape(x, e.ints([0, groups, cig, ...xSpatial]));
    xt = e.reshape(e.transpose(split, [2, 1, 0, ...range(r, 3)]), e.ints([cig, -1, ...xSpatial]));
  }
  const gt = e.transpose(g, [1, 0, ...spatial]);
  const outSpatial = range(r).map((i) => windowOutput(w, xSpatial, i));
  let k = e.op('Conv', [xt, gt], {
    group: groups, strides: w.dilations, dilations: w.strides, pads: w.pads,
    kernel_shape: outSpatial,
  });
  // The correlation runs past the kernel when the last rows of x fed no output: keep K.
  const full = range(r).map((i) => Math.floor((xSpatial[i] + w.pads[i] + w.pads[i + r] - ((outSpatial[i] - 1) * w.strides[i] + 1)) / w.dilations[i]) + 1);
  if (full.some((f, i) => f > w.kernel[i])) k = e.slice(k, new Array(r).fill(0), w.kernel, spatial);
  return e.transpose(k, [1, 0, ...spatial]);
}

/** Spatial dims (static) of a value shaped [N, C, ...]. */
function spatialOf(c: GradContext, value: string): number[] {
  return staticDims(c, value, c.shape(value).slice(2));
}

function biasGrad(c: GradContext, g: string, rank: number): string {
  return c.e.reduceSum(g, [0, ...range(rank - 2, 2)], false);
}

const conv: GradRule = {
  inputs: [0, 1, 2],
  grad(c) {
    const g = dy(c);
    const [x, wName, b] = c.node.input;
    const wDims = staticDims(c, wName, c.shape(wName));
    const xSpatial = spatialOf(c, x);
    const w = windowOf(c.node, attrInts(c.node, 'kernel_shape') ?? wDims.slice(2), xSpatial);
    const groups = attrInt(c.node, 'group', 1);
    const r = w.kernel.length;
    let dx: string | undefined;
    if (c.needs[0]) {
      // dX = ConvTranspose(dY, W): output_padding restores input rows the forward window skipped.
      const outputPadding = range(r).map((i) => {
        const out = windowOutput(w, xSpatial, i);
        return xSpatial[i] + w.pads[i] + w.pads[i + r] - ((out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1);
      });
      dx = c.e.op('ConvTranspose', [g, wName], {
        group: groups, strides: w.strides, dilations: w.dilations, pads: w.pads, kernel_shape: w.kernel,
        output_padding: outputPadding.some((p) => p !== 0) ? outputPadding : undefined,
      });
    }
    const dw = c.needs[1] ? convWeightGrad(c, x, g, w, groups, wDims, xSpatial) : undefined;
    const db = c.needs[2] && b ? biasGrad(c, g, r + 2) : undefined;
    return [dx, dw, db];
  },
};

/** The explicit pads of a ConvTranspose, from pads, auto_pad or output_shape. */
function convTransposeWindow(c: GradContext, kernel: number[], xSpatial: number[], ySpatial: number[]): Window {
  const node = c.node;
  const r = kernel.length;
  const base = windowOf({ ...node, attribute: node.attribute.filter((a) => a.name !== 'auto_pad') } as NodeProto, kernel, xSpatial);
  const autoPad = attrString(node, 'auto_pad') ?? 'NOTSET';
  if (!attrInts(node, 'output_shape') && autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') {
    return autoPad === 'VALID' ? { ...base, pads: new Array(2 * r).fill(0) } : base;
  }
  const op = attrInts(node, 'output_padding') ?? new Array(r).fill(0);
  const pads = new Array(2 * r).fill(0);
  for (let i = 0; i < r; i++) {
    const total = base.strides[i] * (xSpatial[i] - 1) + op[i] + (kernel[i] - 1) * base.dilations[i] + 1 - ySpatial[i];
    const half = Math.floor(total / 2);
    pads[i] = autoPad === 'SAME_UPPER' ? half : total - half;
    pads[i + r] = total - pads[i];
  }
  return { ...base, pads };
}

/**
 * ConvTranspose is the adjoint of Conv(., W) with the same attributes, so dX = Conv(dY, W) and dW
 * is Conv's weight gradient with the roles of input and output swapped.
 */
const convTranspose: GradRule = {
  inputs: [0, 1, 2],
  grad(c) {
    const g = dy(c);
    const [x, wName, b] = c.node.input;
    const wDims = staticDims(c, wName, c.shape(wName));
    const xSpatial = spatialOf(c, x);
    const ySpatial = spatialOf(c, c.node.output[0]);
    const kernel = attrInts(c.node, 'kernel_shape') ?? wDims.slice(2);
    const w = convTransposeWindow(c, kernel, xSpatial, ySpatial);
    const groups = attrInt(c.node, 'group', 1);
    if (w.pads.some((p) => p < 0)) unsupported(c.node, 'negative padding');
    const dx = c.needs[0]
      ? c.e.op('Conv', [g, wName], { group: groups, strides: w.strides, dilations: w.dilations, pads: w.pads, kernel_shape: kernel })
      : undefined;
    const dw = c.needs[1] ? convWeightGrad(c, g, x, w, groups, wDims, ySpatial) : undefined;
    const db = c.needs[2] && b ? biasGrad(c, g, kernel.length + 2) : undefined;
    return [dx, dw, db];
  },
};

export const CONV_GRADS: Record<string, GradRule> = { Conv: conv, ConvTranspose: convTranspose };
