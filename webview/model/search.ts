/** Graph search: the items whose name, op type or tensor names match a query. */
import type { ViewGraph } from '../../src/core/graph/types';
import type { GraphModel } from './graph-model';

/**
 * Item ids matching `query` (case-insensitive): a node by its name, op type (exact or prefix) or
 * any of its input/output tensor names; an input or output by its name. Empty for a blank query.
 */
export function findMatches(model: GraphModel, graph: ViewGraph, query: string): string[] {
  const q = query.trim().toLowerCase();
  const matches: string[] = [];
  if (!q) return matches;
  for (const leaf of model.leaves.values()) {
    if (leaf.kind !== 'node') { if (leaf.label.toLowerCase().includes(q)) matches.push(leaf.id); continue; }
    const n = graph.nodes[leaf.index];
    const op = n.opType.toLowerCase();
    if (n.name.toLowerCase().includes(q) || op.startsWith(q) ||
        n.inputs.some((v) => v.toLowerCase().includes(q)) || n.outputs.some((v) => v.toLowerCase().includes(q))) {
      matches.push(leaf.id);
    }
  }
  return matches;
}
