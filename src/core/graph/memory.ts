/**
 * Activation memory of a graph, from its tensors' lifetimes: each node's output bytes, the bytes
 * live while each node runs (in the graph's order, which every reader keeps topological), the
 * peak and the tensors that make it. A tensor is live from the node that produces it (graph
 * inputs from the start) to the last node that reads it (graph outputs to the end); weights are
 * not activations and are left out. Symbolic dimensions count as 1 and are reported. This is what
 * an arena planner without in-place reuse needs at least; a runtime's peak RSS adds weights, the
 * runtime itself and its own buffers.
 */
import { byteLength, dtypeCode } from '../tensor/dtypes';
import type { MemoryProfile, NodeMemory, NodeMemoryDetails, TensorInfo, ViewGraph } from './types';

export type { MemoryProfile, NodeMemory };

export function memoryProfile(g: ViewGraph): MemoryProfile {
  const weights = new Set(g.nodes.flatMap((n) => n.weights.map((w) => w.name)));
  const infos = new Map<string, TensorInfo>(Object.entries(g.values));
  for (const t of [...g.inputs, ...g.outputs]) if (!infos.has(t.name) || !infos.get(t.name)!.shape) infos.set(t.name, t);
  const symbolic = new Set<string>();
  const unknown = new Set<string>();
  const size = (name: string): number => {
    const t = infos.get(name);
    let code: number | undefined;
    try { code = t ? dtypeCode(t.dtype) : undefined; } catch { code = undefined; }
    if (!t?.shape || code === undefined) { unknown.add(name); return 0; }
    let count = 1;
    for (const d of t.shape) {
      if (typeof d === 'number') count *= Math.max(d, 0);
      else symbolic.add(d);
    }
    return byteLength(code, count);
  };
  // Birth (producer's index; -1 for graph inputs) and death (last reader's index) of each activation.
  const end = g.nodes.length;
  const born = new Map<string, number>();
  const dies = new Map<string, number>();
  const producer = new Map<string, string>();
  for (const t of g.inputs) if (!weights.has(t.name)) { born.set(t.name, -1); dies.set(t.name, -1); producer.set(t.name, ''); }
  g.nodes.forEach((n, i) => {
    for (const v of n.inputs) if (v && born.has(v)) dies.set(v, Math.max(dies.get(v)!, i));
    for (const v of n.outputs) if (v && !born.has(v) && !weights.has(v)) { born.set(v, i); dies.set(v, i); producer.set(v, n.id); }
  });
  for (const t of g.outputs) if (born.has(t.name)) dies.set(t.name, end);
  const bytes = new Map([...born.keys()].map((v) => [v, size(v)]));
  // Node i is slot i + 1 (slot 0: before the first node); a tensor is live from slot born + 1 through dies + 1.
  const delta = new Float64Array(end + 3);
  for (const [v, b] of born) { delta[b + 1] += bytes.get(v)!; delta[dies.get(v)! + 2] -= bytes.get(v)!; }
  const nodes: NodeMemory[] = [];
  let live = delta[0], peakBytes = 0, peakIndex = -1;
  for (let i = 0; i < end; i++) {
    live += delta[i + 1];
    const n = g.nodes[i];
    nodes.push({ id: n.id, outputBytes: n.outputs.reduce((s, v) => s + (v && producer.get(v) === n.id ? bytes.get(v)! : 0), 0), liveBytes: live });
    if (live > peakBytes) { peakBytes = live; peakIndex = i; }
  }
  const at = peakIndex;
  const peakTensors = [...born.keys()].filter((v) => born.get(v)! <= at && dies.get(v)! >= at).map((v) => ({ name: v, bytes: bytes.get(v)!, producer: producer.get(v)! })).sort((a, b) => b.bytes - a.bytes);
  return { nodes, peakBytes, peakNode: at >= 0 ? g.nodes[at].id : null, peakTensors, unknownTensors: [...unknown], symbolicDims: [...symbolic] };
}

/** Profiles made, by graph: a view graph does not change once built, and readers keep theirs. */
const profiles = new WeakMap<ViewGraph, MemoryProfile>();

/** The node's share of the graph's memory profile (the profile made once per graph); undefined for a node not in it. */
export function nodeMemoryDetails(g: ViewGraph, nodeId: string, tensors = 5): NodeMemoryDetails | undefined {
  let p = profiles.get(g);
  if (!p) profiles.set(g, (p = memoryProfile(g)));
  const index = p.nodes.findIndex((n) => n.id === nodeId);
  if (index < 0) return undefined;
  return {
    ...p.nodes[index], index, nodes: p.nodes.length, peakBytes: p.peakBytes, peakNode: p.peakNode,
    peakTensors: p.peakTensors.slice(0, tensors), peakTensorCount: p.peakTensors.length,
    symbolicDims: p.symbolicDims, unknownTensors: p.unknownTensors.length,
  };
}
