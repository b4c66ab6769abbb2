/**
 * The state of the channel dependency analysis (groups.ts): channel spaces merged in a
 * union-find, the layout of every tensor that carries channels, and the helpers the per-op steps
 * (channel-steps.ts) record uses, ties and blockers with.
 */
import type { NodeProto } from '../../formats/onnx/proto/onnx_pb';
import { attrInt, type Graph } from '../../formats/onnx/model';
import { isExternal, tensorArray } from '../../formats/onnx/tensor';
import { toFloat32 } from '../../tensor/views';
import { DataType, isFloat } from '../../tensor/dtypes';
import { resolveConstant, type ConstantValue } from './constants';

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

export interface Segment { space: number; count: number }

/** How a tensor carries channels: segments (more than one after a Concat) along one axis. */
export interface Layout {
  segs: Segment[];
  /** Channel axis counted from the end (-1 = last), so broadcasting lines up. */
  axis: number;
  rank?: number;
  /** Features per channel after a Flatten; undefined until a consumer's weight tells. */
  block?: number;
  flattened: boolean;
}

/** Channel spaces (one per layer that creates channels), merged when ops tie them. */
export class Spaces {
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

/** The analysis walking a graph: its spaces, the layout of every channel-carrying tensor, and the ways steps record what they find. */
export class ChannelWalk {
  readonly sp = new Spaces();
  readonly layouts = new Map<string, Layout>();
  /** Layers that read one stored weight must lose the same channels, or the file would hold two copies. */
  private readonly spaceOfWeight = new Map<object, number>();

  constructor(readonly graph: Graph) {}

  blockLayout(l: Layout, reason: string): void {
    for (const s of l.segs) if (s.space >= 0) this.sp.block(s.space, reason);
  }

  setOut(name: string, l: Layout): void {
    if (!name) return;
    this.layouts.set(name, l);
    for (const s of l.segs) if (s.space >= 0) this.sp.use(s.space, { kind: 'value', name });
  }

  /** Records a cut of every segment of `l` in a constant input, at the segments' offsets. */
  useSegments(l: Layout, node: NodeProto, input: number, axis: number, block: number, role: 'consumer' | 'per-channel'): void {
    let offset = 0;
    for (const s of l.segs) {
      if (s.space >= 0) this.sp.use(s.space, { kind: 'param', node, input, axis, offset, block, role });
      offset += s.count;
    }
  }

  /** Ties two layouts of the same structure segment by segment; fixed channels block what they meet. */
  tie(a: Layout, b: Layout, label: string): void {
    a.segs.forEach((s, k) => {
      const t = b.segs[k].space;
      if (s.space >= 0 && t >= 0) this.sp.union(s.space, t, label);
      else if (s.space >= 0 || t >= 0) this.sp.block(Math.max(s.space, t), `${label} ties the channels to channels that cannot change`);
    });
  }

  /** A new space of `size` output channels of `node`, tied to the spaces of other readers of the same weight. */
  newSource(size: number, node: NodeProto, weight: ConstantValue): number {
    const s = this.sp.add(size, node);
    const earlier = this.spaceOfWeight.get(weight.tensor);
    if (earlier !== undefined) this.sp.union(earlier, s, `shared weight '${weight.tensor.name}'`);
    else this.spaceOfWeight.set(weight.tensor, s);
    return s;
  }
}

export const totalChannels = (l: Layout) => l.segs.reduce((a, s) => a + s.count, 0);

/** The channel axis counted from the front, when the rank is known. */
export const frontAxis = (l: Layout) => (l.rank === undefined ? undefined : l.rank + l.axis);

/** Features per channel when a flat tensor of `features` carries the layout's channels. */
export function resolveBlock(l: Layout, features: number): number | undefined {
  const channels = totalChannels(l);
  if (l.block !== undefined) return l.block * channels === features ? l.block : undefined;
  if (!l.flattened) return channels === features ? 1 : undefined;
  return features % channels === 0 ? features / channels : undefined;
}

export function sameStructure(a: Layout, b: Layout): boolean {
  return a.axis === b.axis && a.segs.length === b.segs.length && a.segs.every((s, i) => s.count === b.segs[i].count);
}

export function inputRank(graph: Graph, name: string): number | undefined {
  const vi = graph.valueInfo(name);
  const t = vi?.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
  return t?.shape ? t.shape.dim.length : undefined;
}

export function scaleAt(c: ConstantValue, axis: number): number | undefined {
  if (c.dims.length !== 1 || c.dims[0] <= axis || !isFloat(c.tensor.dataType) || isExternal(c.tensor)) return undefined;
  return toFloat32(c.tensor.dataType, tensorArray(c.tensor))[axis];
}

/** Flatten(axis=1) or Reshape to [N, K] of a tensor whose channels are on axis 1: channels become blocks. */
export function flattenResult(graph: Graph, node: NodeProto, x: Layout): { layout: Layout } | string {
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
  const channels = totalChannels(x);
  if (v[1] > 0 && v[1] % channels === 0) {
    return { layout: { segs: x.segs, axis: -1, rank: 2, flattened: true, block: v[1] / channels } };
  }
  return 'reshapes to a shape that is not [N, features]';
}

export function shapeValues(c: ConstantValue): number[] | undefined {
  if (c.tensor.dataType !== DataType.int64 || isExternal(c.tensor)) return undefined;
  return Array.from(tensorArray(c.tensor) as BigInt64Array, Number);
}
