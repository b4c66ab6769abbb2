import type { NodeProto } from '../../formats/onnx/proto/onnx_pb';
import { attrInt, attrInts, outerReads, type Graph } from '../../formats/onnx/model';
import { isExternal, tensorArray } from '../../formats/onnx/tensor';
import { toFloat32 } from '../../tensor/views';
import { DataType, isFloat } from '../../tensor/dtypes';
import { isScalarConstantNode, resolveConstant, type ConstantValue } from './constants';

/**
 * Channel dependency analysis. Every Conv/ConvTranspose/Gemm/MatMul with a stored weight creates a
 * "space" of output channels; following the graph forward, every tensor that carries those channels
 * gets a layout, and every place where they must be cut is recorded as a use. Ops that tie two
 * spaces (residual Add, SE Mul, depthwise Conv) merge them; anything the analysis cannot prove safe
 * blocks the spaces it touches, with the reason. A group is a set of merged spaces.
 */

/** A place a group's channels must be cut. Channel c of the group is at (offset + c) in the tensor. */
export type ChannelUse =
  | {
    kind: 'param'; node: NodeProto; input: number; axis: number; offset: number;
    /** Elements per channel along the axis (a flattened C*H*W feeds a Gemm as blocks of H*W). */
    block: number;
    role: 'source' | 'consumer' | 'per-channel';
  }
  /** Depthwise Conv: its `group` attribute is its channel count. */
  | { kind: 'group-attr'; node: NodeProto }
  /** Reshape to [N, K] with an explicit K: K shrinks by block features per removed channel. */
  | { kind: 'reshape'; node: NodeProto; block: number }
  /** A tensor whose shape changes (its recorded value_info goes stale). */
  | { kind: 'value'; name: string };

export interface ChannelGroup {
  /** Stable id: groups are numbered in graph order of their first source layer. */
  id: number;
  channels: number;
  /** Layers whose output channels these are (named by node name, or first output when unnamed). */
  sources: NodeProto[];
  uses: ChannelUse[];
  /** Why the group cannot be pruned; empty when it can. */
  blockers: string[];
}

interface Segment { space: number; count: number }

/** How a tensor carries channels: segments (more than one after a Concat) along one axis. */
interface Layout {
  segs: Segment[];
  /** Channel axis counted from the end (-1 = last), so broadcasting lines up. */
  axis: number;
  rank?: number;
  /** Features per channel after a Flatten; undefined until a consumer's weight tells. */
  block?: number;
  flattened: boolean;
}

const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Clip', 'Elu', 'Selu', 'Celu', 'Softplus',
  'Softsign', 'Gelu', 'Erf', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Identity', 'Dropout', 'Floor',
  'Ceil', 'Round', 'Sin', 'Cos', 'Mish', 'ThresholdedRelu', 'Sign', 'Cast', 'Not',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Mean', 'Sum', 'PRelu']);
const POOLS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool']);
const SHAPE_OPS = new Set(['Shape', 'Size']);

class Spaces {
  parent: number[] = [];
  size: number[] = [];
  uses: ChannelUse[][] = [];
  blockers: string[][] = [];
  sources: NodeProto[][] = [];

  add(size: number, source: NodeProto): number {
    const id = this.parent.length;
    this.parent.push(id);
    this.size.push(size);
    this.uses.push([]);
    this.blockers.push([]);
    this.sources.push([source]);
    return id;
  }

  find(a: number): number {
    while (this.parent[a] !== a) a = this.parent[a] = this.parent[this.parent[a]];
    return a;
  }

  union(a: number, b: number, why: string): void {
    a = this.find(a); b = this.find(b);
    if (a === b) return;
    if (this.size[a] !== this.size[b]) {
      this.block(a, `${why} ties ${this.size[a]} channels to ${this.size[b]} (broadcast)`);
      this.block(b, `${why} ties ${this.size[b]} channels to ${this.size[a]} (broadcast)`);
    }
    this.parent[b] = a;
    this.uses[a].push(...this.uses[b]);
    this.blockers[a].push(...this.blockers[b]);
    this.sources[a].push(...this.sources[b]);
  }

  block(space: number, reason: string): void {
    const r = this.find(space);
    if (!this.blockers[r].includes(reason)) this.blockers[r].push(reason);
  }

  use(space: number, u: ChannelUse): void {
    this.uses[this.find(space)].push(u);
  }
}

const nodeLabel = (n: NodeProto) => n.name || n.output[0] || n.opType;

/** Finds every channel group of the graph and what ties or blocks it. */
export function analyzeChannelGroups(graph: Graph): ChannelGroup[] {
  const sp = new Spaces();
  const layouts = new Map<string, Layout>();
  const blockLayout = (l: Layout, reason: string) => { for (const s of l.segs) if (s.space >= 0) sp.block(s.space, reason); };
  const setOut = (name: string, l: Layout) => {
    if (!name) return;
    layouts.set(name, l);
    for (const s of l.segs) if (s.space >= 0) sp.use(s.space, { kind: 'value', name });
  };
  /** Records a cut of every segment of `l` in a constant input, at the segments' offsets. */
  const useSegments = (l: Layout, node: NodeProto, input: number, axis: number, block: number, role: 'consumer' | 'per-channel') => {
    let offset = 0;
    for (const s of l.segs) {
      if (s.space >= 0) sp.use(s.space, { kind: 'param', node, input, axis, offset, block, role });
      offset += s.count;
    }
  };
  /** Ties two layouts of the same structure segment by segment; fixed channels block what they meet. */
  const tie = (a: Layout, b: Layout, label: string) => {
    a.segs.forEach((s, k) => {
      const t = b.segs[k].space;
      if (s.space >= 0 && t >= 0) sp.union(s.space, t, label);
      else if (s.space >= 0 || t >= 0) sp.block(Math.max(s.space, t), `${label} ties the channels to channels that cannot change`);
    });
  };
  const total = (l: Layout) => l.segs.reduce((a, s) => a + s.count, 0);
  const front = (l: Layout) => (l.rank === undefined ? undefined : l.rank + l.axis);

  // Layers that read one stored weight must lose the same channels, or the file would hold two copies.
  const spaceOfWeight = new Map<object, number>();
  const newSource = (size: number, node: NodeProto, weight: ConstantValue): number => {
    const s = sp.add(size, node);
    const earlier = spaceOfWeight.get(weight.tensor);
    if (earlier !== undefined) sp.union(earlier, s, `shared weight '${weight.tensor.name}'`);
    else spaceOfWeight.set(weight.tensor, s);
    return s;
  };
  for (const node of graph.topologicalOrder()) {
    const label = `${node.opType} '${nodeLabel(node)}'`;
    const ins = node.input.map((n) => (n ? layouts.get(n) : undefined));
    const carried = ins.filter((l): l is Layout => !!l);
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      for (const l of carried) blockLayout(l, `consumed by ${node.domain}.${label}, an op the analysis does not know`);
      continue;
    }
    const op = node.opType;
    const x = ins[0];

    if (op === 'Conv' || op === 'ConvTranspose') {
      const w = resolveConstant(graph, node.input[1] ?? '');
      const group = attrInt(node, 'group', 1);
      if (!w) { for (const l of carried) blockLayout(l, `${label} has a weight computed at run time`); continue; }
      const rank = w.dims.length;
      if (x && (front(x) !== 1 || x.flattened)) { blockLayout(x, `${label} reads the channels on another axis`); continue; }
      const transposed = op === 'ConvTranspose';
      const outChannels = transposed ? w.dims[1] * group : w.dims[0];
      const inPerGroup = transposed ? 0 : w.dims[1];
      if (!transposed && group > 1 && inPerGroup === 1 && outChannels === group) {
        // Depthwise: output channel j reads only input channel j, so both sides are one space.
        if (!x) continue;
        useSegments(x, node, 1, 0, 1, 'per-channel');
        if (node.input[2]) useSegments(x, node, 2, 0, 1, 'per-channel');
        for (const s of x.segs) if (s.space >= 0) sp.use(s.space, { kind: 'group-attr', node });
        setOut(node.output[0], { ...x, rank });
        continue;
      }
      if (group !== 1) { if (x) blockLayout(x, `${label} is a grouped convolution (group=${group})`); continue; }
      if (x) useSegments(x, node, 1, transposed ? 0 : 1, 1, 'consumer');
      const s = newSource(outChannels, node, w);
      sp.use(s, { kind: 'param', node, input: 1, axis: transposed ? 1 : 0, offset: 0, block: 1, role: 'source' });
      if (node.input[2]) sp.use(s, { kind: 'param', node, input: 2, axis: 0, offset: 0, block: 1, role: 'per-channel' });
      if (!resolveConstant(graph, node.input[2] ?? '') && node.input[2]) sp.block(s, `${label} has a bias computed at run time`);
      setOut(node.output[0], { segs: [{ space: s, count: outChannels }], axis: -(rank - 1), rank, flattened: false });
      continue;
    }

    if (op === 'Gemm' || op === 'MatMul') {
      const b = resolveConstant(graph, node.input[1] ?? '');
      const gemm = op === 'Gemm';
      const transB = gemm ? attrInt(node, 'transB', 0) : 0;
      if (ins[1]) { blockLayout(ins[1], `${label} reads the channels as its right-hand operand`); continue; }
      if (ins[2]) { blockLayout(ins[2], `${label} adds the channels as its C operand`); continue; }
      if (!b || b.dims.length !== 2) {
        if (x) blockLayout(x, `${label} has a weight that is ${b ? `rank ${b.dims.length}` : 'computed at run time'}`);
        continue;
      }
      const kAxis = transB ? 1 : 0;
      const nAxis = 1 - kAxis;
      if (x) {
        if ((gemm && attrInt(node, 'transA', 0) !== 0) || x.axis !== -1) { blockLayout(x, `${label} contracts another axis than the channels'`); continue; }
        const block = resolveBlock(x, b.dims[kAxis]);
        if (block === undefined) { blockLayout(x, `${label} expects ${b.dims[kAxis]} features, not a whole multiple of ${total(x)} channels`); continue; }
        useSegments(x, node, 1, kAxis, block, 'consumer');
      }
      const n = b.dims[nAxis];
      const s = newSource(n, node, b);
      sp.use(s, { kind: 'param', node, input: 1, axis: nAxis, offset: 0, block: 1, role: 'source' });
      if (gemm && node.input[2]) {
        const c = resolveConstant(graph, node.input[2]);
        if (!c) sp.block(s, `${label} has a bias computed at run time`);
        else if (c.dims.length > 0 && c.dims[c.dims.length - 1] === n && n > 1) {
          if (c.dims.length === 2 && c.dims[0] !== 1) sp.block(s, `${label} has a full-matrix bias`);
          else sp.use(s, { kind: 'param', node, input: 2, axis: c.dims.length - 1, offset: 0, block: 1, role: 'per-channel' });
        }
      }
      const rank = gemm ? 2 : x?.rank ?? inputRank(graph, node.input[0]);
      setOut(node.output[0], { segs: [{ space: s, count: n }], axis: -1, rank, flattened: false });
      continue;
    }

    if (carried.length === 0) continue;
    // From here on the node reads channels without creating any.

    if (UNARY.has(op) && x && carried.length === 1) {
      if (op === 'Dropout' && node.output[1] && graph.consumersOf(node.output[1]).length) { blockLayout(x, `${label} mask output is used`); continue; }
      setOut(node.output[0], x);
      continue;
    }

    if (BINARY.has(op)) {
      const ref = carried[0];
      let ok = true;
      node.input.forEach((name, i) => {
        if (!ok || ins[i]) return;
        const c = resolveConstant(graph, name);
        if (!c) {
          if (isScalarConstantNode(graph.producer(name))) return;
          ok = false;
          blockLayout(ref, `${label} combines the channels with '${name}', a tensor of unknown shape`);
          return;
        }
        const p = c.dims.length + ref.axis;
        if (p < 0 || c.dims[p] === 1) return;
        const block = ref.flattened ? resolveBlock(ref, c.dims[p]) : c.dims[p] === total(ref) ? 1 : undefined;
        if (block === undefined) { ok = false; blockLayout(ref, `${label} broadcasts a constant of shape [${c.dims}] against ${total(ref)} channels`); return; }
        useSegments(ref, node, i, p, block, 'per-channel');
      });
      if (!ok) continue;
      for (const l of carried.slice(1)) {
        if (!sameStructure(ref, l)) {
          for (const m of carried) blockLayout(m, `${label} ties channels split differently (a Concat on one side)`);
          ok = false;
          break;
        }
        tie(ref, l, label);
      }
      if (!ok) continue;
      setOut(node.output[0], ref);
      continue;
    }

    if (op === 'BatchNormalization' || op === 'InstanceNormalization') {
      if (!x || carried.length > 1 || front(x) !== 1) { for (const l of carried) blockLayout(l, `${label} normalizes another axis than the channels'`); continue; }
      if (node.output.slice(1).some((o) => o && graph.consumersOf(o).length)) { blockLayout(x, `${label} is in training mode`); continue; }
      const params = op === 'BatchNormalization' ? [1, 2, 3, 4] : [1, 2];
      if (params.some((i) => !resolveConstant(graph, node.input[i] ?? ''))) { blockLayout(x, `${label} has parameters computed at run time`); continue; }
      for (const i of params) useSegments(x, node, i, 0, 1, 'per-channel');
      setOut(node.output[0], x);
      continue;
    }

    if (POOLS.has(op) && x && carried.length === 1) {
      if (front(x) !== 1) { blockLayout(x, `${label} pools over a tensor whose channels are not on axis 1`); continue; }
      if (node.output[1] && graph.consumersOf(node.output[1]).length) { blockLayout(x, `${label} indices output is used`); continue; }
      setOut(node.output[0], x);
      continue;
    }

    if ((op === 'Resize' || op === 'Upsample') && x && carried.length === 1) {
      const f = front(x);
      const scalesName = op === 'Resize' ? node.input[2] : node.input[1];
      const scales = scalesName ? resolveConstant(graph, scalesName) : undefined;
      const sizesGiven = op === 'Resize' && !!node.input[3];
      if (f === undefined || sizesGiven || !scales || scaleAt(scales, f) !== 1) {
        blockLayout(x, `${label} ${sizesGiven ? 'has explicit output sizes' : 'has scales that are not provably 1 on the channel axis'}`);
        continue;
      }
      setOut(node.output[0], x);
      continue;
    }

    if (op === 'Concat') {
      const rank = carried[0].rank;
      const axisAttr = attrInt(node, 'axis', 0);
      const axis = rank === undefined ? undefined : axisAttr < 0 ? axisAttr + rank : axisAttr;
      if (axis === undefined || carried.some((l) => l.rank !== rank || l.axis !== carried[0].axis || l.flattened)) {
        for (const l of carried) blockLayout(l, `${label} joins tensors whose channel axes cannot be lined up`);
        continue;
      }
      if (axis === rank! + carried[0].axis) {
        const segs: Segment[] = [];
        let ok = true;
        node.input.forEach((name, i) => {
          const l = ins[i];
          if (l) { segs.push(...l.segs); return; }
          const c = resolveConstant(graph, name);
          if (c && c.dims.length === rank) segs.push({ space: -1, count: c.dims[axis] });
          else ok = false;
        });
        if (!ok) { for (const l of carried) blockLayout(l, `${label} also joins a tensor of unknown channel count`); continue; }
        setOut(node.output[0], { segs, axis: carried[0].axis, rank, flattened: false });
      } else {
        if (carried.length !== node.input.length || carried.some((l) => !sameStructure(carried[0], l))) {
          for (const l of carried) blockLayout(l, `${label} joins along another axis tensors with different channels`);
          continue;
        }
        for (const l of carried.slice(1)) tie(carried[0], l, label);
        setOut(node.output[0], carried[0]);
      }
      continue;
    }

    if ((op === 'Flatten' || op === 'Reshape') && x && carried.length === 1) {
      const flat = flattenResult(graph, node, x);
      if (typeof flat === 'string') { blockLayout(x, `${label} ${flat}`); continue; }
      if (flat.layout.block !== undefined && flat.layout !== x) {
        for (const s of x.segs) if (s.space >= 0) sp.use(s.space, { kind: 'reshape', node, block: flat.layout.block });
      }
      setOut(node.output[0], flat.layout);
      continue;
    }

    if (op === 'Transpose' && x && carried.length === 1) {
      const perm = attrInts(node, 'perm');
      const f = front(x);
      if (!perm || f === undefined || perm.length !== x.rank) { blockLayout(x, `${label} has no explicit perm or the rank is unknown`); continue; }
      const to = perm.indexOf(f);
      setOut(node.output[0], { ...x, axis: to - x.rank! });
      continue;
    }

    const why = SHAPE_OPS.has(op)
      ? `read by ${label}, a shape-dependent op`
      : `consumed by ${label}, an op the analysis does not handle`;
    for (const l of carried) blockLayout(l, why);
  }

  for (const out of graph.proto.output) {
    const l = layouts.get(out.name);
    if (l) blockLayout(l, `reaches the graph output '${out.name}'`);
  }
  for (const node of graph.nodes) {
    if (graph.subgraphs(node).length === 0) continue;
    for (const name of graph.subgraphs(node).flatMap((s) => outerReads(s.graph.proto))) {
      const l = layouts.get(name);
      if (l) blockLayout(l, `read inside a subgraph of ${node.opType} '${nodeLabel(node)}'`);
    }
  }

  const roots = new Map<number, ChannelGroup>();
  for (let s = 0; s < sp.parent.length; s++) {
    const r = sp.find(s);
    if (!roots.has(r)) roots.set(r, { id: 0, channels: sp.size[r], sources: sp.sources[r], uses: sp.uses[r], blockers: sp.blockers[r] });
  }
  const order = new Map(graph.topologicalOrder().map((n, i) => [n, i]));
  const groups = [...roots.values()];
  for (const g of groups) g.sources.sort((a, b) => order.get(a)! - order.get(b)!);
  groups.sort((a, b) => order.get(a.sources[0])! - order.get(b.sources[0])!);
  groups.forEach((g, i) => { g.id = i; });
  return groups;
}

/** Features per channel when a flat tensor of `features` carries the layout's channels. */
function resolveBlock(l: Layout, features: number): number | undefined {
  const channels = l.segs.reduce((a, s) => a + s.count, 0);
  if (l.block !== undefined) return l.block * channels === features ? l.block : undefined;
  if (!l.flattened) return channels === features ? 1 : undefined;
  return features % channels === 0 ? features / channels : undefined;
}

function sameStructure(a: Layout, b: Layout): boolean {
  return a.axis === b.axis && a.segs.length === b.segs.length && a.segs.every((s, i) => s.count === b.segs[i].count);
}

function inputRank(graph: Graph, name: string): number | undefined {
  const vi = graph.valueInfo(name);
  const t = vi?.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
  return t?.shape ? t.shape.dim.length : undefined;
}

function scaleAt(c: ConstantValue, axis: number): number | undefined {
  if (c.dims.length !== 1 || c.dims[0] <= axis || !isFloat(c.tensor.dataType) || isExternal(c.tensor)) return undefined;
  return toFloat32(c.tensor.dataType, tensorArray(c.tensor))[axis];
}

/** Flatten(axis=1) or Reshape to [N, K] of a tensor whose channels are on axis 1: channels become blocks. */
function flattenResult(graph: Graph, node: NodeProto, x: Layout): { layout: Layout } | string {
  if (x.rank === undefined || x.rank + x.axis !== 1) return 'reshapes a tensor whose channels are not on axis 1';
  if (x.rank === 2) return { layout: x };
  if (node.opType === 'Flatten') {
    if (attrInt(node, 'axis', 1) !== 1) return 'flattens at another axis than 1';
    return { layout: { segs: x.segs, axis: -1, rank: 2, flattened: true } };
  }
  const shape = resolveConstant(graph, node.input[1] ?? '');
  if (!shape || shape.dims.length !== 1 || shape.dims[0] !== 2) return 'reshapes to a shape that is not [N, features]';
  const v = shapeValues(shape);
  if (v === undefined) return 'has a shape that cannot be read';
  if (v[1] === -1 && v[0] !== -1) return { layout: { segs: x.segs, axis: -1, rank: 2, flattened: true } };
  const channels = x.segs.reduce((a, s) => a + s.count, 0);
  if (v[1] > 0 && v[1] % channels === 0) {
    return { layout: { segs: x.segs, axis: -1, rank: 2, flattened: true, block: v[1] / channels } };
  }
  return 'reshapes to a shape that is not [N, features]';
}

export function shapeValues(c: ConstantValue): number[] | undefined {
  if (c.tensor.dataType !== DataType.int64 || isExternal(c.tensor)) return undefined;
  return Array.from(tensorArray(c.tensor) as BigInt64Array, Number);
}
