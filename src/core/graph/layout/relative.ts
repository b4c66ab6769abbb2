/**
 * What both layout engines (elk-layout.ts, quick-layout.ts) share: a group's layout relative to its
 * own corner, how an edge's end names a member or a port, and how relative layouts nest into the
 * absolute geometry the view draws.
 */
import type { Box, Direction, EdgeGeometry, LayoutEdge, LayoutGroup, LayoutResult } from './types';

/** A group's layout relative to its own top-left corner. */
export interface Relative {
  w: number;
  h: number;
  items: Box[];
  edges: number[][];
  /** Offset along the border (x when DOWN, y when RIGHT) of each in-port and out-port. */
  inPorts: number[];
  outPorts: number[];
  title: Box | null;
}

/** One end of an edge inside a group: a member (through one of its ports when it is expanded), or the group's own port. */
export type EdgeEnd =
  | { kind: 'item'; index: number; port?: number }
  | { kind: 'in'; port: number }
  | { kind: 'out'; port: number };

/** Resolves `id` (and `port`, for an expanded member) of an edge of `g`; throws on a dangling end. */
export function resolveEnd(g: LayoutGroup, id: string, port: string | undefined, index: Map<string, number>, side: 'in' | 'out'): EdgeEnd {
  if (id.startsWith('^in:')) return { kind: 'in', port: g.inPorts.indexOf(id.slice(4)) };
  if (id.startsWith('^out:')) return { kind: 'out', port: g.outPorts.indexOf(id.slice(5)) };
  const i = index.get(id);
  if (i === undefined) throw new Error(`edge end '${id}' is not a member of group '${g.id}'`);
  if (port === undefined) return { kind: 'item', index: i };
  const sub = g.items[i].sub;
  const j = sub ? (side === 'out' ? sub.outPorts : sub.inPorts).indexOf(port) : -1;
  if (j < 0) throw new Error(`group '${sub?.id ?? id}' has no ${side}-port for '${port}'`);
  return { kind: 'item', index: i, port: j };
}

/** Members by id, in order. */
export function memberIndex(g: LayoutGroup): Map<string, number> {
  return new Map<string, number>(g.items.map((it, i) => [it.id, i]));
}

/**
 * Edges from an in-port start on the group's border, edges to an out-port end on it: extends
 * `pts` (relative to a group of size w x h) to the border.
 */
export function reachBorder(pts: number[], e: LayoutEdge, dir: Direction, w: number, h: number): void {
  if (pts.length < 2) return;
  const down = dir === 'DOWN';
  if (e.from.startsWith('^in:')) {
    if (down) pts.unshift(pts[0], 0); else pts.unshift(0, pts[1]);
  }
  if (e.to.startsWith('^out:')) {
    const n = pts.length;
    if (down) pts.push(pts[n - 2], h); else pts.push(w, pts[n - 1]);
  }
}

/** Nests the groups' relative layouts into `out`'s absolute boxes, titles and edges. */
export function place(g: LayoutGroup, rels: Map<LayoutGroup, Relative>, ox: number, oy: number, dir: Direction, out: LayoutResult): void {
  const rel = rels.get(g)!;
  g.items.forEach((it, i) => {
    const b = rel.items[i];
    const box = { x: ox + b.x, y: oy + b.y, w: b.w, h: b.h };
    out.boxes[it.id] = box;
    if (it.sub) {
      const t = rels.get(it.sub)!.title;
      if (t) out.titles[it.id] = { x: box.x + t.x, y: box.y + t.y, w: t.w, h: t.h };
      place(it.sub, rels, box.x, box.y, dir, out);
    }
  });
  g.edges.forEach((e, k) => {
    const pts = rel.edges[k];
    if (!pts || pts.length < 4) return;
    const abs = new Array<number>(pts.length);
    for (let j = 0; j < pts.length; j += 2) {
      abs[j] = pts[j] + ox;
      abs[j + 1] = pts[j + 1] + oy;
    }
    const edge: EdgeGeometry = {
      points: abs, from: e.from, to: e.to, value: e.value, group: g.id,
      arrow: e.toPort === undefined && !e.to.startsWith('^out:'),
      head: e.fromPort === undefined && !e.from.startsWith('^in:'),
    };
    out.edges.push(edge);
  });
}

/** Everything the layout depends on, without names: equal keys give equal layouts. */
export function shapeKey(g: LayoutGroup, subs: (Relative | undefined)[], index: Map<string, number>, dir: Direction, isRoot: boolean): string {
  const parts: string[] = [dir, isRoot ? 'r' : 'g', String(g.inPorts.length), String(g.outPorts.length), g.title ? `t${g.title.w}x${g.title.h}` : ''];
  g.items.forEach((it, i) => {
    const s = subs[i];
    parts.push(s ? `${s.w}x${s.h}[${s.inPorts.join(',')}|${s.outPorts.join(',')}]` : `${it.w}x${it.h}`);
  });
  for (const e of g.edges) parts.push(`${endpoint(g, e.from, e.fromPort, index, 'out')}>${endpoint(g, e.to, e.toPort, index, 'in')}`);
  return parts.join(';');
}

/** An edge's end without names: a port of the group (vi, vo) or a member by place, and its port. */
export function endpoint(g: LayoutGroup, id: string, port: string | undefined, index: Map<string, number>, side: 'in' | 'out'): string {
  const end = resolveEnd(g, id, port, index, side);
  if (end.kind === 'in') return `vi${end.port}`;
  if (end.kind === 'out') return `vo${end.port}`;
  return end.port === undefined ? `n${end.index}` : `n${end.index}.${side === 'out' ? 'o' : 'i'}${end.port}`;
}
