import { attrInt, attrInts } from '../../../formats/onnx/model';
import { dy, staticDims, unsupported, type GradRule } from '../grad-rule';
import { windowOf, windowOutput, type Window } from './conv';

/**
 * MaxPool: each output's gradient goes to the input element it took. The forward node is given
 * its optional Indices output (flat positions in the whole input tensor) and the gradient is
 * scattered there, summed where overlapping windows picked the same element.
 */
const maxPool: GradRule = {
  inputs: [0],
  grad(c) {
    const e = c.e;
    const g = dy(c);
    const x = c.node.input[0];
    if (attrInt(c.node, 'storage_order', 0) !== 0) unsupported(c.node, 'storage_order=1 (column-major indices)');
    const kernel = attrInts(c.node, 'kernel_shape') ?? unsupported(c.node, 'no kernel_shape');
    const strides = attrInts(c.node, 'strides') ?? kernel.map(() => 1);
    const dilations = attrInts(c.node, 'dilations') ?? kernel.map(() => 1);
    const overlap = kernel.some((k, i) => (k - 1) * dilations[i] + 1 > strides[i]);
    if (overlap && c.opset < 16) unsupported(c.node, 'overlapping windows need opset 16 or later for the gradient (ScatterElements with reduction)');
    if (!c.node.output[1]) c.node.output[1] = e.fresh(`${c.node.output[0]}/indices`);
    const flat = e.ints([-1]);
    const zeros = e.reshape(e.zerosLike(x), flat);
    const scattered = e.op('ScatterElements', [zeros, e.reshape(c.node.output[1], flat), e.reshape(g, flat)], {
      axis: 0, reduction: overlap ? 'add' : undefined,
    });
    return [e.reshapeLike(scattered, x)];
  },
};

/** Per output position, the count AveragePool divides by (as ONNX Runtime and PyTorch count). */
function divisors(w: Window, input: number[], output: number[], includePad: boolean): Float64Array {
  const r = w.kernel.length;
  const perAxis = output.map((out, i) => {
    const counts = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      const start = o * w.strides[i] - w.pads[i];
      const end = Math.min(start + w.kernel[i], input[i] + w.pads[i + r]);
      counts[o] = includePad ? end - start : Math.min(end, input[i]) - Math.max(start, 0);
    }
    return counts;
  });
  const total = output.reduce((a, b) => a * b, 1);
  const out = new Float64Array(total);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let v = 1;
    for (let i = r - 1; i >= 0; i--) {
      v *= perAxis[i][rest % output[i]];
      rest = Math.floor(rest / output[i]);
    }
    out[flat] = 1 / v;
  }
  return out;
}

/**
 * AveragePool: every output spreads its gradient, divided by its window's count, over its
 * window: a ConvTranspose with a kernel of ones, run on one channel of N*C planes.
 */
const averagePool: GradRule = {
  inputs: [0],
  grad(c) {
    const e = c.e;
    const g = dy(c);
    const x = c.node.input[0];
    const kernel = attrInts(c.node, 'kernel_shape') ?? unsupported(c.node, 'no kernel_shape');
    if ((attrInts(c.node, 'dilations') ?? []).some((d) => d !== 1)) unsupported(c.node, 'dilated average pooling');
    const input = staticDims(c, x, c.shape(x).slice(2));
    const output = staticDims(c, c.node.output[0], c.shape(c.node.output[0]).slice(2));
    const w = windowOf(c.node, kernel, input);
    const r = kernel.length;
    const scale = e.floats(divisors(w, input, output, attrInt(c.node, 'count_include_pad', 0) === 1), output);
    const planes = e.reshape(e.mul(g, scale), e.ints([-1, 1, ...output]));
    const pads = [...w.pads];
    const outputPadding = kernel.map((k, i) => {
      const op = input[i] - (w.strides[i] * (output[i] - 1) + k - pads[i] - pads[i + r]);
      if (op < 0) pads[i + r] -= op; // ceil_mode: the last window reaches past the padding
      return Math.max(op, 0);
    });
    const ones = e.floats(new Float64Array(kernel.reduce((a, b) => a * b, 1)).fill(1), [1, 1, ...kernel]);
    const spread = e.op('ConvTranspose', [planes, ones], {
      strides: w.strides, pads, kernel_shape: kernel, output_padding: outputPadding.some((p) => p) ? outputPadding : undefined,
    });
    return [e.reshapeLike(spread, x)];
  },
};

/** GlobalAveragePool: dY / (H*W) broadcast over the plane. */
const globalAveragePool: GradRule = {
  inputs: [0],
  grad(c) {
    const x = c.node.input[0];
    const spatial = c.shape(x).slice(2);
    const g = dy(c);
    const scaled = spatial.every((d): d is number => typeof d === 'number')
      ? c.e.scale(g, 1 / spatial.reduce((a, b) => a * b, 1))
      : c.e.div(g, c.e.div(c.e.sizeOf(x), c.e.sizeOf(g)));
    return [c.e.op('Expand', [scaled, c.e.shape(x)])];
  },
};

export const POOL_GRADS: Record<string, GradRule> = { MaxPool: maxPool, AveragePool: averagePool, GlobalAveragePool: globalAveragePool };
