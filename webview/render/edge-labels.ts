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
  // Cells by number, not by string: this runs for every edge of a first frame.
  const grid = new Map<number, Segment[]>();
  const boxes = new Map<number, Box[]>();
  const add = <T>(m: Map<number, T[]>, b: Box, x: T): void => {
    const cx1 = Math.floor((b.x + b.w) / CELL), cy0 = Math.floor(b.y / CELL), cy1 = Math.floor((b.y + b.h) / CELL);
    for (let cx = Math.floor(b.x / CELL); cx <= cx1; cx++) {
      for (let cy = cy0; cy <= cy1; cy++) {
        const k = cellKey(cx, cy), l = m.get(k);
        if (l) l.push(x); else m.set(k, [x]);
      }
    }
  };
  edges.forEach((e, edge) => {
    const p = e.points;
    for (let i = 0; i + 3 < p.length; i += 2) {
      const s = segment(edge, p[i], p[i + 1], p[i + 2], p[i + 3]);
      add(grid, s, s);
    }
  });
  for (const b of obstacles) add(boxes, b, b);

  const clear = (b: Box, own: number): boolean => {
    const cx1 = Math.floor((b.x + b.w) / CELL), cy0 = Math.floor(b.y / CELL), cy1 = Math.floor((b.y + b.h) / CELL);
    for (let cx = Math.floor(b.x / CELL); cx <= cx1; cx++) {
      for (let cy = cy0; cy <= cy1; cy++) {
        const k = cellKey(cx, cy);
        for (const s of grid.get(k) ?? NONE) if (s.edge !== own && overlaps(b, s)) return false;
        for (const o of boxes.get(k) ?? NONE) if (overlaps(b, o)) return false;
      }
    }
    return true;
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
    add(boxes, label.box, label.box);
  }
  return out;
}

const NONE: never[] = [];

/** An edge's segment as the box its line covers. */
interface Segment extends Box { edge: number }

function segment(edge: number, x0: number, y0: number, x1: number, y1: number): Segment {
  // Lines are drawn ~1.5 px wide.
  return { edge, x: Math.min(x0, x1) - 1, y: Math.min(y0, y1) - 1, w: Math.abs(x1 - x0) + 2, h: Math.abs(y1 - y0) + 2 };
}

/** One number per grid cell (a million cells each way, around 0). */
function cellKey(cx: number, cy: number): number {
  return (cx + 2 ** 20) * 2 ** 21 + (cy + 2 ** 20);
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y;
}
