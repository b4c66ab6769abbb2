/**
 * A LayoutResult packed for the trip from the worker to the webview, as the view graph is
 * (../packed.ts): ids and value names once in a string table, boxes and edges as flat numbers,
 * coordinates to 1/100 px, sent as JSON text that the extension host relays as it is. Shared with
 * the webview.
 */
import { readStringTable, stringTable, type FrontCoded } from '../string-table';
import type { Box, EdgeGeometry, LayoutResult, LayoutThreadTiming } from './types';
import { valueRecord } from '../types';

interface PackedLayoutResult {
  packed: 1;
  strings: FrontCoded;
  /** [id, x, y, w, h] per box. */
  boxes: number[];
  titles: number[];
  /** Per edge: [point count, ...points, from, to, value, group, arrow + 2 * head]. */
  edges: number[];
  width: number;
  height: number;
  elkMs: number;
  laidOut: number;
  cached: number;
  thread?: LayoutThreadTiming;
}

/** The JSON text of a packed LayoutResult. */
export type PackedLayoutResultText = string & { readonly packedLayoutResult: true };

/** Coordinates to 1/100 px: '1984.0018649149279' was most of the text, and no zoom shows the difference. */
const px = (x: number): number => Math.round(x * 100) / 100;

export function packLayoutResultText(r: LayoutResult): PackedLayoutResultText {
  const table = stringTable();
  const boxes = (byId: Record<string, Box>): number[] => {
    const out: number[] = [];
    for (const [id, b] of Object.entries(byId)) out.push(table.id(id), px(b.x), px(b.y), px(b.w), px(b.h));
    return out;
  };
  const edges: number[] = [];
  for (const e of r.edges) {
    edges.push(e.points.length);
    for (const p of e.points) edges.push(px(p));
    edges.push(table.id(e.from), table.id(e.to), table.id(e.value), table.id(e.group), (e.arrow ? 1 : 0) + (e.head ? 2 : 0));
  }
  const packed: PackedLayoutResult = {
    packed: 1, boxes: boxes(r.boxes), titles: boxes(r.titles), edges, strings: table.strings,
    width: r.width, height: r.height, elkMs: r.elkMs, laidOut: r.laidOut, cached: r.cached, thread: r.thread,
  };
  return JSON.stringify(packed) as PackedLayoutResultText;
}

/** The layout an answer carries, packed (from the worker) or not (a test page's own layouter). */
export function layoutResultOf(r: LayoutResult | PackedLayoutResultText): LayoutResult {
  if (typeof r !== 'string') return r;
  const p = JSON.parse(r) as PackedLayoutResult;
  const table = readStringTable(p.strings);
  const boxes = (flat: number[]): Record<string, Box> => {
    const out = valueRecord<Box>();
    for (let i = 0; i < flat.length; i += 5) out[table[flat[i]]] = { x: flat[i + 1], y: flat[i + 2], w: flat[i + 3], h: flat[i + 4] };
    return out;
  };
  const edges: EdgeGeometry[] = [];
  const f = p.edges;
  for (let i = 0; i < f.length;) {
    const n = f[i++];
    const points = f.slice(i, i + n);
    i += n;
    const [from, to, value, group, flags] = f.slice(i, i + 5);
    i += 5;
    edges.push({ points, from: table[from], to: table[to], value: table[value], arrow: (flags & 1) !== 0, head: (flags & 2) !== 0, group: table[group] });
  }
  const out: LayoutResult = { boxes: boxes(p.boxes), titles: boxes(p.titles), edges, width: p.width, height: p.height, elkMs: p.elkMs, laidOut: p.laidOut, cached: p.cached };
  if (p.thread) out.thread = p.thread;
  return out;
}
