/**
 * A fast layered layout for the first frame of a view, while elkjs (elk-layout.ts) is still
 * starting or busy: milliseconds for hundreds of boxes, the same request and answer as elkjs's,
 * the same spacing and orthogonal edges, so the refined layout that follows moves boxes little.
 * Each expanded group is laid out on its own, children first, as elk-layout.ts does:
 *   layers   longest path from the sources (cycles broken by depth-first search, sources moved
 *            down next to their first consumer), in-ports first and out-ports last;
 *   order    members in the request's (model) order, then barycentre sweeps down and up;
 *   across   least-squares positions near the mean of each box's neighbours that keep the order
 *            and the spacing (pool-adjacent-violators), long edges weighted to run straight;
 *   edges    down from the producer to the middle of the gap, across, down into the consumer.
 * Works top-to-bottom; RIGHT is the same layout transposed.
 */
import { memberIndex, place, reachBorder, resolveEnd, type EdgeEnd, type Relative } from './relative';
import { GROUP_HEADER, GROUP_PAD, type Direction, type LayoutGroup, type LayoutResult } from './types';

/** As elk-layout.ts's BASE_OPTIONS: between layers, between boxes in a layer. */
const LAYER_GAP = 34;
const NODE_GAP = 22;
/** Width kept for a long edge passing through a layer. */
const LANE = 10;
const SWEEPS = 4;
/** Between edges arriving side by side at one box. */
const ARRIVAL_GAP = 12;
/** How much more a long edge's bends pull than an ordinary edge (straight long edges read best). */
const LONG_EDGE_WEIGHT = 8;

/** Lays out `root` and its expanded groups; `laidOut` counts the groups, `elkMs` is 0. */
export function quickLayout(root: LayoutGroup, direction: Direction): LayoutResult {
  const rels = new Map<LayoutGroup, Relative>();
  const walk = (g: LayoutGroup, isRoot: boolean): Relative => {
    const subs = g.items.map((it) => (it.sub ? walk(it.sub, false) : undefined));
    const rel = layoutGroup(g, subs, direction, isRoot);
    rels.set(g, rel);
    return rel;
  };
  const rel = walk(root, true);
  const out: LayoutResult = { boxes: {}, titles: {}, edges: [], width: rel.w, height: rel.h, elkMs: 0, laidOut: rels.size, cached: 0 };
  place(root, rels, 0, 0, direction, out);
  return out;
}

/** A box of the layered graph in top-to-bottom coordinates (x across layers' rows, y down). */
interface Vertex {
  w: number;
  h: number;
  layer: number;
  x: number;
  /** Position in its layer. */
  pos: number;
  /** Pinned to a layer: in-ports and the title first, out-ports last. */
  pin?: 'first' | 'last';
  preds: Link[];
  succs: Link[];
}

/** A segment between adjacent layers; offsets are where it leaves `from` and enters `to`, from their left sides. */
interface Link { from: number; to: number; fromOff: number; toOff: number; weight: number }

function layoutGroup(g: LayoutGroup, subs: (Relative | undefined)[], dir: Direction, isRoot: boolean): Relative {
  const down = dir === 'DOWN';
  // Sizes in top-to-bottom coordinates: RIGHT swaps width and height.
  const vs: Vertex[] = g.items.map((it, i) => {
    const s = subs[i];
    const [w, h] = s ? [s.w, s.h] : [it.w, it.h];
    return vertex(down ? w : h, down ? h : w);
  });
  const inBase = vs.length;
  for (const _ of g.inPorts) vs.push(vertex(2, 2, 'first'));
  const outBase = vs.length;
  for (const _ of g.outPorts) vs.push(vertex(2, 2, 'last'));
  const title = down && !isRoot && g.title ? vs.push(vertex(g.title.w, g.title.h, 'first')) - 1 : -1;

  const index = memberIndex(g);
  const at = (end: EdgeEnd, side: 'in' | 'out'): { v: number; off: number } => {
    if (end.kind === 'in') return { v: inBase + end.port, off: 1 };
    if (end.kind === 'out') return { v: outBase + end.port, off: 1 };
    const s = subs[end.index];
    const off = end.port !== undefined && s ? (side === 'out' ? s.outPorts : s.inPorts)[end.port] : vs[end.index].w / 2;
    return { v: end.index, off };
  };
  const ends = g.edges.map((e) => ({
    from: at(resolveEnd(g, e.from, e.fromPort, index, 'out'), 'out'),
    to: at(resolveEnd(g, e.to, e.toPort, index, 'in'), 'in'),
  }));

  const reversed = backEdges(vs.length, ends.map((e) => [e.from.v, e.to.v]));
  assignLayers(vs, ends.map((e, k) => (reversed[k] ? [e.to.v, e.from.v] : [e.from.v, e.to.v])));
  // Each edge as a chain of vertices, one per layer it spans (long edges get lanes).
  const chains: Link[][] = ends.map((e, k) => {
    const [a, b] = reversed[k] ? [e.to, e.from] : [e.from, e.to];
    if (a.v === b.v) return [];
    const chain = [a.v];
    for (let l = vs[a.v].layer + 1; l < vs[b.v].layer; l++) chain.push(vs.push(vertex(LANE, 0, undefined, l)) - 1);
    chain.push(b.v);
    const weight = chain.length > 2 ? LONG_EDGE_WEIGHT : 1;
    return chain.slice(1).map((to, j) => {
      const link: Link = { from: chain[j], to, fromOff: j === 0 ? a.off : LANE / 2, toOff: j + 2 === chain.length ? b.off : LANE / 2, weight };
      vs[link.from].succs.push(link);
      vs[to].preds.push(link);
      return link;
    });
  });
  const layers = orderLayers(vs, title);
  placeAcross(vs, layers);
  spreadArrivals(vs);

  // Rows: each layer as high as its tallest box, boxes centred in it.
  const top = isRoot ? 24 : title >= 0 ? 6 : GROUP_HEADER + 6;
  const pad = isRoot ? 24 : GROUP_PAD;
  const rowTop: number[] = [];
  const rowH = layers.map((l) => l.reduce((m, v) => Math.max(m, vs[v].h), 0));
  let y = top;
  for (const h of rowH) { rowTop.push(y); y += h + LAYER_GAP; }
  const height = y - LAYER_GAP + pad;
  let minX = Infinity, maxX = -Infinity;
  for (const v of vs) { minX = Math.min(minX, v.x); maxX = Math.max(maxX, v.x + v.w); }
  const shift = pad - (Number.isFinite(minX) ? minX : 0);
  for (const v of vs) v.x += shift;
  const width = Math.max(2 * pad, maxX + shift + pad);
  // The title is the leftmost box of the first layer: on the left border it stays clear of edges.
  if (title >= 0) vs[title].x = pad;
  const vy = (v: Vertex): number => rowTop[v.layer] + (rowH[v.layer] - v.h) / 2;

  const edges = chains.map((links, k) => {
    const pts: number[] = [];
    links.forEach((link, j) => {
      const a = vs[link.from], b = vs[link.to];
      const x0 = a.x + link.fromOff, x1 = b.x + link.toOff;
      const mid = rowTop[a.layer] + rowH[a.layer] + LAYER_GAP / 2;
      pts.push(x0, j === 0 ? vy(a) + a.h : rowTop[a.layer] + rowH[a.layer]);
      if (Math.abs(x0 - x1) > 0.5) pts.push(x0, mid, x1, mid);
      pts.push(x1, j + 1 === links.length ? vy(b) : rowTop[b.layer]);
    });
    if (reversed[k]) reversePoints(pts);
    const real = down ? pts : transpose(pts);
    reachBorder(real, g.edges[k], dir, down ? width : height, down ? height : width);
    return real;
  });
  const box = (v: Vertex) => (down ? { x: v.x, y: vy(v), w: v.w, h: v.h } : { x: vy(v), y: v.x, w: v.h, h: v.w });
  return {
    w: down ? width : height,
    h: down ? height : width,
    items: g.items.map((_, i) => box(vs[i])),
    edges,
    inPorts: g.inPorts.map((_, j) => vs[inBase + j].x + 1),
    outPorts: g.outPorts.map((_, j) => vs[outBase + j].x + 1),
    title: title >= 0 ? box(vs[title]) : null,
  };
}

function vertex(w: number, h: number, pin?: 'first' | 'last', layer = 0): Vertex {
  return { w, h, layer, x: 0, pos: 0, pin, preds: [], succs: [] };
}

/** Which edges close a cycle (depth-first from each vertex in order); layering treats them reversed. */
function backEdges(n: number, edges: number[][]): boolean[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  edges.forEach(([a], k) => out[a].push(k));
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const back = edges.map(() => false);
  for (let s = 0; s < n; s++) {
    if (state[s]) continue;
    const stack: [number, number][] = [[s, 0]];
    state[s] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, i] = top;
      if (i === out[v].length) { state[v] = 2; stack.pop(); continue; }
      top[1]++;
      const k = out[v][i];
      const w = edges[k][1];
      if (state[w] === 1) back[k] = true;
      else if (state[w] === 0) { state[w] = 1; stack.push([w, 0]); }
    }
  }
  return back;
}

/** Longest path from the sources over acyclic `edges`; in-ports and title first, out-ports last. */
function assignLayers(vs: Vertex[], edges: number[][]): void {
  const n = vs.length;
  const succ: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Int32Array(n);
  for (const [a, b] of edges) if (a !== b) { succ[a].push(b); indeg[b]++; }
  const hasPred = indeg.map((d) => (d > 0 ? 1 : 0));
  const hasFirst = vs.some((v) => v.pin === 'first');
  const free = (v: Vertex) => v.pin === undefined;
  const order: number[] = [];
  for (let v = 0; v < n; v++) { vs[v].layer = hasFirst && free(vs[v]) ? 1 : 0; if (indeg[v] === 0) order.push(v); }
  for (let i = 0; i < order.length; i++) {
    const v = order[i];
    for (const w of succ[v]) {
      if (vs[w].pin !== 'first') vs[w].layer = Math.max(vs[w].layer, vs[v].layer + 1);
      if (--indeg[w] === 0) order.push(w);
    }
  }
  // A source with nothing before it sits right above its first consumer, not at the very top.
  for (let v = 0; v < n; v++) {
    if (!free(vs[v]) || hasPred[v] || succ[v].length === 0) continue;
    const below = Math.min(...succ[v].map((w) => vs[w].layer)) - 1;
    vs[v].layer = Math.max(vs[v].layer, below);
  }
  let last = 0;
  for (const v of vs) if (v.pin !== 'last') last = Math.max(last, v.layer);
  for (const v of vs) if (v.pin === 'last') v.layer = last + 1;
}

/** Vertices by layer, ordered to cross few edges; the title stays first in its layer. */
function orderLayers(vs: Vertex[], title: number): number[][] {
  const layers: number[][] = [];
  vs.forEach((v, i) => { (layers[v.layer] ??= []).push(i); });
  for (let l = 0; l < layers.length; l++) layers[l] ??= [];
  const number = (l: number[]) => l.forEach((v, p) => { vs[v].pos = p; });
  layers.forEach(number);
  const key = new Float64Array(vs.length);
  const sweep = (l: number[], side: 'preds' | 'succs') => {
    for (const v of l) {
      const ns = vs[v][side];
      let sum = 0;
      for (const k of ns) sum += vs[side === 'preds' ? k.from : k.to].pos;
      key[v] = v === title ? -Infinity : ns.length ? sum / ns.length : vs[v].pos;
    }
    l.sort((a, b) => key[a] - key[b] || vs[a].pos - vs[b].pos);
    number(l);
  };
  for (let i = 0; i < SWEEPS; i++) {
    for (let l = 1; l < layers.length; l++) sweep(layers[l], 'preds');
    for (let l = layers.length - 2; l >= 0; l--) sweep(layers[l], 'succs');
  }
  return layers;
}

/** Positions across each layer: near the neighbours' mean, order and spacing kept; a few sweeps. */
function placeAcross(vs: Vertex[], layers: number[][]): void {
  for (const l of layers) {
    let x = 0;
    for (const v of l) { vs[v].x = x; x += vs[v].w + NODE_GAP; }
  }
  const settle = (l: number[], side: 'preds' | 'succs' | 'both') => {
    const want: number[] = [], weight: number[] = [];
    for (const v of l) {
      let sum = 0, wsum = 0;
      const pull = (links: Link[]) => {
        for (const k of links) {
          sum += k.weight * (k.to === v ? vs[k.from].x + k.fromOff - k.toOff : vs[k.to].x + k.toOff - k.fromOff);
          wsum += k.weight;
        }
      };
      if (side !== 'succs') pull(vs[v].preds);
      if (side !== 'preds') pull(vs[v].succs);
      want.push(wsum ? sum / wsum : vs[v].x);
      weight.push(wsum || 1e-3);
    }
    const xs = orderedLeastSquares(want, weight, l.map((v) => vs[v].w + NODE_GAP));
    l.forEach((v, i) => { vs[v].x = xs[i]; });
  };
  for (let i = 0; i < SWEEPS; i++) {
    for (let l = 1; l < layers.length; l++) settle(layers[l], 'preds');
    for (let l = layers.length - 2; l >= 0; l--) settle(layers[l], 'succs');
  }
  for (const l of layers) settle(l, 'both');
}

/** Edges into the middle of one box arrive side by side, in the order of where they come from. */
function spreadArrivals(vs: Vertex[]): void {
  for (const v of vs) {
    const centred = v.preds.filter((k) => k.toOff === v.w / 2);
    if (centred.length < 2) continue;
    centred.sort((a, b) => vs[a.from].x + a.fromOff - (vs[b.from].x + b.fromOff));
    const step = Math.min(ARRIVAL_GAP, (v.w - 8) / centred.length);
    centred.forEach((k, i) => { k.toOff = v.w / 2 + (i - (centred.length - 1) / 2) * step; });
  }
}

/**
 * The positions x minimising sum weight_i (x_i - want_i)^2 with x_{i+1} >= x_i + step_i:
 * with y_i = x_i - (step_0 + ... + step_{i-1}) it is isotonic regression, solved by pooling
 * adjacent violators.
 */
export function orderedLeastSquares(want: number[], weight: number[], step: number[]): number[] {
  const n = want.length;
  const offset = new Array<number>(n);
  let s = 0;
  for (let i = 0; i < n; i++) { offset[i] = s; s += step[i]; }
  // Blocks of pooled values: mean, total weight, count.
  const mean: number[] = [], wt: number[] = [], count: number[] = [];
  for (let i = 0; i < n; i++) {
    let m = want[i] - offset[i], w = weight[i], c = 1;
    while (mean.length && mean[mean.length - 1] > m) {
      const pm = mean.pop()!, pw = wt.pop()!, pc = count.pop()!;
      m = (pm * pw + m * w) / (pw + w);
      w += pw;
      c += pc;
    }
    mean.push(m); wt.push(w); count.push(c);
  }
  const xs: number[] = [];
  mean.forEach((m, b) => { for (let j = 0; j < count[b]; j++) xs.push(m + offset[xs.length]); });
  return xs;
}

function reversePoints(pts: number[]): void {
  for (let i = 0, j = pts.length - 2; i < j; i += 2, j -= 2) {
    [pts[i], pts[j]] = [pts[j], pts[i]];
    [pts[i + 1], pts[j + 1]] = [pts[j + 1], pts[i + 1]];
  }
}

function transpose(pts: number[]): number[] {
  const out = new Array<number>(pts.length);
  for (let i = 0; i < pts.length; i += 2) { out[i] = pts[i + 1]; out[i + 1] = pts[i]; }
  return out;
}
