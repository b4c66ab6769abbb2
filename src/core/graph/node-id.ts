import type { NodeProto } from '../onnx/proto/onnx_pb';

/**
 * The ViewNode.id of each node of one graph, in the same order: the node's own name when it is
 * non-empty and unique in the graph, else `<OpType>_<index>` (made unique if that collides).
 */
export function nodeIds(nodes: readonly NodeProto[]): string[] {
  const count = new Map<string, number>();
  for (const n of nodes) if (n.name) count.set(n.name, (count.get(n.name) ?? 0) + 1);
  const taken = new Set<string>(nodes.filter((n) => n.name && count.get(n.name) === 1).map((n) => n.name));
  return nodes.map((n, i) => {
    if (n.name && count.get(n.name) === 1) return n.name;
    let id = `${n.opType}_${i}`;
    while (taken.has(id)) id += '_';
    taken.add(id);
    return id;
  });
}
