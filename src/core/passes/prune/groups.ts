import type { NodeProto } from '../../formats/onnx/proto/onnx_pb';
import { outerReads, type Graph } from '../../formats/onnx/model';
import { ChannelWalk, type ChannelUse } from './channel-layout';
import { analyzeNode, nodeLabel } from './channel-steps';

export { shapeValues, type ChannelUse } from './channel-layout';

/**
 * Channel dependency analysis. Every Conv/ConvTranspose/Gemm/MatMul with a stored weight creates a
 * "space" of output channels; following the graph forward, every tensor that carries those channels
 * gets a layout, and every place where they must be cut is recorded as a use. Ops that tie two
 * spaces (residual Add, SE Mul, depthwise Conv) merge them; anything the analysis cannot prove safe
 * blocks the spaces it touches, with the reason. A group is a set of merged spaces.
 *
 * The steps: walk the nodes in order (channel-steps.ts, one step per family of ops, on the state
 * of channel-layout.ts), block what leaves the graph or enters a subgraph, then number the groups.
 */

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

/** Finds every channel group of the graph and what ties or blocks it. */
export function analyzeChannelGroups(graph: Graph): ChannelGroup[] {
  const walk = new ChannelWalk(graph);
  for (const node of graph.topologicalOrder()) analyzeNode(walk, node);
  blockEscapes(walk);
  return numberedGroups(walk);
}

/** Channels that reach a graph output or are read inside a subgraph cannot change. */
function blockEscapes(w: ChannelWalk): void {
  for (const out of w.graph.proto.output) {
    const l = w.layouts.get(out.name);
    if (l) w.blockLayout(l, `reaches the graph output '${out.name}'`);
  }
  for (const node of w.graph.nodes) {
    if (w.graph.subgraphs(node).length === 0) continue;
    for (const name of w.graph.subgraphs(node).flatMap((s) => outerReads(s.graph.proto))) {
      const l = w.layouts.get(name);
      if (l) w.blockLayout(l, `read inside a subgraph of ${node.opType} '${nodeLabel(node)}'`);
    }
  }
}

/** One group per set of merged spaces, its sources in graph order, the groups numbered by their first source. */
function numberedGroups({ sp, graph }: ChannelWalk): ChannelGroup[] {
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
