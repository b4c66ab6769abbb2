/**
 * What the webview draws for one graph (main or a subgraph): visible items (nodes, graph inputs
 * and outputs, groups), the edges between them, and the layout request for a set of expanded
 * groups. Item ids are prefixed so nodes, groups and io never collide: `N<index>`, `G:<group>`,
 * `I:<value>`, `O:<value>`.
 */
import { buildHierarchy, type Hierarchy, type ViewGroup } from './hierarchy';
import type { ViewGraph, ViewNode } from './types';
import type { LayoutEdge, LayoutGroup, LayoutItem } from './layout/types';
import { nodeDetail, opCategory, type OpCategory } from './ops';
import { formatBytes } from '../base/units';

export type Measure = (text: string, bold: boolean) => number;

export interface Leaf {
  id: string;
  kind: 'node' | 'input' | 'output';
  /** Index into graph.nodes for nodes. */
  index: number;
  label: string;
  detail: string;
  category: OpCategory | 'io';
  w: number;
  h: number;
  /** Group chain from the outermost group to the innermost ('' root excluded). */
  chain: string[];
}

export interface Link { from: string; to: string; value: string }

export const NODE_H = 40;
export const IO_H = 30;
export const GROUP_H = 56;
export const TITLE_H = 20;

export interface GraphModelOptions {
  showConstants: boolean;
  measure: Measure;
  /** Splitting of large flat groups (buildHierarchy's defaults when absent). */
  maxChildren?: number;
  partSize?: number;
}

/** The groups the page draws for `graph`: Constant nodes without inputs are left out unless shown. */
export function viewHierarchy(graph: ViewGraph, options: Pick<GraphModelOptions, 'showConstants' | 'maxChildren' | 'partSize'>): Hierarchy {
  const include = (n: ViewNode): boolean => options.showConstants || !(n.opType === 'Constant' && n.inputs.length === 0);
  return buildHierarchy(graph, { include, maxChildren: options.maxChildren, partSize: options.partSize });
}

export class GraphModel {
  readonly hierarchy: Hierarchy;
  readonly leaves = new Map<string, Leaf>();
  readonly links: Link[] = [];
  /** Node id (ViewNode.id) -> leaf id. */
  readonly leafOfNode = new Map<string, string>();
  /** Per group id: op-category counts of its descendants (for the collapsed box's composition bar). */
  readonly composition = new Map<string, [OpCategory, number][]>();
  readonly groupSize = new Map<string, { w: number; h: number }>();

  constructor(readonly graph: ViewGraph, readonly options: GraphModelOptions) {
    this.hierarchy = viewHierarchy(graph, options);
    const m = options.measure;
    const producer = new Map<string, string>();
    for (const v of graph.inputs) {
      const id = `I:${v.name}`;
      this.leaves.set(id, { id, kind: 'input', index: -1, label: v.name, detail: '', category: 'io', w: ioWidth(m, v.name), h: IO_H, chain: [] });
      producer.set(v.name, id);
    }
    graph.nodes.forEach((n, i) => {
      const g = this.hierarchy.groupOf[i];
      if (g === undefined) return;
      const id = `N${i}`;
      const detail = nodeDetail(n);
      const w = Math.min(260, Math.max(64, Math.max(m(n.opType, true), m(detail, false) * 0.92) + 26));
      this.leaves.set(id, { id, kind: 'node', index: i, label: n.opType, detail, category: opCategory(n.opType), w: Math.ceil(w), h: NODE_H, chain: this.chainOf(g) });
      this.leafOfNode.set(n.id, id);
      for (const o of n.outputs) if (o) producer.set(o, id);
    });
    graph.nodes.forEach((n, i) => {
      const to = `N${i}`;
      if (!this.leaves.has(to)) return;
      const seen = new Set<string>();
      for (const v of n.inputs) {
        const from = v ? producer.get(v) : undefined;
        if (!from || seen.has(v)) continue;
        seen.add(v);
        this.links.push({ from, to, value: v });
      }
    });
    for (const v of graph.outputs) {
      const id = `O:${v.name}`;
      this.leaves.set(id, { id, kind: 'output', index: -1, label: v.name, detail: '', category: 'io', w: ioWidth(m, v.name), h: IO_H, chain: [] });
      const from = producer.get(v.name);
      if (from && !from.startsWith('I:')) this.links.push({ from, to: id, value: v.name });
    }
    for (const g of this.hierarchy.groups.values()) {
      if (g.id === '') continue;
      const counts = new Map<OpCategory, number>();
      this.forEachNode(g, (i) => {
        const c = opCategory(graph.nodes[i].opType);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      });
      this.composition.set(g.id, [...counts].sort((a, b) => b[1] - a[1]));
      const text = Math.max(m(g.label, true) + 30, m(collapsedSubtitle(g), false) + 24);
      this.groupSize.set(g.id, { w: Math.ceil(Math.min(300, Math.max(150, text))), h: GROUP_H });
    }
  }

  group(id: string): ViewGroup | undefined {
    return this.hierarchy.groups.get(id);
  }

  forEachNode(g: ViewGroup, f: (index: number) => void): void {
    for (const i of g.nodes) f(i);
    for (const c of g.groups) this.forEachNode(this.hierarchy.groups.get(c)!, f);
  }

  /** Every group id, parents before children. */
  allGroups(): string[] {
    const out: string[] = [];
    const walk = (g: ViewGroup): void => { for (const c of g.groups) { out.push(c); walk(this.hierarchy.groups.get(c)!); } };
    walk(this.hierarchy.root);
    return out;
  }

  private chainOf(groupId: string): string[] {
    const chain: string[] = [];
    for (let g = this.hierarchy.groups.get(groupId); g && g.id !== ''; g = g.parent !== null ? this.hierarchy.groups.get(g.parent) : undefined) chain.push(g.id);
    return chain.reverse();
  }

  /** The item that shows a leaf: the leaf itself, or its outermost collapsed group. */
  visibleOf(leafId: string, expanded: ReadonlySet<string>): string {
    const leaf = this.leaves.get(leafId)!;
    for (const g of leaf.chain) if (!expanded.has(g)) return `G:${g}`;
    return leafId;
  }

  /** Number of items drawn for an expansion state. */
  countVisible(expanded: ReadonlySet<string>): number {
    let n = 0;
    const walk = (g: ViewGroup): void => {
      n += g.nodes.length;
      for (const c of g.groups) { if (expanded.has(c)) walk(this.hierarchy.groups.get(c)!); else n++; }
    };
    walk(this.hierarchy.root);
    return n + this.graph.inputs.length + this.graph.outputs.length;
  }

  /** The nested layout request for the expanded groups. */
  layoutTree(expanded: ReadonlySet<string>): LayoutGroup {
    const lgs = new Map<string, LayoutGroup>();
    const edgeKeys = new Map<string, Set<string>>();
    const make = (g: ViewGroup): LayoutGroup => {
      const lg: LayoutGroup = { id: g.id, items: [], edges: [], inPorts: [], outPorts: [] };
      lgs.set(g.id, lg);
      edgeKeys.set(g.id, new Set());
      if (g.id === '') for (const v of this.graph.inputs) lg.items.push(this.item(`I:${v.name}`));
      // Members in file order of their first node, so considerModelOrder keeps the graph's flow.
      const members: { first: number; item: LayoutItem }[] = [];
      for (const c of g.groups) {
        const cg = this.hierarchy.groups.get(c)!;
        const first = firstNode(this.hierarchy, cg);
        if (expanded.has(c)) {
          const sub = make(cg);
          sub.title = this.titleSize(cg);
          members.push({ first, item: { id: `G:${c}`, w: 0, h: 0, sub } });
        }
        else { const s = this.groupSize.get(c)!; members.push({ first, item: { id: `G:${c}`, w: s.w, h: s.h } }); }
      }
      for (const i of g.nodes) members.push({ first: i, item: this.item(`N${i}`) });
      members.sort((a, b) => a.first - b.first);
      for (const m of members) lg.items.push(m.item);
      if (g.id === '') for (const v of this.graph.outputs) lg.items.push(this.item(`O:${v.name}`));
      return lg;
    };
    make(this.hierarchy.root);
    const add = (groupId: string, e: LayoutEdge): void => {
      const key = `${e.from}|${e.fromPort ?? ''}|${e.to}|${e.toPort ?? ''}`;
      const keys = edgeKeys.get(groupId)!;
      if (keys.has(key)) return;
      keys.add(key);
      lgs.get(groupId)!.edges.push(e);
    };
    const addPort = (list: string[], v: string): void => { if (!list.includes(v)) list.push(v); };
    for (const link of this.links) {
      const a = this.leaves.get(link.from)!;
      const b = this.leaves.get(link.to)!;
      const ea = openChain(a.chain, expanded);
      const eb = openChain(b.chain, expanded);
      const ra = ea.length < a.chain.length ? `G:${a.chain[ea.length]}` : a.id;
      const rb = eb.length < b.chain.length ? `G:${b.chain[eb.length]}` : b.id;
      if (ra === rb) continue;
      let k = 0;
      while (k < ea.length && k < eb.length && ea[k] === eb[k]) k++;
      const lca = k === 0 ? '' : ea[k - 1];
      const childA = k < ea.length ? `G:${ea[k]}` : ra;
      const childB = k < eb.length ? `G:${eb[k]}` : rb;
      const v = link.value;
      add(lca, { from: childA, fromPort: k < ea.length ? v : undefined, to: childB, toPort: k < eb.length ? v : undefined, value: v });
      for (let j = k; j < ea.length; j++) {
        addPort(lgs.get(ea[j])!.outPorts, v);
        const inner = j + 1 < ea.length ? `G:${ea[j + 1]}` : ra;
        add(ea[j], { from: inner, fromPort: j + 1 < ea.length ? v : undefined, to: `^out:${v}`, value: v });
      }
      for (let j = k; j < eb.length; j++) {
        addPort(lgs.get(eb[j])!.inPorts, v);
        const inner = j + 1 < eb.length ? `G:${eb[j + 1]}` : rb;
        add(eb[j], { from: `^in:${v}`, to: inner, toPort: j + 1 < eb.length ? v : undefined, value: v });
      }
    }
    return lgs.get('')!;
  }

  /** The expanded group's title: '▾ label' then its subtitle, on one line. */
  titleSize(g: ViewGroup): { w: number; h: number } {
    const m = this.options.measure;
    return { w: Math.ceil(m(`▾  ${g.label}`, true) + m(openSubtitle(g), false) + 30), h: TITLE_H };
  }

  private item(id: string): LayoutItem {
    const l = this.leaves.get(id)!;
    return { id, w: l.w, h: l.h };
  }
}

/** The expanded prefix of a group chain. */
function openChain(chain: string[], expanded: ReadonlySet<string>): string[] {
  let k = 0;
  while (k < chain.length && expanded.has(chain[k])) k++;
  return chain.slice(0, k);
}

function firstNode(h: Hierarchy, g: ViewGroup): number {
  let best = g.nodes.length ? g.nodes[0] : Infinity;
  for (const c of g.groups) best = Math.min(best, firstNode(h, h.groups.get(c)!));
  return best;
}

function ioWidth(m: Measure, name: string): number {
  return Math.ceil(Math.min(240, Math.max(70, m(name, false) + 34)));
}

export function groupSubtitle(g: ViewGroup): string {
  return `${g.size} nodes${g.weightBytes ? ' · ' + formatBytes(g.weightBytes) : ''}`;
}

/** The subtitle of a collapsed group's box. */
export function collapsedSubtitle(g: ViewGroup): string {
  return groupSubtitle(g) + (g.repeat ? `  ·  ×${g.repeat.count}` : '');
}

/** The subtitle of an expanded group's title. */
export function openSubtitle(g: ViewGroup): string {
  // Parts of a flat graph look alike by chance: saying so would only widen the title.
  return groupSubtitle(g) + (g.repeat && !g.part ? ` · ${g.repeat.index + 1} of ${g.repeat.count} identical` : '');
}
