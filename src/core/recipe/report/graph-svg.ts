/**
 * A model's main graph as one SVG for the CI report: boxes laid out by elkjs (the layout the graph
 * view uses, flat: no groups), filled by an overlay's value per node, with the value in each box's
 * tooltip and a legend. Constants are not drawn (they are node weights), as in the graph view.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import { Layouter } from '../../graph/layout/elk-layout';
import type { LayoutEdge, LayoutGroup, LayoutItem } from '../../graph/layout/types';
import type { ViewGraph } from '../../graph/types';
import { esc, ramp } from './svg';
import { formatNumber } from '../../base/units';

export interface GraphOverlay {
  label: string;
  unit: string;
  /** Value per ViewNode.id. */
  values: Record<string, number>;
  /** Higher values are better (SQNR): the ramp runs the other way, so bad is always bright. */
  higherIsBetter?: boolean;
}

/** Beyond this many nodes a flat layout takes too long for a report; the report says so instead. */
export const MAX_GRAPH_NODES = 1500;

const BOX_H = 26;
const boxWidth = (op: string) => Math.max(64, 7 * op.length + 20);

export async function graphSvg(g: ViewGraph, overlay: GraphOverlay | undefined): Promise<string> {
  if (g.nodes.length > MAX_GRAPH_NODES) throw new Error(`${g.nodes.length} nodes: over the ${MAX_GRAPH_NODES} a report draws`);
  const producer = new Map<string, string>();
  const items: LayoutItem[] = [];
  for (const t of g.inputs) { items.push({ id: `in:${t.name}`, w: boxWidth(t.name), h: BOX_H }); producer.set(t.name, `in:${t.name}`); }
  for (const n of g.nodes) { items.push({ id: n.id, w: boxWidth(n.opType), h: BOX_H }); for (const o of n.outputs) if (o) producer.set(o, n.id); }
  const edges: LayoutEdge[] = [];
  for (const n of g.nodes) for (const v of new Set(n.inputs)) { const from = producer.get(v); if (from && from !== n.id) edges.push({ from, to: n.id, value: v }); }
  for (const t of g.outputs) {
    items.push({ id: `out:${t.name}`, w: boxWidth(t.name), h: BOX_H });
    const from = producer.get(t.name);
    if (from) edges.push({ from, to: `out:${t.name}`, value: t.name });
  }
  const root: LayoutGroup = { id: '', items, edges, inPorts: [], outPorts: [] };
  const layout = await new Layouter(new ELK()).layout(root, 'DOWN');
  const values = overlay ? Object.values(overlay.values).filter(Number.isFinite) : [];
  const lo = values.length ? Math.min(...values) : 0, hi = values.length ? Math.max(...values) : 1;
  const fill = (id: string) => {
    const v = overlay?.values[id];
    if (v === undefined || !Number.isFinite(v)) return '#e8e8e8';
    const t = hi > lo ? (v - lo) / (hi - lo) : 1;
    return ramp(overlay!.higherIsBetter ? 1 - t : t);
  };
  const text = (c: string) => (/rgb\((\d+),(\d+),(\d+)\)/.exec(c)?.slice(1).map(Number).reduce((s, x) => s + x, 0) ?? 700) > 380 ? '#111' : '#fff';
  const parts: string[] = [];
  for (const e of layout.edges) {
    const pts: string[] = [];
    for (let i = 0; i < e.points.length; i += 2) pts.push(`${e.points[i].toFixed(1)},${e.points[i + 1].toFixed(1)}`);
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="#888" stroke-width="1"${e.arrow ? ' marker-end="url(#arrow)"' : ''}/>`);
  }
  const nodesById = new Map(g.nodes.map((n) => [n.id, n]));
  for (const it of items) {
    const b = layout.boxes[it.id];
    if (!b) continue;
    const n = nodesById.get(it.id);
    const io = !n;
    const c = io ? '#fff' : fill(it.id);
    const v = overlay?.values[it.id];
    const tip = n ? `${n.name || n.id} (${n.opType})${v !== undefined ? `: ${overlay!.label} ${formatNumber(v)}${overlay!.unit ? ` ${overlay!.unit}` : ''}` : ''}` : it.id.replace(/^(in|out):/, '$1put ');
    parts.push(`<g><title>${esc(tip)}</title><rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w}" height="${b.h}" rx="${io ? 13 : 3}" fill="${c}" stroke="#555" stroke-width="0.8"/>` +
      `<text x="${(b.x + b.w / 2).toFixed(1)}" y="${(b.y + b.h / 2 + 4).toFixed(1)}" text-anchor="middle" font-family="system-ui,sans-serif" font-size="11" fill="${io ? '#333' : text(c)}">${esc(n ? n.opType : it.id.slice(it.id.indexOf(':') + 1))}</text></g>`);
  }
  const W = Math.max(Math.ceil(layout.width), overlay ? 200 : 0) + 20, H = Math.ceil(layout.height) + 20 + (overlay ? 60 : 0);
  const legend = overlay ? legendSvg(overlay, lo, hi, layout.height + 30) : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-10 -10 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="model graph">` +
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" fill="#888"/></marker></defs>' +
    parts.join('') + legend + '</svg>';
}

function legendSvg(o: GraphOverlay, lo: number, hi: number, y: number): string {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => `<stop offset="${t}" stop-color="${ramp(o.higherIsBetter ? 1 - t : t)}"/>`).join('');
  const unit = o.unit ? ` ${o.unit}` : '';
  return `<defs><linearGradient id="legend-ramp">${stops}</linearGradient></defs>` +
    `<text x="0" y="${y - 4}" font-family="system-ui,sans-serif" font-size="11" fill="#333">${esc(o.label)}</text>` +
    `<text x="0" y="${y + 24}" font-family="system-ui,sans-serif" font-size="10" fill="#555">${formatNumber(lo)}${unit}</text>` +
    `<rect x="0" y="${y}" width="160" height="10" fill="url(#legend-ramp)"/>` +
    `<text x="160" y="${y + 24}" text-anchor="end" font-family="system-ui,sans-serif" font-size="10" fill="#555">${formatNumber(hi)}${unit}</text>`;
}
