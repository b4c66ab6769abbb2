/** Colour scales for overlays: a value per node becomes a fill; collapsed groups show their sum. */
import type { Overlay } from '../messages';
import type { ViewGraph } from '../../src/core/graph/types';
import { valueRecord } from '../../src/core/graph/types';
import type { GraphModel } from '../../src/core/graph/graph-model';

/** Perceptually ordered stops (dark blue -> teal -> yellow), low to high. */
const STOPS: [number, number, number][] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

export function rampColour(t: number): string {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export interface OverlayScale {
  min: number;
  max: number;
  scale: 'linear' | 'log';
  /** 0..1 position of a value on the scale (inverted when higher is better). */
  position(v: number): number;
}

export function overlayScale(o: Overlay, values: number[]): OverlayScale {
  const pos = values.filter((v) => Number.isFinite(v) && (o.scale === 'linear' || v > 0));
  const min = pos.length ? Math.min(...pos) : 0;
  const max = pos.length ? Math.max(...pos) : 1;
  const lo = o.scale === 'log' ? Math.log10(Math.max(min, 1e-12)) : min;
  const hi = o.scale === 'log' ? Math.log10(Math.max(max, 1e-12)) : max;
  return {
    min, max, scale: o.scale,
    position(v: number): number {
      const x = o.scale === 'log' ? Math.log10(Math.max(v, 1e-12)) : v;
      const t = hi > lo ? (x - lo) / (hi - lo) : 1;
      return o.higherIsBetter ? 1 - t : t;
    },
  };
}

/** An overlay's badges on the nodes drawn as themselves (not folded into a collapsed group). */
export function overlayBadges(o: Overlay, model: GraphModel, expanded: ReadonlySet<string>): Map<string, string> | null {
  if (!o.badges) return null;
  const out = new Map<string, string>();
  for (const [nodeId, text] of Object.entries(o.badges)) {
    const leaf = model.leafOfNode.get(nodeId);
    if (leaf && model.visibleOf(leaf, expanded) === leaf) out.set(leaf, text);
  }
  return out;
}

/** The first overlay: bytes of each node's weights, computed from the graph. */
export function weightBytesOverlay(graph: ViewGraph): Overlay {
  const values = valueRecord<number>();
  for (const n of graph.nodes) if (n.weightBytes > 0) values[n.id] = n.weightBytes;
  return { id: 'weight-bytes', label: 'Weight size', unit: 'bytes', values, scale: 'log' };
}

/** An overlay's fill per visible item (a collapsed group gets the sum of its nodes), and its scale for the legend. */
export function overlayFills(o: Overlay, model: GraphModel, expanded: ReadonlySet<string>): { fills: Map<string, string>; scale: OverlayScale } {
  const byItem = new Map<string, number>();
  for (const [nodeId, v] of Object.entries(o.values)) {
    const leaf = model.leafOfNode.get(nodeId);
    if (!leaf) continue;
    const item = model.visibleOf(leaf, expanded);
    // Categories: a collapsed group shows the highest one inside it.
    byItem.set(item, o.categories ? Math.max(byItem.get(item) ?? -Infinity, v) : (byItem.get(item) ?? 0) + v);
  }
  if (o.categories) {
    const colour = new Map(o.categories.map((c) => [c.value, c.colour]));
    const fills = new Map<string, string>();
    for (const [id, v] of byItem) { const c = colour.get(v); if (c) fills.set(id, c); }
    return { fills, scale: overlayScale({ ...o, scale: 'linear' }, [...byItem.values()]) };
  }
  const scale = overlayScale(o, [...byItem.values()]);
  const fills = new Map<string, string>();
  for (const [id, v] of byItem) fills.set(id, rampColour(scale.position(v)));
  return { fills, scale };
}
