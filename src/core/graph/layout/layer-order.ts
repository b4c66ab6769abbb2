/**
 * The order of vertices within each layer of a layered layout, to cross few edges: barycentre
 * sweeps down and up from the request's (model) order, keeping the best order seen by counted
 * crossings, then swaps of neighbours while a swap crosses fewer edges (greedy switch). An edge
 * into a group's port counts where on the group it arrives, so edges to ports on the left of a
 * group come from the left.
 */

export interface OrderedLink { from: number; to: number; fromOff: number; toOff: number }
export interface OrderedVertex { w: number; layer: number; pos: number; preds: OrderedLink[]; succs: OrderedLink[] }

const MAX_SWEEPS = 12;
/** Sweeps in a row without fewer crossings before stopping. */
const PATIENCE = 2;
const MAX_SWITCH_ROUNDS = 8;

/** Vertices by layer, ordered; `first` (the title, or -1) stays first in its layer. Sets each vertex's `pos`. */
export function orderLayers(vs: OrderedVertex[], first: number): number[][] {
  const layers: number[][] = [];
  vs.forEach((v, i) => { if (i !== first) (layers[v.layer] ??= []).push(i); });
  for (let l = 0; l < layers.length; l++) layers[l] ??= [];
  if (first >= 0) (layers[vs[first].layer] ??= []).unshift(first);
  const number = (l: number[]) => l.forEach((v, p) => { vs[v].pos = p; });
  layers.forEach(number);
  // Where along its layer an edge leaves or enters a vertex: its place, and a fraction for the point on it.
  const at = (v: number, off: number) => vs[v].pos + Math.min(0.99, Math.max(0, off / (vs[v].w + 1)));
  const key = new Float64Array(vs.length);
  const sweep = (l: number[], side: 'preds' | 'succs') => {
    for (const v of l) {
      const ns = vs[v][side];
      let sum = 0;
      for (const k of ns) sum += side === 'preds' ? at(k.from, k.fromOff) : at(k.to, k.toOff);
      key[v] = v === first ? -Infinity : ns.length ? sum / ns.length : vs[v].pos;
    }
    l.sort((a, b) => key[a] - key[b] || vs[a].pos - vs[b].pos);
    number(l);
  };
  const crossings = () => {
    let c = 0;
    for (let l = 0; l + 1 < layers.length; l++) c += crossingsBetween(vs, layers[l], at);
    return c;
  };
  let best = layers.map((l) => l.slice());
  let least = crossings();
  for (let i = 0, stale = 0; i < MAX_SWEEPS && least > 0 && stale < PATIENCE; i++) {
    for (let l = 1; l < layers.length; l++) sweep(layers[l], 'preds');
    for (let l = layers.length - 2; l >= 0; l--) sweep(layers[l], 'succs');
    const c = crossings();
    if (c < least) { least = c; best = layers.map((l) => l.slice()); stale = 0; } else stale++;
  }
  best.forEach((l, i) => { layers[i] = l; number(l); });
  if (least > 0) greedySwitch(vs, layers, first, at);
  return layers;
}

/** Crossings of the edges from `upper` down to the next layer: inversions of their lower ends, upper ends sorted. */
function crossingsBetween(vs: OrderedVertex[], upper: number[], at: (v: number, off: number) => number): number {
  const ends: [number, number][] = [];
  for (const v of upper) for (const k of vs[v].succs) ends.push([at(k.from, k.fromOff), at(k.to, k.toOff)]);
  ends.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return inversions(ends.map((e) => e[1]));
}

/** Pairs i < j with xs[i] > xs[j], by merge sort. */
function inversions(xs: number[]): number {
  if (xs.length < 2) return 0;
  const mid = xs.length >> 1;
  const a = xs.slice(0, mid), b = xs.slice(mid);
  let c = inversions(a) + inversions(b);
  for (let i = 0, j = 0, k = 0; k < xs.length; k++) {
    if (j >= b.length || (i < a.length && a[i] <= b[j])) xs[k] = a[i++];
    else { xs[k] = b[j++]; c += a.length - i; }
  }
  return c;
}

/** Swaps neighbours in a layer while that crosses fewer edges to the layers above and below. */
function greedySwitch(vs: OrderedVertex[], layers: number[][], first: number, at: (v: number, off: number) => number): void {
  // Crossings among the edges of u and v (u left of v) on one side, with the other ends where they are.
  const between = (u: number, v: number, side: 'preds' | 'succs', swapped: boolean) => {
    const end = (k: OrderedLink) => (side === 'preds' ? at(k.from, k.fromOff) : at(k.to, k.toOff));
    let c = 0;
    for (const a of vs[u][side]) for (const b of vs[v][side]) if (swapped ? end(a) < end(b) : end(a) > end(b)) c++;
    return c;
  };
  for (let round = 0, changed = true; changed && round < MAX_SWITCH_ROUNDS; round++) {
    changed = false;
    for (const l of layers) {
      for (let i = 0; i + 1 < l.length; i++) {
        const u = l[i], v = l[i + 1];
        if (u === first) continue;
        const now = between(u, v, 'preds', false) + between(u, v, 'succs', false);
        const then = between(u, v, 'preds', true) + between(u, v, 'succs', true);
        if (then >= now) continue;
        l[i] = v; l[i + 1] = u;
        vs[v].pos = i; vs[u].pos = i + 1;
        changed = true;
      }
    }
  }
}
