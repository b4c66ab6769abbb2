/** An order of a directed graph's vertices for passes that need a vertex's predecessors first, without recursion. */

/** The vertices `keep` accepts, each after those with an edge (`next`) to it; any left in a cycle come last, in index order. */
export function topologicalOrder(n: number, next: number[][], keep: (v: number) => boolean): number[] {
  const indegree = new Int32Array(n);
  let kept = 0;
  for (let v = 0; v < n; v++) if (keep(v)) { kept++; for (const w of next[v]) indegree[w]++; }
  const order: number[] = [];
  for (let v = 0; v < n; v++) if (keep(v) && indegree[v] === 0) order.push(v);
  for (let i = 0; i < order.length; i++) for (const w of next[order[i]]) if (--indegree[w] === 0) order.push(w);
  if (order.length < kept) {
    const placed = new Uint8Array(n);
    for (const v of order) placed[v] = 1;
    for (let v = 0; v < n; v++) if (keep(v) && !placed[v]) order.push(v);
  }
  return order;
}
