/**
 * The ViewNode.id of each node of one graph, in the same order: the node's own name when it is
 * non-empty and unique in the graph, else `<name or opType>#<index>` (made unique if that collides).
 * Every feature that keys data by node (overlays, diagnostics, text lines) uses this one rule.
 */
export function nodeIds(nodes: readonly { name: string; opType: string }[]): string[] {
  // One set operation per name (a repeat leaves the size as it was); names seen twice or more in `repeated`.
  const seen = new Set<string>();
  let repeated: Set<string> | undefined;
  for (let i = 0; i < nodes.length; i++) {
    const name = nodes[i].name;
    if (!name) continue;
    const size = seen.size;
    if (seen.add(name).size === size) (repeated ??= new Set()).add(name);
  }
  const ids = new Array<string>(nodes.length);
  const rest: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const name = nodes[i].name;
    if (name && !repeated?.has(name)) ids[i] = name;
    else rest.push(i);
  }
  if (rest.length === 0) return ids; // every name unique: no made-up ids to check
  const used = new Set<string>();
  for (const name of seen) if (!repeated?.has(name)) used.add(name);
  for (const i of rest) {
    const n = nodes[i];
    let id = `${n.name || n.opType}#${i}`;
    for (let k = 1; used.has(id); k++) id = `${n.name || n.opType}#${i}.${k}`;
    used.add(id);
    ids[i] = id;
  }
  return ids;
}
