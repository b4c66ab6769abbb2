/**
 * Where the shape labels of edges go: one per value leaving a producer, beside the first segment
 * of its edge, on the first side (right, left, then the same further along) where no other edge,
 * box, group title or label is in the way. Placed once per layout, with a grid of segments.
 */
import type { Box } from '../../src/core/graph/layout/types';

export interface EdgeLabel {
  text: string;
  /** Anchor of the text (vertical middle); `align` says which end x is. */
  x: number;
  y: number;
  align: 'left' | 'right';
  /** The space the text takes. */
  box: Box;
}

export interface LabelledEdge { points: ArrayLike<number> }

/** Mono 10 px: the width the scene draws shape labels in, per character. */
export const LABEL_CHAR_W = 6.1;
const LABEL_H = 12;
const CELL = 64;

/**
 * `wanted`: per edge to label, its text. `obstacles`: boxes labels must keep off (items, titles).
 */
export function placeEdgeLabels(edges: readonly LabelledEdge[], wanted: ReadonlyMap<number, string>, obstacles: readonly Box[]): EdgeLabel[] {
  const grid = new Map<string, { edge: number; x0: number; y0: number; x1: number; y1: number }[]>();
  const boxes = new Map<string, Box[]>();
  const cells = (b: Box, f: (key: string) => void): void => {
    for (let cx = Math.floor(b.x / CELL); cx <= Math.floor((b.x + b.w) / CELL); cx++) {
      for (let cy = Math.floor(b.y / CELL); cy <= Math.floor((b.y + b.h) / CELL); cy++) f(`${cx},${cy}`);
    }
  };
  const addBox = (b: Box): void => cells(b, (k) => { const l = boxes.get(k); if (l) l.push(b); else boxes.set(k, [b]); });
  edges.forEach((e, edge) => {
    const p = e.points;
    for (let i = 0; i + 3 < p.length; i += 2) {
      const s = { edge, x0: p[i], y0: p[i + 1], x1: p[i + 2], y1: p[i + 3] };
      cells(segmentBox(s), (k) => { const l = grid.get(k); if (l) l.push(s); else grid.set(k, [s]); });
    }
  });
  for (const b of obstacles) addBox(b);

  const clear = (b: Box, own: number): boolean => {
    let ok = true;
    cells(b, (k) => {
      if (!ok) return;
      for (const s of grid.get(k) ?? []) if (s.edge !== own && overlaps(b, segmentBox(s))) { ok = false; return; }
      for (const o of boxes.get(k) ?? []) if (overlaps(b, o)) { ok = false; return; }
    });
    return ok;
  };

  const out: EdgeLabel[] = [];
  for (const [edge, text] of wanted) {
    const p = edges[edge].points;
    if (p.length < 4) continue;
    const x0 = p[0], y0 = p[1];
    const vertical = Math.abs(p[2] - x0) < Math.abs(p[3] - y0);
    const along = vertical ? Math.abs(p[3] - y0) : Math.abs(p[2] - x0);
    const w = text.length * LABEL_CHAR_W;
    const at = (x: number, y: number, align: 'left' | 'right'): EdgeLabel =>
      ({ text, x, y, align, box: { x: align === 'left' ? x - 1 : x - w - 1, y: y - LABEL_H / 2, w: w + 2, h: LABEL_H } });
    const candidates: EdgeLabel[] = [];
    // Down: right of the segment, else left; right: below it, else above; then a line further along.
    for (const d of [11, 25]) {
      if (d > 11 && d + LABEL_H / 2 > along) break;
      if (vertical) candidates.push(at(x0 + 6, y0 + d, 'left'), at(x0 - 6, y0 + d, 'right'));
      else candidates.push(at(x0 + 6 + d - 11, y0 + 11, 'left'), at(x0 + 6 + d - 11, y0 - 11, 'left'));
    }
    const label = candidates.find((c) => clear(c.box, edge)) ?? candidates[0];
    out.push(label);
    addBox(label.box);
  }
  return out;
}

function segmentBox(s: { x0: number; y0: number; x1: number; y1: number }): Box {
  const x = Math.min(s.x0, s.x1), y = Math.min(s.y0, s.y1);
  // Lines are drawn ~1.5 px wide.
  return { x: x - 1, y: y - 1, w: Math.abs(s.x1 - s.x0) + 2, h: Math.abs(s.y1 - s.y0) + 2 };
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y;
}
