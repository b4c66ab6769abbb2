/**
 * The steps of the channel dependency analysis (groups.ts), one per family of ops: what a node
 * does to the channels it reads (carries them, cuts them in its parameters, ties two spaces,
 * creates a new space) or why it blocks them.
 */
import type { NodeProto } from '../../formats/onnx/proto/onnx_pb';
import { attrInt, attrInts } from '../../formats/onnx/model';
import { isScalarConstantNode, resolveConstant } from './constants';
import {
  flattenResult, frontAxis, inputRank, resolveBlock, sameStructure, scaleAt, totalChannels, type ChannelWalk, type Layout, type Segment,
} from './channel-layout';

const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Clip', 'Elu', 'Selu', 'Celu', 'Softplus',
  'Softsign', 'Gelu', 'Erf', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Identity', 'Dropout', 'Floor',
  'Ceil', 'Round', 'Sin', 'Cos', 'Mish', 'ThresholdedRelu', 'Sign', 'Cast', 'Not',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Mean', 'Sum', 'PRelu']);
const POOLS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool']);
const SHAPE_OPS = new Set(['Shape', 'Size']);

/** A node as a step sees it: its op, a label for reasons, and the layouts of the inputs that carry channels. */
interface Step {
  node: NodeProto;
  op: string;
  label: string;
  /** Per input: its layout when it carries channels. */
  ins: (Layout | undefined)[];
  /** The layouts of the inputs that carry channels. */
  carried: Layout[];
  /** The first input's layout. */
  x: Layout | undefined;
}

/** A step whose first input carries channels. */
type Carrying = Step & { x: Layout };

export const nodeLabel = (n: NodeProto) => n.name || n.output[0] || n.opType;

/** Records what `node` does to the channels it reads, creates or blocks. */
export function analyzeNode(w: ChannelWalk, node: NodeProto): void {
  const label = `${node.opType} '${nodeLabel(node)}'`;
  const ins = node.input.map((n) => (n ? w.layouts.get(n) : undefined));
  const carried = ins.filter((l): l is Layout => !!l);
  if (node.domain !== '' && node.domain !== 'ai.onnx') {
    for (const l of carried) w.blockLayout(l, `consumed by ${node.domain}.${label}, an op the analysis does not know`);
    return;
  }
  const op = node.opType;
  const x = ins[0];
  const s: Step = { node, op, label, ins, carried, x };
  if (op === 'Conv' || op === 'ConvTranspose') return conv(w, s);
  if (op === 'Gemm' || op === 'MatMul') return matMul(w, s);
  // From here on the node reads channels without creating any.
  if (carried.length === 0) return;
  if (UNARY.has(op) && x && carried.length === 1) return unary(w, { ...s, x });
  if (BINARY.has(op)) return binary(w, s);
  if (op === 'BatchNormalization' || op === 'InstanceNormalization') return normalization(w, s);
  if (POOLS.has(op) && x && carried.length === 1) return pool(w, { ...s, x });
  if ((op === 'Resize' || op === 'Upsample') && x && carried.length === 1) return resize(w, { ...s, x });
  if (op === 'Concat') return concat(w, s);
  if ((op === 'Flatten' || op === 'Reshape') && x && carried.length === 1) return reshape(w, { ...s, x });
  if (op === 'Transpose' && x && carried.length === 1) return transpose(w, { ...s, x });
  const why = SHAPE_OPS.has(op)
    ? `read by ${label}, a shape-dependent op`
    : `consumed by ${label}, an op the analysis does not handle`;
  for (const l of carried) w.blockLayout(l, why);
}

/** Conv and ConvTranspose: a new space of output channels; a depthwise Conv carries its input's. */
function conv(w: ChannelWalk, { node, op, label, carried, x }: Step): void {
  const weight = resolveConstant(w.graph, node.input[1] ?? '');
  const group = attrInt(node, 'group', 1);
  if (!weight) { for (const l of carried) w.blockLayout(l, `${label} has a weight computed at run time`); return; }
  const rank = weight.dims.length;
  if (x && (frontAxis(x) !== 1 || x.flattened)) { w.blockLayout(x, `${label} reads the channels on another axis`); return; }
  const transposed = op === 'ConvTranspose';
  const outChannels = transposed ? weight.dims[1] * group : weight.dims[0];
  const inPerGroup = transposed ? 0 : weight.dims[1];
  if (!transposed && group > 1 && inPerGroup === 1 && outChannels === group) {
    // Depthwise: output channel j reads only input channel j, so both sides are one space.
    if (!x) return;
    w.useSegments(x, node, 1, 0, 1, 'per-channel');
    if (node.input[2]) w.useSegments(x, node, 2, 0, 1, 'per-channel');
    for (const s of x.segs) if (s.space >= 0) w.sp.use(s.space, { kind: 'group-attr', node });
    w.setOut(node.output[0], { ...x, rank });
    return;
  }
  if (group !== 1) { if (x) w.blockLayout(x, `${label} is a grouped convolution (group=${group})`); return; }
  if (x) w.useSegments(x, node, 1, transposed ? 0 : 1, 1, 'consumer');
  const s = w.newSource(outChannels, node, weight);
  w.sp.use(s, { kind: 'param', node, input: 1, axis: transposed ? 1 : 0, offset: 0, block: 1, role: 'source' });
  if (node.input[2]) w.sp.use(s, { kind: 'param', node, input: 2, axis: 0, offset: 0, block: 1, role: 'per-channel' });
  if (!resolveConstant(w.graph, node.input[2] ?? '') && node.input[2]) w.sp.block(s, `${label} has a bias computed at run time`);
  w.setOut(node.output[0], { segs: [{ space: s, count: outChannels }], axis: -(rank - 1), rank, flattened: false });
}

/** Gemm and MatMul with a stored 2-D weight: a new space; the input's channels are cut in the weight's K axis. */
function matMul(w: ChannelWalk, { node, op, label, ins, x }: Step): void {
  const b = resolveConstant(w.graph, node.input[1] ?? '');
  const gemm = op === 'Gemm';
  const transB = gemm ? attrInt(node, 'transB', 0) : 0;
  if (ins[1]) { w.blockLayout(ins[1], `${label} reads the channels as its right-hand operand`); return; }
  if (ins[2]) { w.blockLayout(ins[2], `${label} adds the channels as its C operand`); return; }
  if (!b || b.dims.length !== 2) {
    if (x) w.blockLayout(x, `${label} has a weight that is ${b ? `rank ${b.dims.length}` : 'computed at run time'}`);
    return;
  }
  const kAxis = transB ? 1 : 0;
  const nAxis = 1 - kAxis;
  if (x) {
    if ((gemm && attrInt(node, 'transA', 0) !== 0) || x.axis !== -1) { w.blockLayout(x, `${label} contracts another axis than the channels'`); return; }
    const block = resolveBlock(x, b.dims[kAxis]);
    if (block === undefined) { w.blockLayout(x, `${label} expects ${b.dims[kAxis]} features, not a whole multiple of ${totalChannels(x)} channels`); return; }
    w.useSegments(x, node, 1, kAxis, block, 'consumer');
  }
  const n = b.dims[nAxis];
  const s = w.newSource(n, node, b);
  w.sp.use(s, { kind: 'param', node, input: 1, axis: nAxis, offset: 0, block: 1, role: 'source' });
  if (gemm && node.input[2]) {
    const c = resolveConstant(w.graph, node.input[2]);
    if (!c) w.sp.block(s, `${label} has a bias computed at run time`);
    else if (c.dims.length > 0 && c.dims[c.dims.length - 1] === n && n > 1) {
      if (c.dims.length === 2 && c.dims[0] !== 1) w.sp.block(s, `${label} has a full-matrix bias`);
      else w.sp.use(s, { kind: 'param', node, input: 2, axis: c.dims.length - 1, offset: 0, block: 1, role: 'per-channel' });
    }
  }
  const rank = gemm ? 2 : x?.rank ?? inputRank(w.graph, node.input[0]);
  w.setOut(node.output[0], { segs: [{ space: s, count: n }], axis: -1, rank, flattened: false });
}

/** Element-wise ops of one input carry the channels unchanged. */
function unary(w: ChannelWalk, { node, op, label, x }: Carrying): void {
  if (op === 'Dropout' && node.output[1] && w.graph.consumersOf(node.output[1]).length) { w.blockLayout(x, `${label} mask output is used`); return; }
  w.setOut(node.output[0], x);
}

/** Element-wise ops of two or more inputs: constants are cut per channel, carried inputs are tied. */
function binary(w: ChannelWalk, { node, label, ins, carried }: Step): void {
  const ref = carried[0];
  let ok = true;
  node.input.forEach((name, i) => {
    if (!ok || ins[i]) return;
    const c = resolveConstant(w.graph, name);
    if (!c) {
      if (isScalarConstantNode(w.graph.producer(name))) return;
      ok = false;
      w.blockLayout(ref, `${label} combines the channels with '${name}', a tensor of unknown shape`);
      return;
    }
    const p = c.dims.length + ref.axis;
    if (p < 0 || c.dims[p] === 1) return;
    const block = ref.flattened ? resolveBlock(ref, c.dims[p]) : c.dims[p] === totalChannels(ref) ? 1 : undefined;
    if (block === undefined) { ok = false; w.blockLayout(ref, `${label} broadcasts a constant of shape [${c.dims}] against ${totalChannels(ref)} channels`); return; }
    w.useSegments(ref, node, i, p, block, 'per-channel');
  });
  if (!ok) return;
  for (const l of carried.slice(1)) {
    if (!sameStructure(ref, l)) {
      for (const m of carried) w.blockLayout(m, `${label} ties channels split differently (a Concat on one side)`);
      ok = false;
      break;
    }
    w.tie(ref, l, label);
  }
  if (!ok) return;
  w.setOut(node.output[0], ref);
}

/** Normalization over the channel axis (inference mode): its parameters are cut per channel. */
function normalization(w: ChannelWalk, { node, op, label, carried, x }: Step): void {
  if (!x || carried.length > 1 || frontAxis(x) !== 1) { for (const l of carried) w.blockLayout(l, `${label} normalizes another axis than the channels'`); return; }
  if (node.output.slice(1).some((o) => o && w.graph.consumersOf(o).length)) { w.blockLayout(x, `${label} is in training mode`); return; }
  const params = op === 'BatchNormalization' ? [1, 2, 3, 4] : [1, 2];
  if (params.some((i) => !resolveConstant(w.graph, node.input[i] ?? ''))) { w.blockLayout(x, `${label} has parameters computed at run time`); return; }
  for (const i of params) w.useSegments(x, node, i, 0, 1, 'per-channel');
  w.setOut(node.output[0], x);
}

/** Pools keep the channels on axis 1. */
function pool(w: ChannelWalk, { node, label, x }: Carrying): void {
  if (frontAxis(x) !== 1) { w.blockLayout(x, `${label} pools over a tensor whose channels are not on axis 1`); return; }
  if (node.output[1] && w.graph.consumersOf(node.output[1]).length) { w.blockLayout(x, `${label} indices output is used`); return; }
  w.setOut(node.output[0], x);
}

/** Resize/Upsample carry the channels when the channel axis' scale is provably 1. */
function resize(w: ChannelWalk, { node, op, label, x }: Carrying): void {
  const f = frontAxis(x);
  const scalesName = op === 'Resize' ? node.input[2] : node.input[1];
  const scales = scalesName ? resolveConstant(w.graph, scalesName) : undefined;
  const sizesGiven = op === 'Resize' && !!node.input[3];
  if (f === undefined || sizesGiven || !scales || scaleAt(scales, f) !== 1) {
    w.blockLayout(x, `${label} ${sizesGiven ? 'has explicit output sizes' : 'has scales that are not provably 1 on the channel axis'}`);
    return;
  }
  w.setOut(node.output[0], x);
}

/** Concat along the channels joins segments; along another axis it ties the inputs. */
function concat(w: ChannelWalk, { node, label, ins, carried }: Step): void {
  const rank = carried[0].rank;
  const axisAttr = attrInt(node, 'axis', 0);
  const axis = rank === undefined ? undefined : axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (axis === undefined || carried.some((l) => l.rank !== rank || l.axis !== carried[0].axis || l.flattened)) {
    for (const l of carried) w.blockLayout(l, `${label} joins tensors whose channel axes cannot be lined up`);
    return;
  }
  if (axis === rank! + carried[0].axis) {
    const segs: Segment[] = [];
    let ok = true;
    node.input.forEach((name, i) => {
      const l = ins[i];
      if (l) { segs.push(...l.segs); return; }
      const c = resolveConstant(w.graph, name);
      if (c && c.dims.length === rank) segs.push({ space: -1, count: c.dims[axis] });
      else ok = false;
    });
    if (!ok) { for (const l of carried) w.blockLayout(l, `${label} also joins a tensor of unknown channel count`); return; }
    w.setOut(node.output[0], { segs, axis: carried[0].axis, rank, flattened: false });
  } else {
    if (carried.length !== node.input.length || carried.some((l) => !sameStructure(carried[0], l))) {
      for (const l of carried) w.blockLayout(l, `${label} joins along another axis tensors with different channels`);
      return;
    }
    for (const l of carried.slice(1)) w.tie(carried[0], l, label);
    w.setOut(node.output[0], carried[0]);
  }
}

/** Flatten/Reshape to [N, features]: channels become blocks of features. */
function reshape(w: ChannelWalk, { node, label, x }: Carrying): void {
  const flat = flattenResult(w.graph, node, x);
  if (typeof flat === 'string') { w.blockLayout(x, `${label} ${flat}`); return; }
  if (flat.layout.block !== undefined && flat.layout !== x) {
    for (const s of x.segs) if (s.space >= 0) w.sp.use(s.space, { kind: 'reshape', node, block: flat.layout.block });
  }
  w.setOut(node.output[0], flat.layout);
}

/** Transpose moves the channel axis. */
function transpose(w: ChannelWalk, { node, label, x }: Carrying): void {
  const perm = attrInts(node, 'perm');
  const f = frontAxis(x);
  if (!perm || f === undefined || perm.length !== x.rank) { w.blockLayout(x, `${label} has no explicit perm or the rank is unknown`); return; }
  const to = perm.indexOf(f);
  w.setOut(node.output[0], { ...x, axis: to - x.rank! });
}
