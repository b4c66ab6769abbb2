/**
 * Lays out a nested layout request with elkjs (layered): each expanded group on its own, children
 * before parents, so a group's size and port positions are known when its parent is laid out.
 * Results are cached by the group's shape (member sizes, ports, wiring), so re-expanding a group
 * or expanding a copy of a repeated block costs nothing. The worker process runs it in its layout
 * thread (src/worker/layout/thread.ts), where elkjs stays compiled from one model to the next.
 */
import type { ElkExtendedEdge, ElkNode, ElkPort } from 'elkjs/lib/elk-api';
import { CancelledError } from '../../base/cancel';
import { endpoint, memberIndex, place, reachBorder, shapeKey, type Relative } from './relative';
import { GROUP_HEADER, GROUP_PAD, type Direction, type LayoutGroup, type LayoutResult } from './types';

/** The part of an elkjs instance this module uses. */
export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

const MAX_CACHE = 5000;

/**
 * Changes whenever a layout for the same shape key would come out differently (this file's
 * placement rules, BASE_OPTIONS below); cache files written under another version are ignored.
 */
export const LAYOUT_VERSION = 2;

/** A group layout as cached: parsed, or as its JSON text from the cache file (parsed when first used). */
export type CachedLayout = Relative | string;

export class Layouter {
  private cache = new Map<string, CachedLayout>();
  private stats = { elkMs: 0, laidOut: 0, cached: 0 };

  /** `options`: elkjs layout options over the defaults (benchmarks compare settings with it). */
  constructor(private readonly elk: ElkLike, private readonly options: Record<string, string> = {}) {}

  /**
   * `stopBefore`: asked before each group elkjs lays out; true ends the layout with CancelledError
   * (elkjs cannot be interrupted within a group). The groups laid out so far stay cached.
   */
  async layout(root: LayoutGroup, direction: Direction, stopBefore?: () => Promise<boolean>): Promise<LayoutResult> {
    this.stats = { elkMs: 0, laidOut: 0, cached: 0 };
    const rels = new Map<LayoutGroup, Relative>();
    const rel = await this.layoutGroup(root, direction, true, rels, stopBefore);
    const out: LayoutResult = { boxes: {}, titles: {}, edges: [], width: rel.w, height: rel.h, ...this.stats };
    place(root, rels, 0, 0, direction, out);
    return out;
  }

  private async layoutGroup(g: LayoutGroup, dir: Direction, isRoot: boolean, rels: Map<LayoutGroup, Relative>, stopBefore?: () => Promise<boolean>): Promise<Relative> {
    const subs: (Relative | undefined)[] = [];
    for (const item of g.items) subs.push(item.sub ? await this.layoutGroup(item.sub, dir, false, rels, stopBefore) : undefined);
    const index = memberIndex(g);
    const key = shapeKey(g, subs, index, dir, isRoot);
    let rel = this.cached(key);
    if (rel) {
      this.stats.cached++;
    } else {
      if (await stopBefore?.()) throw new CancelledError();
      const t0 = performance.now();
      rel = await runElk(this.elk, g, subs, index, dir, isRoot, this.options);
      this.stats.elkMs += performance.now() - t0;
      if (this.cache.size >= MAX_CACHE) this.cache.delete(this.cache.keys().next().value as string);
      this.stats.laidOut++;
    }
    // Most recently used last: the oldest entry goes first when the cache is full.
    this.cache.delete(key);
    this.cache.set(key, rel);
    rels.set(g, rel);
    return rel;
  }

  /** Groups elkjs laid out in the current (or last) layout, one that stopped included. */
  get laidOutSoFar(): number {
    return this.stats.laidOut;
  }

  private cached(key: string): Relative | undefined {
    const c = this.cache.get(key);
    if (typeof c !== 'string') return c;
    try {
      return JSON.parse(c) as Relative;
    } catch {
      this.cache.delete(key); // a damaged entry is laid out again
      return undefined;
    }
  }

  /** The cached group layouts, least recently used first (for the cache file, src/worker/layout/cache-file.ts). */
  cachedLayouts(): [string, CachedLayout][] {
    return [...this.cache];
  }

  /** Adds group layouts saved by `cachedLayouts` (as older than any already here). */
  restore(entries: [string, CachedLayout][]): void {
    const mine = [...this.cache];
    this.cache = new Map([...entries.slice(-MAX_CACHE), ...mine].slice(-MAX_CACHE));
  }
}

export const BASE_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '34',
  'elk.spacing.nodeNode': '22',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
  // Measured on PP-OCRv4 det (332 items): these three cut elkjs time by 3-4x with little visual cost.
  'elk.layered.considerModelOrder.strategy': 'NONE',
  'elk.layered.thoroughness': '1',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.separateConnectedComponents': 'false',
  // Not 'elk.omitNodeMicroLayout': only elkjs's force, stress and mrtree algorithms read it; the
  // layered algorithm sizes nodes and places their ports and labels whatever the options (a fifth
  // to a third of its time on PP-OCRv4 rec, warm to cold: elkjs's measureExecutionTime).
};

async function runElk(elk: ElkLike, g: LayoutGroup, subs: (Relative | undefined)[], index: Map<string, number>, dir: Direction, isRoot: boolean, extra: Record<string, string>): Promise<Relative> {
  const down = dir === 'DOWN';
  const children: ElkNode[] = g.items.map((it, i) => {
    const s = subs[i];
    if (!s) return { id: `n${i}`, width: it.w, height: it.h };
    const ports: ElkPort[] = [
      ...s.inPorts.map((p, j) => port(`n${i}.i${j}`, down ? p : 0, down ? 0 : p, down ? 'NORTH' : 'WEST')),
      ...s.outPorts.map((p, j) => port(`n${i}.o${j}`, down ? p : s.w, down ? s.h : p, down ? 'SOUTH' : 'EAST')),
    ];
    return { id: `n${i}`, width: s.w, height: s.h, ports, layoutOptions: { 'elk.portConstraints': 'FIXED_POS' } };
  });
  g.inPorts.forEach((_, j) => children.push({ id: `vi${j}`, width: 2, height: 2, layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } }));
  g.outPorts.forEach((_, j) => children.push({ id: `vo${j}`, width: 2, height: 2, layoutOptions: { 'elk.layered.layering.layerConstraint': 'LAST' } }));
  const title = down && !isRoot && g.title;
  if (title) {
    children.push({ id: 'title', width: title.w, height: title.h, layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } });
    g.inPorts.forEach((_, j) => { children[g.items.length + j].layoutOptions!['elk.layered.crossingMinimization.inLayerSuccOf'] = 'title'; });
  }
  const edges: ElkExtendedEdge[] = g.edges.map((e, k) => ({
    id: `e${k}`,
    sources: [endpoint(g, e.from, e.fromPort, index, 'out')],
    targets: [endpoint(g, e.to, e.toPort, index, 'in')],
  }));
  const top = isRoot ? 24 : title ? 6 : GROUP_HEADER + 6;
  const pad = isRoot ? 24 : GROUP_PAD;
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: { ...BASE_OPTIONS, ...placement(subs), ...extra, 'elk.direction': dir, 'elk.padding': `[top=${top},left=${pad},bottom=${pad},right=${pad}]` },
    children,
    edges,
  };
  const res = await elk.layout(graph);
  const byId = new Map((res.children ?? []).map((c) => [c.id, c]));
  const items = g.items.map((_, i) => {
    const c = byId.get(`n${i}`)!;
    return { x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 };
  });
  const w = res.width ?? 0;
  const h = res.height ?? 0;
  const centre = (id: string): number => {
    const c = byId.get(id)!;
    return down ? (c.x ?? 0) + (c.width ?? 0) / 2 : (c.y ?? 0) + (c.height ?? 0) / 2;
  };
  const inPorts = g.inPorts.map((_, j) => centre(`vi${j}`));
  const outPorts = g.outPorts.map((_, j) => centre(`vo${j}`));
  const edgePoints = (res.edges ?? []).map((e, k) => {
    const pts: number[] = [];
    for (const s of (e as ElkExtendedEdge).sections ?? []) {
      pts.push(s.startPoint.x, s.startPoint.y);
      for (const b of s.bendPoints ?? []) pts.push(b.x, b.y);
      pts.push(s.endPoint.x, s.endPoint.y);
    }
    reachBorder(pts, g.edges[k], dir, w, h);
    return pts;
  });
  const t = title ? byId.get('title') : undefined;
  const titleBox = t ? { x: t.x ?? 0, y: t.y ?? 0, w: t.width ?? 0, h: t.height ?? 0 } : null;
  // The title reads best at the left border; it moves there only when no member and no in-port's
  // line (from the group's top border down to the port) is in the way. elkjs's own place is clear.
  if (titleBox) {
    const left = { ...titleBox, x: pad - 4, w: titleBox.w + 8 };
    const inWay = (res.children ?? []).some((c) => {
      if (c.id === 'title') return false;
      const b = c.id.startsWith('vi') ? { x: (c.x ?? 0) + (c.width ?? 0) / 2 - 1, y: 0, w: 2, h: (c.y ?? 0) + (c.height ?? 0) } : { x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 };
      return b.x < left.x + left.w && b.x + b.w > left.x && b.y < left.y + left.h && b.y + b.h > left.y;
    });
    if (!inWay) titleBox.x = pad;
  }
  return { w, h, items, edges: edgePoints, inPorts, outPorts, title: titleBox };
}

/**
 * A long chain of expanded blocks (encoder layers) with straightened edges drifts sideways by the
 * offset between each block's in- and out-port, layer after layer; centring nodes stops it.
 */
function placement(subs: (Relative | undefined)[]): Record<string, string> {
  let open = 0;
  for (const s of subs) if (s) open++;
  return open >= 8 ? { 'elk.layered.nodePlacement.strategy': 'SIMPLE' } : {};
}

function port(id: string, x: number, y: number, side: string): ElkPort {
  return { id, x, y, width: 0, height: 0, layoutOptions: { 'elk.port.side': side } };
}
