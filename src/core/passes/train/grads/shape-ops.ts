import { attrInt, attrInts, attrString } from '../../../formats/onnx/model';
import { dy, normalizeAxis, staticDims, unsupported, type GradContext, type GradRule } from '../grad-rule';

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/** Ops that only rearrange: the gradient is dY reshaped back to the input's shape. */
const reshapeBack: GradRule = { inputs: [0], grad: (c) => [c.e.reshapeLike(dy(c), c.node.input[0])] };

function inversePerm(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

const transpose: GradRule = {
  inputs: [0],
  grad(c) {
    const rank = c.shape(c.node.input[0]).length;
    const perm = attrInts(c.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    return [c.e.transpose(dy(c), inversePerm(perm))];
  },
};

/** Concat: dY split back into each input's extent along the axis. */
const concat: GradRule = {
  inputs: 'all',
  grad(c) {
    const rank = c.shape(c.node.output[0]).length;
    const axis = normalizeAxis(attrInt(c.node, 'axis', 0), rank);
    const sizes = c.node.input.map((x) => staticDims(c, x, [c.shape(x)[axis]])[0]);
    const parts = c.e.split(dy(c), axis, sizes);
    return parts.map((p, i) => (c.needs[i] ? p : undefined));
  },
};

/** Split: the outputs' gradients concatenated (zeros for outputs no gradient reaches). */
const split: GradRule = {
  inputs: [0],
  outputs: 'all',
  grad(c) {
    const rank = c.shape(c.node.input[0]).length;
    const axis = normalizeAxis(attrInt(c.node, 'axis', 0), rank);
    const parts = c.node.output.map((y, i) => c.dY[i] ?? c.e.zerosLike(y));
    return [parts.length === 1 ? parts[0] : c.e.op('Concat', parts, { axis })];
  },
};

/** Slice: dY placed back where it came from (zeros elsewhere); steps other than 1 interleave zeros. */
const slice: GradRule = {
  inputs: [0],
  grad(c) {
    const e = c.e;
    const x = c.node.input[0];
    const xShape = c.shape(x);
    const rank = xShape.length;
    const constant = (i: number, name: string) => {
      if (c.opset < 10) return attrInts(c.node, name);
      const v = c.node.input[i];
      if (!v) return undefined;
      return c.ints(v) ?? unsupported(c.node, `its ${name} must be constant for the gradient`);
    };
    const starts = constant(1, 'starts')!;
    const ends = constant(2, 'ends')!;
    const axes = (constant(3, 'axes') ?? starts.map((_, i) => i)).map((a) => normalizeAxis(a, rank));
    const steps = constant(4, 'steps') ?? starts.map(() => 1);
    let g = dy(c);
    axes.forEach((axis, k) => {
      const dim = staticDims(c, x, [xShape[axis]])[0];
      const step = steps[k];
      let start: number;
      let end: number;
      if (step > 0) {
        start = Math.min(Math.max(starts[k] < 0 ? starts[k] + dim : starts[k], 0), dim);
        end = Math.min(Math.max(ends[k] < 0 ? ends[k] + dim : ends[k], 0), dim);
      } else {
        start = Math.min(Math.max(starts[k] < 0 ? starts[k] + dim : starts[k], 0), dim - 1);
        end = Math.min(Math.max(ends[k] < 0 ? ends[k] + dim : ends[k], -1), dim - 1);
      }
      const count = Math.max(0, Math.ceil((end - start) / step));
      let first = start;
      if (step < 0) {
        g = e.slice(g, [-1], [-INT64_MAX], [axis], [-1]);
        first = start + (count - 1) * step;
      }
      const stride = Math.abs(step);
      if (stride > 1) g = interleaveZeros(c, g, axis, rank, stride, count);
      const pads = new Array(2 * rank).fill(0);
      pads[axis] = first;
      pads[axis + rank] = dim - first - count * stride;
      g = e.pad(g, pads);
    });
    return [g];
  },
};

/** Puts stride - 1 zeros after every element along `axis` (count elements become count * stride). */
function interleaveZeros(c: GradContext, g: string, axis: number, rank: number, stride: number, count: number): string {
  const e = c.e;
  const padded = e.pad(e.unsqueeze(g, [axis + 1]), Object.assign(new Array(2 * (rank + 1)).fill(0), { [axis + 1 + rank + 1]: stride - 1 }));
  const shape = e.shape(g);
  const merged = e.op('Concat', [e.slice(shape, [0], [axis], [0]), e.ints([count * stride]), e.slice(shape, [axis + 1], [INT64_MAX], [0])], { axis: 0 });
  return e.reshape(padded, merged);
}

/**
 * Gather: the rows of dY added into the rows of a zero tensor they were taken from (repeated
 * indices add up). The gathered axis is moved to the front, so it is one scatter of rows.
 */
const gather: GradRule = {
  inputs: [0],
  grad(c) {
    const e = c.e;
    const [x, indices] = c.node.input;
    const xShape = c.shape(x);
    const rank = xShape.length;
    const axis = normalizeAxis(attrInt(c.node, 'axis', 0), rank);
    const dim = staticDims(c, x, [xShape[axis]])[0];
    const ri = c.shape(indices).length;
    const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
    let g = dy(c);
    if (axis !== 0) g = e.transpose(g, [...range(ri, axis), ...range(axis), ...range(rank - 1 - axis, axis + ri)]);
    const rows = e.op('Flatten', [g], { axis: ri });
    const xPerm = [axis, ...range(axis), ...range(rank - 1 - axis, axis + 1)];
    const xt = axis === 0 ? x : e.transpose(x, xPerm);
    const zero = e.ints([0]);
    const i64 = e.op('Cast', [indices], { to: 7 });
    const idx = e.op('Where', [e.op('Less', [i64, zero]), e.add(i64, e.ints([dim])), i64]);
    let table: string;
    if (c.opset >= 16) {
      const zeros = e.op('Flatten', [e.zerosLike(xt)], { axis: 1 });
      table = e.op('ScatterND', [zeros, e.reshape(idx, e.ints([-1, 1])), rows], { reduction: 'add' });
    } else {
      // One-hot rows [Q, D] from Equal against 0..D-1, then one [D, Q] x [Q, R] product.
      const positions = e.ints(Array.from({ length: dim }, (_, i) => i));
      const onehot = e.op('Cast', [e.op('Equal', [e.reshape(idx, e.ints([-1, 1])), positions])], { to: e.floatType });
      table = e.op('Gemm', [onehot, rows], { transA: 1 });
    }
    const dxt = e.reshapeLike(table, xt);
    return [axis === 0 ? dxt : e.transpose(dxt, inversePerm(xPerm))];
  },
};

/** Constant-mode Pad: the gradient crops what was added (negative pads). */
const pad: GradRule = {
  inputs: [0],
  grad(c) {
    const mode = attrString(c.node, 'mode') ?? 'constant';
    if (mode !== 'constant') unsupported(c.node, `mode '${mode}' has no gradient (only 'constant')`);
    const rank = c.shape(c.node.input[0]).length;
    let pads = c.opset < 11 ? attrInts(c.node, 'pads') : c.ints(c.node.input[1]);
    if (!pads) unsupported(c.node, 'its pads must be constant for the gradient');
    const axesInput = c.opset >= 18 ? c.node.input[3] : undefined;
    if (axesInput) {
      const axes = (c.ints(axesInput) ?? unsupported(c.node, 'its axes must be constant')).map((a) => normalizeAxis(a, rank));
      const full = new Array(2 * rank).fill(0);
      axes.forEach((a, i) => { full[a] = pads![i]; full[a + rank] = pads![i + axes.length]; });
      pads = full;
    }
    return [c.e.pad(dy(c), pads.map((p) => -p))];
  },
};

/** ReduceSum / ReduceMean: dY broadcast back over the reduced axes (divided by their count for the mean). */
function reduce(mean: boolean): GradRule {
  return {
    inputs: [0],
    grad(c) {
      const e = c.e;
      const x = c.node.input[0];
      const xShape = c.shape(x);
      const rank = xShape.length;
      const axesFromInput = c.opset >= (mean ? 18 : 13);
      const listed = axesFromInput ? (c.node.input[1] ? c.ints(c.node.input[1]) ?? unsupported(c.node, 'its axes must be constant') : undefined) : attrInts(c.node, 'axes');
      let g = dy(c);
      if (!listed?.length && attrInt(c.node, 'noop_with_empty_axes', 0) === 1) return [g];
      const axes = (listed?.length ? listed.map((a) => normalizeAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i)).sort((a, b) => a - b);
      if (attrInt(c.node, 'keepdims', 1) === 0) g = e.unsqueeze(g, axes);
      if (mean) {
        const dims = axes.map((a) => xShape[a]);
        g = dims.every((d): d is number => typeof d === 'number')
          ? e.scale(g, 1 / dims.reduce((a, b) => a * b, 1))
          : e.div(g, e.div(e.sizeOf(x), e.sizeOf(c.node.output[0])));
      }
      return [e.op('Expand', [g, e.shape(x)])];
    },
  };
}

export const SHAPE_GRADS: Record<string, GradRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  Pad: pad,
  ReduceSum: reduce(false),
  ReduceMean: reduce(true),
};
