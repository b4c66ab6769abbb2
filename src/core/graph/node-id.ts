/**
 * The ViewNode.id of each node of one graph, in the same order: the node's own name when it is
 * non-empty and unique in the graph, else `<name or opType>#<index>` (made unique if that collides).
 * Every feature that keys data by node (overlays, diagnostics, text lines) uses this one rule.
 */
export function nodeIds(nodes: readonly { name: string; opType: string }[]): string[] {
  const count = new Map<string, number>();
  for (const n of nodes) if (n.name) count.set(n.name, (count.get(n.name) ?? 0) + 1);
  const ids = new Array<string>(nodes.length);
  const rest: number[] = [];
  nodes.forEach((n, i) => {
    if (n.name && count.get(n.name) === 1) ids[i] = n.name;
    else rest.push(i);
  });
  if (rest.length === 0) return ids; // every name unique: no made-up ids to check
  const used = new Set<string>();
  for (const [name, c] of count) if (c === 1) used.add(name);
  for (const i of rest) {
    const n = nodes[i];
    let id = `${n.name || n.opType}#${i}`;
    for (let k = 1; used.has(id); k++) id = `${n.name || n.opType}#${i}.${k}`;
    used.add(id);
    ids[i] = id;
  }
  return ids;
}
