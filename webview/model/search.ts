/** Graph search: the items whose name, op type or tensor names match a query, and why each matched. */
import type { ViewGraph } from '../../src/core/graph/types';
import type { GraphModel } from '../../src/core/graph/graph-model';

export interface SearchMatch {
  /** Item id (`N<index>`, `I:<name>`, `O:<name>`). */
  id: string;
  /** What matched, for the toolbar: 'op Conv', 'name /0/Conv', 'input /0/Conv_output_0'... */
  what: string;
}

/**
 * Items matching `query` (case-insensitive). A query that is an op type of the graph ('Conv',
 * 'relu') finds the nodes of exactly that type and nothing else: a Relu whose input is called
 * 'conv1_out' is not a Conv. Any other query finds nodes by name, op type prefix or an input or
 * output tensor name, and graph inputs and outputs by name. Empty for a blank query.
 */
export function findMatches(model: GraphModel, graph: ViewGraph, query: string): SearchMatch[] {
  const q = query.trim().toLowerCase();
  const matches: SearchMatch[] = [];
  if (!q) return matches;
  const nodeLeaves = [...model.leaves.values()].filter((l) => l.kind === 'node');
  const exactOp = nodeLeaves.filter((l) => graph.nodes[l.index].opType.toLowerCase() === q);
  if (exactOp.length) return exactOp.map((l) => ({ id: l.id, what: `op ${graph.nodes[l.index].opType}` }));
  for (const leaf of model.leaves.values()) {
    if (leaf.kind !== 'node') {
      if (leaf.label.toLowerCase().includes(q)) matches.push({ id: leaf.id, what: `graph ${leaf.kind} ${leaf.label}` });
      continue;
    }
    const n = graph.nodes[leaf.index];
    const tensor = (list: string[]): string | undefined => list.find((v) => v.toLowerCase().includes(q));
    let what: string | undefined;
    if (n.name.toLowerCase().includes(q)) what = `name ${n.name}`;
    else if (n.opType.toLowerCase().startsWith(q)) what = `op ${n.opType}`;
    else {
      const input = tensor(n.inputs);
      const output = input === undefined ? tensor(n.outputs) : undefined;
      if (input !== undefined) what = `input ${input}`;
      else if (output !== undefined) what = `output ${output}`;
    }
    if (what) matches.push({ id: leaf.id, what });
  }
  return matches;
}

/** What every match matched, when that is one thing ('op Conv'); else undefined. */
export function commonReason(matches: readonly SearchMatch[]): string | undefined {
  const first = matches[0]?.what;
  return matches.every((m) => m.what === first) ? first : undefined;
}
