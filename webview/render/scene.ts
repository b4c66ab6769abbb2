/**
 * The drawable scene: boxes and edges from a layout, drawn through a Painter with culling and
 * level of detail (op labels from 35% zoom, attributes and edge shapes from 80%).
 */
import type { ViewGroup } from '../../src/core/graph/hierarchy';
import type { Box, EdgeGeometry, LayoutResult } from '../../src/core/graph/layout/types';
import { GROUP_HEADER } from '../../src/core/graph/layout/types';
import { GraphModel, collapsedSubtitle, openSubtitle, type Leaf } from '../../src/core/graph/graph-model';
import { shortShape } from '../../src/core/graph/ops';
import { categoryColours, signatureHue, type Theme } from './theme';
import type { Painter } from './painter';
import { placeEdgeLabels, type EdgeLabel } from './edge-labels';

/** Op labels show from this zoom; below it the scene draws in fast mode. */
export const LABEL_SCALE = 0.35;
/** Attribute lines and edge shape labels show from this zoom. */
export const DETAIL_SCALE = 0.8;

export interface SceneItem extends Box {
  id: string;
  kind: 'node' | 'input' | 'output' | 'group' | 'open';
  leaf?: Leaf;
  group?: ViewGroup;
  depth: number;
  /** An expanded group's title box (top-to-bottom layouts). */
  title?: Box;
}

export interface SceneEdge extends EdgeGeometry {
  minX: number; minY: number; maxX: number; maxY: number;
}

export interface DrawState {
  theme: Theme;
  scale: number;
  /** Visible world rectangle. */
  view: Box;
  selected: string | null;
  highlighted: ReadonlySet<string>;
  /** Overlay fill per item id (nodes and collapsed groups). */
  overlay: ReadonlyMap<string, string> | null;
  /** Short text on an item's top-right corner (a diff's 'INT8', 'fused'). */
  badges?: ReadonlyMap<string, string> | null;
}

export class Scene {
  readonly items: SceneItem[] = [];
  readonly byId = new Map<string, SceneItem>();
  readonly open: SceneItem[] = [];
  readonly edges: SceneEdge[] = [];
  readonly width: number;
  readonly height: number;
  private placedLabels: EdgeLabel[] | null = null;

  constructor(readonly model: GraphModel, layout: LayoutResult) {
    this.width = layout.width;
    this.height = layout.height;
    for (const [id, b] of Object.entries(layout.boxes)) {
      let item: SceneItem;
      if (id.startsWith('G:')) {
        const group = model.group(id.slice(2))!;
        const kind = layout.boxes[id] && isOpen(layout, group) ? 'open' : 'group';
        item = { id, ...b, kind, group, depth: group.depth, title: layout.titles?.[id] };
      } else {
        const leaf = model.leaves.get(id)!;
        item = { id, ...b, kind: leaf.kind, leaf, depth: 99 };
      }
      this.byId.set(id, item);
      if (item.kind === 'open') this.open.push(item); else this.items.push(item);
    }
    this.open.sort((a, b) => a.depth - b.depth);
    for (const e of layout.edges) {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (let i = 0; i < e.points.length; i += 2) {
        const x = e.points[i], y = e.points[i + 1];
        if (x < minX) minX = x; if (x > maxX) maxX = x;
        if (y < minY) minY = y; if (y > maxY) maxY = y;
      }
      this.edges.push({ ...e, minX, minY, maxX, maxY });
    }
  }

  /** The item under a world point: a node or collapsed group first, else an open group's header. */
  hit(x: number, y: number): { item: SceneItem; header: boolean } | null {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i];
      if (x >= it.x && x <= it.x + it.w && y >= it.y && y <= it.y + it.h) return { item: it, header: false };
    }
    for (let i = this.open.length - 1; i >= 0; i--) {
      const it = this.open[i];
      if (x >= it.x && x <= it.x + it.w && y >= it.y && y <= it.y + it.h) return { item: it, header: inHeader(it, x, y) };
    }
    return null;
  }

  draw(p: Painter, s: DrawState, fast?: FastPainter): void {
    const v = s.view;
    const inView = (b: Box): boolean => b.x <= v.x + v.w && b.x + b.w >= v.x && b.y <= v.y + v.h && b.y + b.h >= v.y;
    const t = s.theme;
    const labels = s.scale >= LABEL_SCALE;
    const details = s.scale >= DETAIL_SCALE;
    for (const g of this.open) if (inView(g)) this.drawOpen(p, g, s, labels);

    const visibleEdges: SceneEdge[] = [];
    for (const e of this.edges) {
      if (e.maxX >= v.x && e.minX <= v.x + v.w && e.maxY >= v.y && e.minY <= v.y + v.h) visibleEdges.push(e);
    }
    const sel = s.selected;
    if (fast && !labels) {
      fast.edges(visibleEdges, t.edge, 1 / s.scale);
    } else {
      const lw = Math.max(1, 1.2 / Math.max(s.scale, 0.5));
      for (const e of visibleEdges) {
        const on = sel !== null && (e.from === sel || e.to === sel);
        p.polyline(e.points, on ? t.focus : t.edge, on ? lw * 2 : lw, labels ? 6 : 0);
        if (e.arrow) p.polygon(arrowHead(e.points, 7, 4.5), on ? t.focus : t.edge);
      }
      if (details) {
        const font = { font: `10px ${t.monoFont}`, colour: t.muted };
        for (const l of this.labels) if (inView(l.box)) p.text(l.text, l.x, l.y, { ...font, align: l.align });
      }
    }

    const visible: SceneItem[] = [];
    for (const it of this.items) if (inView(it)) visible.push(it);
    if (fast && !labels) {
      fast.boxes(visible, (it) => fillOf(it, s), s.selected, s.highlighted, t);
      return;
    }
    for (const it of visible) {
      if (it.kind === 'group') this.drawGroup(p, it, s, labels);
      else this.drawLeaf(p, it, s, labels, details);
    }
  }

  private drawLeaf(p: Painter, it: SceneItem, s: DrawState, labels: boolean, details: boolean): void {
    const t = s.theme;
    const leaf = it.leaf!;
    const c = categoryColours(leaf.category, t);
    const fill = s.overlay ? (s.overlay.get(it.id) ?? (t.dark ? '#333' : '#e8e8e8')) : c.fill;
    const r = leaf.kind === 'node' ? 6 : it.h / 2;
    p.rect(it.x, it.y, it.w, it.h, r, fill, c.border, 1);
    if (leaf.kind === 'node' && !s.overlay) p.rect(it.x + 1, it.y + 5, 3, it.h - 10, 1.5, c.accent, null);
    this.drawFocus(p, it, s, r);
    if (!labels) return;
    const fg = s.overlay ? textOn(fill, t) : t.foreground;
    if (leaf.kind !== 'node') {
      p.text(leaf.label, it.x + it.w / 2, it.y + it.h / 2, { font: `12px ${t.font}`, colour: fg, align: 'center' }, it.w - 16);
      return;
    }
    const badge = s.badges?.get(it.id);
    if (badge) {
      const w = Math.min(it.w / 2, 7 * badge.length + 8);
      p.rect(it.x + it.w - w - 2, it.y - 7, w, 14, 7, t.dark ? '#e6e6e6' : '#333', null);
      p.text(badge, it.x + it.w - 2 - w / 2, it.y, { font: `600 9.5px ${t.font}`, colour: t.dark ? '#111' : '#fff', align: 'center' }, w - 4);
    }
    const hasDetail = details && leaf.detail;
    p.text(leaf.label, it.x + it.w / 2, it.y + (hasDetail ? 14 : it.h / 2), { font: `600 12.5px ${t.font}`, colour: fg, align: 'center' }, it.w - 12);
    if (hasDetail) p.text(leaf.detail, it.x + it.w / 2, it.y + 28, { font: `10.5px ${t.font}`, colour: s.overlay ? fg : t.muted, align: 'center' }, it.w - 10);
  }

  private drawGroup(p: Painter, it: SceneItem, s: DrawState, labels: boolean): void {
    const t = s.theme;
    const g = it.group!;
    const fill = s.overlay?.get(it.id) ?? (t.dark ? '#252526' : '#ffffff');
    const border = t.dark ? 'rgba(255,255,255,0.35)' : 'rgba(0,0,0,0.3)';
    // A stack of cards says "there is more inside".
    p.rect(it.x + 6, it.y + 6, it.w, it.h, 7, t.dark ? '#1b1b1c' : '#ececec', border, 1);
    p.rect(it.x + 3, it.y + 3, it.w, it.h, 7, t.dark ? '#202021' : '#f4f4f4', border, 1);
    p.rect(it.x, it.y, it.w, it.h, 7, fill, border, 1);
    if (g.repeat) p.rect(it.x + 1, it.y + 6, 4, it.h - 12, 2, `hsl(${signatureHue(g.signature)} 65% ${t.dark ? 60 : 45}%)`, null);
    // Composition bar: the share of each op category inside.
    const comp = this.model.composition.get(g.id) ?? [];
    const barX = it.x + 12, barW = it.w - 24, barY = it.y + it.h - 10;
    let x = barX;
    for (const [cat, n] of comp) {
      const w = (barW * n) / g.size;
      if (w >= 0.5) p.rect(x, barY, w, 4, 0, categoryColours(cat, t).accent, null);
      x += w;
    }
    this.drawFocus(p, it, s, 7);
    if (!labels) return;
    const fg = s.overlay?.get(it.id) ? textOn(fill, t) : t.foreground;
    p.text(g.label, it.x + 12, it.y + 16, { font: `600 12.5px ${t.font}`, colour: fg }, it.w - 24);
    const sub = collapsedSubtitle(g);
    p.text(sub, it.x + 12, it.y + 33, { font: `11px ${t.font}`, colour: s.overlay?.get(it.id) ? fg : t.muted }, it.w - 24);
  }

  private drawOpen(p: Painter, it: SceneItem, s: DrawState, labels: boolean): void {
    const t = s.theme;
    const g = it.group!;
    p.rect(it.x, it.y, it.w, it.h, 8, t.groupFill, s.selected === it.id ? t.focus : t.groupBorder, s.selected === it.id ? 2 : 1);
    if (g.repeat) p.rect(it.x, it.y + 8, 3, it.h - 16, 1.5, `hsl(${signatureHue(g.signature)} 65% ${t.dark ? 60 : 45}%)`, null);
    if (!labels) return;
    const head = `▾  ${g.label}`;
    const sub = openSubtitle(g);
    if (it.title) {
      // Title and subtitle on one line inside the title box (in-edges pass to its right).
      const tb = it.title;
      const font = `600 12px ${t.font}`;
      const y = tb.y + tb.h / 2 + 1;
      const w = Math.min(tb.w - 10, this.model.options.measure(head, true) + 4);
      p.text(head, tb.x + 4, y, { font, colour: t.foreground }, w);
      p.text(sub, tb.x + 4 + w + 8, y, { font: `11px ${t.font}`, colour: t.muted }, Math.max(0, tb.w - w - 16));
      return;
    }
    p.text(head, it.x + 10, it.y + GROUP_HEADER / 2 + 1, { font: `600 12px ${t.font}`, colour: t.foreground }, it.w - 20);
    p.text(sub, it.x + it.w - 10, it.y + GROUP_HEADER / 2 + 1, { font: `11px ${t.font}`, colour: t.muted, align: 'right' }, Math.max(0, it.w / 2 - 10));
  }

  private drawFocus(p: Painter, it: SceneItem, s: DrawState, r: number): void {
    if (s.highlighted.has(it.id)) p.rect(it.x - 4, it.y - 4, it.w + 8, it.h + 8, r + 3, null, s.theme.highlight, 2.5);
    if (s.selected === it.id) p.rect(it.x - 2.5, it.y - 2.5, it.w + 5, it.h + 5, r + 2, null, s.theme.focus, 2.5);
  }

  /**
   * The shape labels: one per value leaving a producer (even when its edge forks), placed where
   * no edge, box or group title is in the way (edge-labels.ts). Placed when first drawn.
   */
  get labels(): EdgeLabel[] {
    if (!this.placedLabels) {
      const wanted = new Map<number, string>();
      const labelled = new Set<string>();
      this.edges.forEach((e, i) => {
        const shape = this.model.graph.values[e.value]?.shape;
        if (!e.head || !shape || labelled.has(e.from + '|' + e.value)) return;
        labelled.add(e.from + '|' + e.value);
        wanted.set(i, shortShape(shape));
      });
      const titles = this.open.map((g) => g.title ?? { x: g.x, y: g.y, w: g.w, h: GROUP_HEADER });
      this.placedLabels = placeEdgeLabels(this.edges, wanted, [...this.items, ...titles]);
    }
    return this.placedLabels;
  }

  /** What the scene covers, its shape labels included. */
  get bounds(): Box {
    let x0 = 0, y0 = 0, x1 = this.width, y1 = this.height;
    for (const { box: b } of this.labels) {
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y); x1 = Math.max(x1, b.x + b.w); y1 = Math.max(y1, b.y + b.h);
    }
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }
}

/** The click target that toggles an expanded group: its title box, else the top band. */
function inHeader(it: SceneItem, x: number, y: number): boolean {
  const t = it.title;
  if (t) return x >= t.x - 4 && x <= t.x + t.w + 4 && y >= it.y && y <= t.y + t.h + 4;
  return y <= it.y + GROUP_HEADER;
}

function isOpen(layout: LayoutResult, g: ViewGroup): boolean {
  // An expanded group's members have boxes; a collapsed one's do not.
  for (const c of g.groups) if (layout.boxes[`G:${c}`]) return true;
  for (const i of g.nodes) if (layout.boxes[`N${i}`]) return true;
  return false;
}

function fillOf(it: SceneItem, s: DrawState): string {
  if (s.overlay) return s.overlay.get(it.id) ?? (s.theme.dark ? '#333' : '#e8e8e8');
  if (it.kind === 'group') return s.theme.dark ? '#3a3a3c' : '#dddddd';
  return categoryColours(it.leaf!.category, s.theme).border;
}

/** Dark or light text for a filled background given as hsl()/rgb()/#hex. */
function textOn(fill: string, t: Theme): string {
  const m = fill.match(/hsl\(\s*[\d.]+\s+[\d.]+%\s+([\d.]+)%/);
  if (m) return Number(m[1]) > 55 ? '#111' : '#f5f5f5';
  const rgb = fill.match(/rgb\((\d+),\s*(\d+),\s*(\d+)\)/);
  if (rgb) return 0.2126 * Number(rgb[1]) + 0.7152 * Number(rgb[2]) + 0.0722 * Number(rgb[3]) > 140 ? '#111' : '#f5f5f5';
  return t.foreground;
}

export function arrowHead(p: ArrayLike<number>, len: number, half: number): number[] {
  const n = p.length;
  const x1 = p[n - 2], y1 = p[n - 1];
  let x0 = p[n - 4], y0 = p[n - 3];
  const dx = x1 - x0, dy = y1 - y0;
  const d = Math.hypot(dx, dy) || 1;
  const ux = dx / d, uy = dy / d;
  x0 = x1 - ux * len;
  y0 = y1 - uy * len;
  return [x1, y1, x0 - uy * half, y0 + ux * half, x0 + uy * half, y0 - ux * half];
}

/** The zoomed-out fast path: one batched path for edges, one fill per colour for boxes. */
export interface FastPainter {
  edges(edges: SceneEdge[], colour: string, lineWidth: number): void;
  boxes(items: SceneItem[], fill: (it: SceneItem) => string, selected: string | null, highlighted: ReadonlySet<string>, t: Theme): void;
}

export class CanvasFastPainter implements FastPainter {
  constructor(readonly ctx: CanvasRenderingContext2D) {}

  edges(edges: SceneEdge[], colour: string, lineWidth: number): void {
    const c = this.ctx;
    c.beginPath();
    for (const e of edges) {
      const p = e.points;
      c.moveTo(p[0], p[1]);
      for (let i = 2; i < p.length; i += 2) c.lineTo(p[i], p[i + 1]);
    }
    c.strokeStyle = colour;
    c.lineWidth = lineWidth;
    c.stroke();
  }

  boxes(items: SceneItem[], fill: (it: SceneItem) => string, selected: string | null, highlighted: ReadonlySet<string>, t: Theme): void {
    const c = this.ctx;
    const byFill = new Map<string, SceneItem[]>();
    for (const it of items) {
      const f = fill(it);
      let list = byFill.get(f);
      if (!list) byFill.set(f, (list = []));
      list.push(it);
    }
    for (const [f, list] of byFill) {
      c.beginPath();
      for (const it of list) c.rect(it.x, it.y, it.w, it.h);
      c.fillStyle = f;
      c.fill();
    }
    const ring = (it: SceneItem, colour: string, pad: number): void => {
      c.strokeStyle = colour;
      c.lineWidth = 3 / c.getTransform().a;
      c.strokeRect(it.x - pad, it.y - pad, it.w + 2 * pad, it.h + 2 * pad);
    };
    for (const it of items) if (highlighted.has(it.id)) ring(it, t.highlight, 6);
    const s = selected ? items.find((it) => it.id === selected) : undefined;
    if (s) ring(s, t.focus, 3);
  }
}
