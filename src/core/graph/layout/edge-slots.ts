/**
 * Heights for the horizontal runs of orthogonal edges in the gap between two layers. Runs whose
 * spans overlap get different heights, so no two edges share a line; runs from one point (a
 * tensor going to several consumers) share one, as a fork. Of two overlapping runs, the one that
 * crosses the other's vertical parts less often goes above it, and each run sits as high as the
 * runs that must be above it allow (a longest path).
 */
import { topologicalOrder } from './topological';

/** Beyond this many runs in one gap, heights are given first-fit, without weighing crossings pair by pair. */
const PAIRWISE_MAX = 400;
/** Most heights in one gap. */
const MAX_SLOTS = 48;

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
  if (m > PAIRWISE_MAX) return firstFit(forks, forkOf, runs.length);
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
  // Longest path from the top; runs in a cycle of preferences (rare) take what is above them so far.
  const below: number[][] = Array.from({ length: m }, () => []);
  above.forEach((gs, f) => { for (const g of gs) below[g].push(f); });
  const level = new Int32Array(m).fill(-1);
  for (const f of topologicalOrder(m, below, () => true)) {
    let d = 0;
    for (const g of above[f]) if (level[g] >= 0) d = Math.max(d, level[g] + 1);
    level[f] = d;
  }
  let count = 0;
  for (let f = 0; f < m; f++) count = Math.max(count, level[f] + 1);
  runs.forEach((_, i) => { slot[i] = level[forkOf[i]]; });
  return capped(slot, count);
}

/** A gap with hundreds of runs (a fan of that many edges into one box): each at the first height free over its span, left to right. */
function firstFit(forks: { lo: number; hi: number }[], forkOf: Int32Array, runs: number): { slot: Int32Array; count: number } {
  const order = forks.map((_, f) => f).sort((a, b) => forks[a].lo - forks[b].lo);
  const level = new Int32Array(forks.length);
  const freeFrom: number[] = [];
  for (const f of order) {
    let s = freeFrom.findIndex((x) => x < forks[f].lo - 1);
    if (s < 0) s = freeFrom.push(0) - 1;
    freeFrom[s] = forks[f].hi;
    level[f] = s;
  }
  const slot = new Int32Array(runs);
  for (let i = 0; i < runs; i++) slot[i] = level[forkOf[i]];
  return capped(slot, freeFrom.length);
}

/** At most MAX_SLOTS heights: beyond that, runs share them (the gap would otherwise grow by 8 px a run). */
function capped(slot: Int32Array, count: number): { slot: Int32Array; count: number } {
  if (count <= MAX_SLOTS) return { slot, count };
  for (let i = 0; i < slot.length; i++) slot[i] = Math.floor((slot[i] * MAX_SLOTS) / count);
  return { slot, count: MAX_SLOTS };
}
