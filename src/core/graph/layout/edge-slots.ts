/**
 * Heights for the horizontal runs of orthogonal edges in the gap between two layers. Runs whose
 * spans overlap get different heights, so no two edges share a line; runs from one point (a
 * tensor going to several consumers) share one, as a fork. Of two overlapping runs, the one that
 * crosses the other's vertical parts less often goes above it, and each run sits as high as the
 * runs that must be above it allow (a longest path).
 */

/** A horizontal run: it comes down at `x0` and goes on down at `x1`; `source` names the point it comes from. */
export interface Run { x0: number; x1: number; source: string }

/** Slot of each run (0 is nearest the layer above) and how many slots the gap needs. */
export function assignSlots(runs: Run[]): { slot: Int32Array; count: number } {
  const slot = new Int32Array(runs.length);
  if (!runs.length) return { slot, count: 0 };
  // Runs from one point are one fork: its span, and where each branch goes down.
  const forks: { lo: number; hi: number; x0: number; downs: number[] }[] = [];
  const forkOf = new Int32Array(runs.length);
  const bySource = new Map<string, number>();
  runs.forEach((r, i) => {
    let f = bySource.get(r.source);
    if (f === undefined) { f = forks.push({ lo: r.x0, hi: r.x0, x0: r.x0, downs: [] }) - 1; bySource.set(r.source, f); }
    const k = forks[f];
    k.lo = Math.min(k.lo, r.x1); k.hi = Math.max(k.hi, r.x1); k.downs.push(r.x1);
    forkOf[i] = f;
  });
  const m = forks.length;
  const inside = (x: number, f: { lo: number; hi: number }) => x > f.lo + 0.5 && x < f.hi - 0.5;
  // A run above another crosses the other's descent from above with its own descents below.
  const crossings = (a: (typeof forks)[number], b: (typeof forks)[number]) => a.downs.filter((x) => inside(x, b)).length + (inside(b.x0, a) ? 1 : 0);
  const above: number[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const a = forks[i], b = forks[j];
      if (a.hi < b.lo - 1 || b.hi < a.lo - 1) continue;
      const ab = crossings(a, b), ba = crossings(b, a);
      if (ab < ba || (ab === ba && a.x0 <= b.x0)) above[j].push(i);
      else above[i].push(j);
    }
  }
  // Longest path from the top; an edge that would close a cycle is ignored (its two runs still differ by depth-first order).
  const level = new Int32Array(m).fill(-1);
  const onStack = new Uint8Array(m);
  const depth = (f: number): number => {
    if (level[f] >= 0) return level[f];
    if (onStack[f]) return -1;
    onStack[f] = 1;
    let d = 0;
    for (const g of above[f]) d = Math.max(d, depth(g) + 1);
    onStack[f] = 0;
    return (level[f] = d);
  };
  let count = 0;
  for (let f = 0; f < m; f++) count = Math.max(count, depth(f) + 1);
  runs.forEach((_, i) => { slot[i] = level[forkOf[i]]; });
  return { slot, count };
}
