/**
 * Edgewise's own layered layout: milliseconds for hundreds of boxes, the same request and answer
 * as elkjs's (elk-layout.ts), the same spacing and orthogonal edges. The page makes it: for a
 * first frame, and as the settled layout of a view whose groups all have at most
 * OWN_LAYOUT_MAX_ITEMS members, where it is measured as good as elkjs's (fewer bends and crossings,
 * no shared edge lines, about the same area: bench/layout-quality.ts) at a hundredth of the time.
 * elkjs lays out views with larger groups. Each expanded group is laid out on its own, children
 * first, as elk-layout.ts does:
 *   layers   longest path from the sources (cycles broken by depth-first search, sources moved
 *            down next to their first consumer), in-ports first and out-ports last;
 *   order    from the request's (model) order, fewest crossings (layer-order.ts);
 *   across   Brandes-Koepf: edges straight wherever the order allows (bk-placement.ts);
 *   edges    down from the producer, across at a height of their own in the gap (edge-slots.ts),
 *            down into the consumer.
 * Works top-to-bottom; RIGHT is the same layout transposed.
 */
import { placeAcross } from './bk-placement';
import { assignSlots, type Run } from './edge-slots';
import { orderLayers } from './layer-order';
import { memberIndex, place, reachBorder, resolveEnd, shapeKey, type EdgeEnd, type Relative } from './relative';
import { GROUP_HEADER, GROUP_PAD, type Direction, type LayoutGroup, type LayoutResult } from './types';

/** As elk-layout.ts's BASE_OPTIONS: between layers, between boxes in a layer. */
const LAYER_GAP = 34;
const NODE_GAP = 22;
/** Width kept for a long edge passing through a layer. */
const LANE = 10;
/** Between edges arriving side by side at one box. */
const ARRIVAL_GAP = 12;
/** As elk-layout.ts's BASE_OPTIONS: from a box to the nearest horizontal run of an edge, between runs. */
const EDGE_NODE_GAP = 12;
const EDGE_GAP = 8;
/** Least room between boxes, between a box and a long edge's lane, between two lanes (elk-layout.ts's spacing). */
const GAPS = { node: NODE_GAP, nodeLane: 12, lane: 8 };

/** The largest group measured (bench/layout-quality.ts) has 223 members. */
export const OWN_LAYOUT_MAX_ITEMS = 250;

/** Whether this module's layout of `root` is its settled layout: no group has more members than OWN_LAYOUT_MAX_ITEMS. */
export function ownLayoutFits(root: LayoutGroup): boolean {
  return root.items.length <= OWN_LAYOUT_MAX_ITEMS && root.items.every((it) => !it.sub || ownLayoutFits(it.sub));
}

/** Lays out `root` and its expanded groups; `laidOut` counts the groups, `elkMs` is 0. */
export function quickLayout(root: LayoutGroup, direction: Direction): LayoutResult {
  const rels = new Map<LayoutGroup, Relative>();
  // A group's layout depends on its shape alone: copies of a block (a transformer's layers) are laid out once.
  const byShape = new Map<string, Relative>();
  const walk = (g: LayoutGroup, isRoot: boolean): Relative => {
    const subs = g.items.map((it) => (it.sub ? walk(it.sub, false) : undefined));
    const key = shapeKey(g, subs, memberIndex(g), direction, isRoot);
    let rel = byShape.get(key);
    if (!rel) byShape.set(key, (rel = layoutGroup(g, subs, direction, isRoot)));
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
  /** A long edge's point in a layer it passes. */
  lane: boolean;
  preds: Link[];
  succs: Link[];
}

/** A segment between adjacent layers; offsets are where it leaves `from` and enters `to`, from their left sides. */
interface Link { from: number; to: number; fromOff: number; toOff: number }

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
    for (let l = vs[a.v].layer + 1; l < vs[b.v].layer; l++) chain.push(vs.push(vertex(LANE, 0, undefined, l, true)) - 1);
    chain.push(b.v);
    return chain.slice(1).map((to, j) => {
      const link: Link = { from: chain[j], to, fromOff: j === 0 ? a.off : LANE / 2, toOff: j + 2 === chain.length ? b.off : LANE / 2 };
      vs[link.from].succs.push(link);
      vs[to].preds.push(link);
      return link;
    });
  });
  const layers = orderLayers(vs, title);
  spreadArrivals(vs);
  const xs = placeAcross(vs, layers, GAPS);
  vs.forEach((v, i) => { v.x = xs[i]; });

  // The horizontal runs of edges in each gap between layers, each at its own height.
  let minX = Infinity, maxX = -Infinity;
  for (const v of vs) { minX = Math.min(minX, v.x); maxX = Math.max(maxX, v.x + v.w); }
  const pad = isRoot ? 24 : GROUP_PAD;
  const shift = pad - (Number.isFinite(minX) ? minX : 0);
  for (const v of vs) v.x += shift;
  const width = Math.max(2 * pad, maxX + shift + pad);
  const runs: Run[][] = layers.map(() => []);
  const runOf = chains.map((links) => links.map((link) => {
    const a = vs[link.from], x0 = a.x + link.fromOff, x1 = vs[link.to].x + link.toOff;
    return Math.abs(x0 - x1) > 0.5 ? runs[a.layer].push({ x0, x1, source: `${link.from}:${link.fromOff}` }) - 1 : -1;
  }));
  const slots = runs.map(assignSlots);
  const gapH = slots.map((s) => Math.max(LAYER_GAP, 2 * EDGE_NODE_GAP + (s.count - 1) * EDGE_GAP));

  // Rows: each layer as high as its tallest box, boxes centred in it.
  const top = isRoot ? 24 : title >= 0 ? 6 : GROUP_HEADER + 6;
  const rowTop: number[] = [];
  const rowH = layers.map((l) => l.reduce((m, v) => Math.max(m, vs[v].h), 0));
  let y = top;
  rowH.forEach((h, l) => { rowTop.push(y); y += h + (l + 1 < rowH.length ? gapH[l] : 0); });
  const height = y + pad;
  // The title is the leftmost box of the first layer: on the left border it stays clear of edges.
  if (title >= 0) vs[title].x = pad;
  const vy = (v: Vertex): number => rowTop[v.layer] + (rowH[v.layer] - v.h) / 2;
  const runY = (l: number, r: number): number => {
    const { slot, count } = slots[l];
    return rowTop[l] + rowH[l] + (gapH[l] - (count - 1) * EDGE_GAP) / 2 + slot[r] * EDGE_GAP;
  };

  const edges = chains.map((links, k) => {
    const pts: number[] = [];
    links.forEach((link, j) => {
      const a = vs[link.from], b = vs[link.to];
      const x0 = a.x + link.fromOff, x1 = b.x + link.toOff;
      pts.push(x0, j === 0 ? vy(a) + a.h : rowTop[a.layer] + rowH[a.layer]);
      const r = runOf[k][j];
      if (r >= 0) pts.push(x0, runY(a.layer, r), x1, runY(a.layer, r));
      pts.push(x1, j + 1 === links.length ? vy(b) : rowTop[b.layer]);
    });
    straighten(pts);
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

function vertex(w: number, h: number, pin?: 'first' | 'last', layer = 0, lane = false): Vertex {
  return { w, h, layer, x: 0, pos: 0, pin, lane, preds: [], succs: [] };
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

/** Edges into the middle of one box arrive side by side, in the order of where they come from. */
function spreadArrivals(vs: Vertex[]): void {
  for (const v of vs) {
    const centred = v.preds.filter((k) => k.toOff === v.w / 2);
    if (centred.length < 2) continue;
    // Their sources are ordered in the layer above (long edges pass it in lanes).
    centred.sort((a, b) => vs[a.from].pos - vs[b.from].pos || a.fromOff - b.fromOff);
    const step = Math.min(ARRIVAL_GAP, (v.w - 8) / centred.length);
    centred.forEach((k, i) => { k.toOff = v.w / 2 + (i - (centred.length - 1) / 2) * step; });
  }
}

/** Drops the points in the middle of straight stretches (a long edge passing layers). */
function straighten(pts: number[]): void {
  let n = 2;
  for (let i = 2; i < pts.length; i += 2) {
    const px = pts[n - 2], py = pts[n - 1], x = pts[i], y = pts[i + 1];
    if (Math.abs(x - px) < 0.01 && Math.abs(y - py) < 0.01) continue;
    if (n >= 4) {
      const ox = pts[n - 4], oy = pts[n - 3];
      if ((Math.abs(ox - px) < 0.01 && Math.abs(px - x) < 0.01) || (Math.abs(oy - py) < 0.01 && Math.abs(py - y) < 0.01)) { pts[n - 2] = x; pts[n - 1] = y; continue; }
    }
    pts[n++] = x; pts[n++] = y;
  }
  pts.length = n;
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
