/**
 * Positions across the layers of a layered layout, after Brandes and Köpf ("Fast and Simple
 * Horizontal Coordinate Assignment", 2001): four passes each line vertices up with a median
 * neighbour above (or below) into straight blocks, scanning left to right (or right to left), and
 * pack the blocks as tightly as the order and the spacing allow; the result is the middle two of
 * the four positions, averaged. Most edges come out straight, long edges above all. Boxes have
 * their own widths and edges their own attachment points, so an aligned edge is straight from
 * where it leaves one box to where it enters the next. Segments that cross a long edge's inner
 * segment are not aligned (type-1 conflicts), so long edges stay straight. Classes (blocks packed
 * against one sink) are then packed against each other by a longest path over the classes, not by
 * the paper's single shifting pass, in which an erratum (Brandes, Walter and Zink, 2020) finds flaws.
 */

import { topologicalOrder } from './topological';

/** How far a block of lined-up vertices may reach beyond its widest member. */
const MAX_LEAN = 44;

/** A segment between adjacent layers: it leaves `from` at `fromOff` and enters `to` at `toOff`, from their left sides. */
export interface PlacedLink { from: number; to: number; fromOff: number; toOff: number }

export interface PlacedVertex {
  w: number;
  /** A long edge's point in a layer it passes (inner segments join two of them). */
  lane: boolean;
  /** Links from the layer above and to the layer below. */
  preds: PlacedLink[];
  succs: PlacedLink[];
}

/** Each vertex's links to the layer above and below, ordered by where the other end is in its layer. */
interface Neighbours { preds: PlacedLink[][]; succs: PlacedLink[][] }

/** Least room between boxes, between a box and a long edge, between two long edges. */
export interface Gaps { node: number; nodeLane: number; lane: number }

/** Left sides of `vs`, which are ordered in `layers` (top first). */
export function placeAcross(vs: PlacedVertex[], layers: number[][], gaps: Gaps): Float64Array {
  const n = vs.length;
  const pos = new Int32Array(n);
  for (const l of layers) for (let i = 0; i < l.length; i++) pos[l[i]] = i;
  const gap = (a: number, b: number) => (vs[a].lane && vs[b].lane ? gaps.lane : vs[a].lane || vs[b].lane ? gaps.nodeLane : gaps.node);
  const marked = typeOneConflicts(vs, layers, pos);
  const runs: Float64Array[] = [];
  const byPos = (end: 'from' | 'to') => (a: PlacedLink, b: PlacedLink) => pos[a[end]] - pos[b[end]];
  const sorted: Neighbours = { preds: vs.map((v) => v.preds.slice().sort(byPos('from'))), succs: vs.map((v) => v.succs.slice().sort(byPos('to'))) };
  for (const up of [true, false]) for (const left of [true, false]) runs.push(onePass(vs, layers, sorted, marked, gap, up, left));
  return balance(vs, layers, runs, gap);
}

/** Non-inner segments that cross an inner segment (between two lanes). */
function typeOneConflicts(vs: PlacedVertex[], layers: number[][], pos: Int32Array): Set<PlacedLink> {
  const marked = new Set<PlacedLink>();
  for (let i = 0; i + 1 < layers.length; i++) {
    const upper = layers[i], lower = layers[i + 1];
    let k0 = 0, l = 0;
    for (let l1 = 0; l1 < lower.length; l1++) {
      const v = lower[l1];
      const inner = vs[v].lane ? vs[v].preds.find((k) => vs[k.from].lane) : undefined;
      if (l1 !== lower.length - 1 && !inner) continue;
      const k1 = inner ? pos[inner.from] : upper.length - 1;
      for (; l <= l1; l++) {
        for (const k of vs[lower[l]].preds) {
          const innerToo = vs[k.from].lane && vs[lower[l]].lane;
          if (!innerToo && (pos[k.from] < k0 || pos[k.from] > k1)) marked.add(k);
        }
      }
      k0 = k1;
    }
  }
  return marked;
}

/**
 * One of the four passes: `up` aligns each vertex with a median neighbour in the layer above
 * (layers taken top-down), else below; `left` scans layers left to right and packs to the left,
 * else the mirror image. Returns left sides in the layout's own frame.
 */
function onePass(vs: PlacedVertex[], layers: number[][], sorted: Neighbours, marked: Set<PlacedLink>, gap: (a: number, b: number) => number, up: boolean, left: boolean): Float64Array {
  const n = vs.length;
  // The pass's frame: layers in scanning order, each in scanning order; mirrored offsets when scanning from the right.
  const order = (up ? layers : [...layers].reverse()).map((l) => (left ? l : [...l].reverse()));
  const p = new Int32Array(n);
  for (const l of order) for (let i = 0; i < l.length; i++) p[l[i]] = i;
  // A pass runs on a fresh page's first frame, in V8's interpreter: plain loops, no per-vertex closures or arrays.
  const w = new Float64Array(n), root = new Int32Array(n), align = new Int32Array(n);
  for (let v = 0; v < n; v++) { w[v] = vs[v].w; root[v] = align[v] = v; }
  // Inner shift of each vertex within its block: its left side relative to the block's root; the block's span and widest member.
  const inner = new Float64Array(n);
  const spanLo = new Float64Array(n), spanHi = w.slice(), widest = w.slice();

  for (let li = 1; li < order.length; li++) {
    let r = -1;
    for (const v of order[li]) {
      // Neighbours in the layer scanned before, left to right; the median ones in scanning order.
      const ns = up ? sorted.preds[v] : sorted.succs[v];
      const d = ns.length;
      if (!d) continue;
      const lo = (d - 1) >> 1, hi = d >> 1;
      for (let i = 0; i < (lo === hi ? 1 : 2); i++) {
        if (align[v] !== v) break;
        const k = ns[(i === 0) === left ? lo : hi];
        const u = up ? k.from : k.to;
        if (marked.has(k) || r >= p[u]) continue;
        // Straight: u's attachment point over v's (offsets mirrored when scanning from the right).
        const ou = up ? k.fromOff : k.toOff, ov = up ? k.toOff : k.fromOff;
        const at = inner[u] + (left ? ou : w[u] - ou) - (left ? ov : w[v] - ov), b = root[u];
        const l0 = Math.min(spanLo[b], at), h0 = Math.max(spanHi[b], at + w[v]), w0 = Math.max(widest[b], w[v]);
        // Groups whose ports are off centre would lean further with each one lined up: a block stays about as wide as its widest member.
        if (h0 - l0 > w0 + MAX_LEAN) continue;
        spanLo[b] = l0; spanHi[b] = h0; widest[b] = w0;
        align[u] = v;
        root[v] = b;
        align[v] = b;
        r = p[u];
        inner[v] = at;
      }
    }
  }
  // Blocks start at their roots' left sides: make every block's leftmost member's shift 0.
  const least = new Float64Array(n).fill(Infinity);
  for (let v = 0; v < n; v++) least[root[v]] = Math.min(least[root[v]], inner[v]);
  for (let v = 0; v < n; v++) inner[v] -= least[root[v]];

  const before = new Int32Array(n).fill(-1);
  for (const l of order) for (let i = 1; i < l.length; i++) before[l[i]] = l[i - 1];
  // Blocks placed after the blocks left of them (no recursion: a group can have thousands of lane vertices).
  const x = new Float64Array(n);
  const sink = new Int32Array(n);
  const leftOf: number[][] = new Array(n), classRight: number[][] = new Array(n);
  const need: { from: number; by: number }[][] = new Array(n);
  for (let v = 0; v < n; v++) { sink[v] = v; leftOf[v] = []; classRight[v] = []; need[v] = []; }
  const between: { from: number; to: number; u: number; v: number; sep: number }[] = [];
  for (let w = 0; w < n; w++) if (before[w] >= 0) leftOf[root[before[w]]].push(root[w]);
  for (const v of topologicalOrder(n, leftOf, (v) => root[v] === v)) {
    let w = v;
    do {
      const q = before[w];
      if (q >= 0) {
        const u = root[q];
        if (sink[v] === v) sink[v] = sink[u];
        const sep = inner[q] + vs[q].w + gap(q, w) - inner[w];
        if (sink[v] === sink[u]) x[v] = Math.max(x[v], x[u] + sep);
        else between.push({ from: sink[u], to: sink[v], u, v, sep });
      }
      w = align[w];
    } while (w !== v);
  }

  // Classes (blocks packed against one sink) packed against each other: a longest path.
  for (const b of between) {
    need[b.to].push({ from: b.from, by: x[b.u] + b.sep - x[b.v] });
    classRight[b.from].push(b.to);
  }
  const shift = new Float64Array(n);
  for (const c of topologicalOrder(n, classRight, (c) => sink[c] === c)) {
    let most = -Infinity;
    for (const e of need[c]) most = Math.max(most, shift[e.from] + e.by);
    if (need[c].length) shift[c] = most;
  }
  const out = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    const r0 = root[v];
    const own = x[r0] + shift[sink[r0]] + inner[v];
    out[v] = left ? own : -(own + vs[v].w);
  }
  return out;
}

/** The four passes aligned to the narrowest, then the average of each vertex's middle two; the narrowest if that breaks the spacing. */
function balance(vs: PlacedVertex[], layers: number[][], runs: Float64Array[], gap: (a: number, b: number) => number): Float64Array {
  const n = vs.length;
  const lo = runs.map((r) => { let m = Infinity; for (let v = 0; v < n; v++) m = Math.min(m, r[v]); return m; });
  const hi = runs.map((r) => { let m = -Infinity; for (let v = 0; v < n; v++) m = Math.max(m, r[v] + vs[v].w); return m; });
  let best = 0;
  runs.forEach((_, i) => { if (hi[i] - lo[i] < hi[best] - lo[best]) best = i; });
  // Runs 0 and 2 pack to the left: they keep the narrowest's left side; 1 and 3 its right side.
  const moved = runs.map((r, i) => {
    const d = i % 2 === 0 ? lo[best] - lo[i] : hi[best] - hi[i];
    const m = new Float64Array(n);
    for (let v = 0; v < n; v++) m[v] = r[v] + d;
    return m;
  });
  const [m0, m1, m2, m3] = moved;
  const out = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    // The middle two of four: the larger of the pairs' smaller ones and the smaller of their larger ones.
    const a = m0[v], b = m1[v], c = m2[v], d = m3[v];
    out[v] = (Math.max(Math.min(a, b), Math.min(c, d)) + Math.min(Math.max(a, b), Math.max(c, d))) / 2;
  }
  for (const l of layers) {
    for (let i = 1; i < l.length; i++) {
      if (out[l[i]] < out[l[i - 1]] + vs[l[i - 1]].w + gap(l[i - 1], l[i]) - 1e-6) return moved[best];
    }
  }
  return out;
}
