/**
 * Collapsible groups for a view graph, from the nodes' name scopes. Pure data (the webview bundles
 * it): groups of one node are dissolved, single-child chains merged ('encoder/layers'), groups
 * with too many direct members split into consecutive parts, and every group gets a structural
 * signature so repeated identical blocks (transformer layers, residual stages) can be drawn alike.
 */
import type { ViewGraph, ViewNode } from './types';

export interface ViewGroup {
  /** Scope path joined by '/'; '' for the root. */
  id: string;
  /** What the group box shows: the last scope segment(s). */
  label: string;
  parent: string | null;
  depth: number;
  /** Child group ids, in the order their first node appears. */
  groups: string[];
  /** Direct member nodes (indices into graph.nodes), in file order. */
  nodes: number[];
  /** Descendant node count. */
  size: number;
  weightBytes: number;
  /** Equal signatures mean the same ops wired the same way with the same weight shapes. */
  signature: string;
  /** Set when two or more groups share the signature: which copy this is (0-based) and how many there are. */
  repeat?: { index: number; count: number; first: string };
}

export interface Hierarchy {
  root: ViewGroup;
  groups: Map<string, ViewGroup>;
  /** Per node index: the id of its innermost group ('' for the root); undefined for excluded nodes. */
  groupOf: (string | undefined)[];
}

export interface HierarchyOptions {
  /** Nodes to leave out (the webview hides Constant nodes); default: all. */
  include?: (node: ViewNode, index: number) => boolean;
  /** A group with more direct members than this is split into consecutive parts. */
  maxChildren?: number;
}

export function buildHierarchy(graph: ViewGraph, options: HierarchyOptions = {}): Hierarchy {
  const include = options.include ?? (() => true);
  const maxChildren = options.maxChildren ?? 400;
  const groups = new Map<string, ViewGroup>();
  const root = newGroup('', '', null, 0);
  groups.set('', root);

  // 1. A trie of scopes.
  graph.nodes.forEach((n, i) => {
    if (!include(n, i)) return;
    let g = root;
    for (const seg of n.scope) {
      const id = g.id ? `${g.id}/${seg}` : seg;
      let child = groups.get(id);
      if (!child) {
        child = newGroup(id, seg, g.id, g.depth + 1);
        groups.set(id, child);
        g.groups.push(id);
      }
      g = child;
    }
    g.nodes.push(i);
  });

  // 2. Dissolve one-node groups into their parent, merge chains of single-child groups (post-order).
  const simplify = (g: ViewGroup): void => {
    for (const c of [...g.groups]) simplify(groups.get(c)!);
    for (const c of [...g.groups]) {
      const child = groups.get(c)!;
      const size = countNodes(groups, child);
      if (size <= 1) {
        g.nodes.push(...collectNodes(groups, child));
        g.groups.splice(g.groups.indexOf(c), 1);
        removeSubtree(groups, child);
      } else if (child.nodes.length === 0 && child.groups.length === 1) {
        const only = groups.get(child.groups[0])!;
        only.label = `${child.label}/${only.label}`;
        only.parent = g.id;
        g.groups[g.groups.indexOf(c)] = only.id;
        groups.delete(c);
      }
    }
    g.nodes.sort((a, b) => a - b);
  };
  simplify(root);

  // 3. Split groups with too many direct members into parts of consecutive nodes.
  for (const g of [...groups.values()]) {
    if (g.nodes.length + g.groups.length <= maxChildren || g.nodes.length < 2) continue;
    const parts = Math.ceil(g.nodes.length / maxChildren) + (g.groups.length > 0 ? 1 : 0);
    const per = Math.ceil(g.nodes.length / Math.max(parts, 2));
    const members = g.nodes;
    g.nodes = [];
    for (let k = 0, p = 0; k < members.length; k += per, p++) {
      const chunk = members.slice(k, k + per);
      const id = g.id ? `${g.id}/#part${p + 1}` : `#part${p + 1}`;
      const part = newGroup(id, `nodes ${k + 1}–${k + chunk.length}`, g.id, g.depth + 1);
      part.nodes = chunk;
      groups.set(id, part);
      g.groups.push(id);
    }
  }

  // 4. Depths, sizes, weights, child order, signatures.
  const groupOf: (string | undefined)[] = new Array(graph.nodes.length);
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => { for (const o of n.outputs) if (o) producer.set(o, i); });
  const finish = (g: ViewGroup, depth: number): number[] => {
    g.depth = depth;
    for (const i of g.nodes) groupOf[i] = g.id;
    const childNodes = g.groups.map((c) => finish(groups.get(c)!, depth + 1));
    g.groups = g.groups
      .map((c, k) => ({ c, first: childNodes[k][0] ?? Infinity }))
      .sort((a, b) => a.first - b.first)
      .map((x) => x.c);
    const all = [...g.nodes];
    for (const list of childNodes) all.push(...list);
    all.sort((a, b) => a - b);
    g.size = all.length;
    g.weightBytes = all.reduce((s, i) => s + graph.nodes[i].weightBytes, 0);
    g.signature = signature(graph, g, groups, all, producer);
    return all;
  };
  finish(root, 0);

  // 5. Repeated blocks.
  const bySig = new Map<string, ViewGroup[]>();
  for (const g of groups.values()) {
    if (g === root || g.size < 2) continue;
    let list = bySig.get(g.signature);
    if (!list) bySig.set(g.signature, (list = []));
    list.push(g);
  }
  for (const list of bySig.values()) {
    if (list.length < 2) continue;
    list.forEach((g, index) => { g.repeat = { index, count: list.length, first: list[0].id }; });
  }
  return { root, groups, groupOf };
}

function newGroup(id: string, label: string, parent: string | null, depth: number): ViewGroup {
  return { id, label, parent, depth, groups: [], nodes: [], size: 0, weightBytes: 0, signature: '' };
}

function countNodes(groups: Map<string, ViewGroup>, g: ViewGroup): number {
  let n = g.nodes.length;
  for (const c of g.groups) n += countNodes(groups, groups.get(c)!);
  return n;
}

function collectNodes(groups: Map<string, ViewGroup>, g: ViewGroup): number[] {
  const out = [...g.nodes];
  for (const c of g.groups) out.push(...collectNodes(groups, groups.get(c)!));
  return out;
}

function removeSubtree(groups: Map<string, ViewGroup>, g: ViewGroup): void {
  for (const c of g.groups) removeSubtree(groups, groups.get(c)!);
  groups.delete(g.id);
}

/**
 * Structure of a group: each descendant node in file order as op, attribute names and weight
 * shapes, with inputs as positions of their producers inside the group (or 'x' for outside),
 * followed by the nesting of child groups. Names do not enter, so copies of a block match.
 */
function signature(graph: ViewGraph, g: ViewGroup, groups: Map<string, ViewGroup>, all: number[], producer: Map<string, number>): string {
  const local = new Map<number, number>();
  all.forEach((n, k) => local.set(n, k));
  const parts: string[] = [];
  for (const i of all) {
    const n = graph.nodes[i];
    const ins = n.inputs.map((v) => {
      if (!v) return '-';
      const p = producer.get(v);
      const k = p === undefined ? undefined : local.get(p);
      if (k !== undefined) return String(k);
      const w = n.weights.find((x) => x.name === v);
      return w ? `w${w.dtype}${w.shape?.join('x')}` : 'x';
    });
    parts.push(`${n.domain}:${n.opType}(${ins.join(',')})${n.attributes.map((a) => a.name + '=' + a.value).join(';')}`);
  }
  parts.push('|' + g.groups.map((c) => groups.get(c)!.signature).join(','));
  return hash(parts.join('\n'));
}

/** 53-bit FNV-1a-style string hash as hex (two 32-bit lanes). */
function hash(s: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
