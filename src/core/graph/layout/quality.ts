/**
 * Measures of a layout's geometry, to compare layouts of the same request (bench/layout-quality.ts,
 * the layout tests): bends, crossings of horizontal and vertical edge segments, horizontal runs of
 * different edges on one line (a fork's branches excepted), segments through boxes, diagonal
 * segments, total edge length and area.
 */
import type { LayoutResult } from './types';

export interface LayoutQuality { width: number; height: number; length: number; bends: number; crossings: number; sharedLines: number; throughBoxes: number; diagonals: number }

type Segment = { x0: number; y0: number; x1: number; y1: number; edge: number };
const near = (a: number, b: number) => Math.abs(a - b) < 1;

export function layoutQuality(r: LayoutResult): LayoutQuality {
  const segs: Segment[] = [];
  let length = 0, bends = 0;
  r.edges.forEach((e, edge) => {
    const p = e.points;
    for (let i = 0; i + 3 < p.length; i += 2) {
      if (near(p[i], p[i + 2]) && near(p[i + 1], p[i + 3])) continue;
      segs.push({ x0: p[i], y0: p[i + 1], x1: p[i + 2], y1: p[i + 3], edge });
      length += Math.hypot(p[i + 2] - p[i], p[i + 3] - p[i + 1]);
    }
    // A bend: the direction changes (points along a straight stretch are not bends).
    for (let i = 2; i + 3 < p.length; i += 2) {
      const ax = p[i] - p[i - 2], ay = p[i + 1] - p[i - 1], bx = p[i + 2] - p[i], by = p[i + 3] - p[i + 1];
      if (Math.abs(ax * by - ay * bx) > 0.01 * (Math.abs(ax) + Math.abs(ay)) * (Math.abs(bx) + Math.abs(by))) bends++;
    }
  });
  const across = segs.filter((s) => near(s.y0, s.y1) && !near(s.x0, s.x1));
  const down = segs.filter((s) => near(s.x0, s.x1) && !near(s.y0, s.y1));
  const inside = (v: number, a: number, b: number) => v > Math.min(a, b) + 0.5 && v < Math.max(a, b) - 0.5;
  let crossings = 0, sharedLines = 0, throughBoxes = 0;
  for (const a of across) for (const b of down) if (a.edge !== b.edge && inside(b.x0, a.x0, a.x1) && inside(a.y0, b.y0, b.y1)) crossings++;
  for (let i = 0; i < across.length; i++) {
    for (let j = i + 1; j < across.length; j++) {
      const a = across[i], b = across[j];
      if (a.edge === b.edge || !near(a.y0, b.y0) || r.edges[a.edge].from === r.edges[b.edge].from) continue;
      const lo = Math.max(Math.min(a.x0, a.x1), Math.min(b.x0, b.x1)), hi = Math.min(Math.max(a.x0, a.x1), Math.max(b.x0, b.x1));
      if (hi - lo > 1) sharedLines++;
    }
  }
  const boxes = Object.entries(r.boxes).filter(([id]) => !id.startsWith('G:'));
  for (const s of segs) {
    const e = r.edges[s.edge];
    for (const [id, b] of boxes) {
      if (id === e.from || id === e.to) continue;
      if (Math.max(s.x0, s.x1) > b.x + 1 && Math.min(s.x0, s.x1) < b.x + b.w - 1 && Math.max(s.y0, s.y1) > b.y + 1 && Math.min(s.y0, s.y1) < b.y + b.h - 1) throughBoxes++;
    }
  }
  return { width: r.width, height: r.height, length, bends, crossings, sharedLines, throughBoxes, diagonals: segs.length - across.length - down.length };
}
