/**
 * Collapsible groups for a view graph, from the nodes' name scopes. Pure data (the webview bundles
 * it): groups of one node are dissolved, single-child chains merged ('encoder/layers'), a group
 * nested in one of the same name merged into it, groups with too many direct members split into
 * consecutive parts, and every group gets a structural signature so repeated identical blocks
 * (transformer layers, residual stages) can be drawn alike.
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
  /** Set on the consecutive parts a large flat group was split into. */
  part?: { index: number; count: number };
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
  /** A group with more direct members than this is split into consecutive parts... */
  maxChildren?: number;
  /** ...of about this many nodes each. */
  partSize?: number;
}

export function buildHierarchy(graph: ViewGraph, options: HierarchyOptions = {}): Hierarchy {
  const include = options.include ?? (() => true);
  const maxChildren = options.maxChildren ?? 250;
  const partSize = options.partSize ?? Math.min(80, Math.max(1, Math.floor(maxChildren * 0.7)));
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
    // A group inside one of the same name (TensorFlow's 'MobilenetV1/MobilenetV1') says nothing
    // new: its members join the outer group.
    for (const c of [...g.groups]) {
      const child = groups.get(c)!;
      if (g === root || child.label !== g.label) continue;
      g.nodes.push(...child.nodes);
      for (const gc of child.groups) groups.get(gc)!.parent = g.id;
      g.groups.splice(g.groups.indexOf(c), 1, ...child.groups);
      groups.delete(c);
    }
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

  // 3. Split groups with too many direct members into parts of consecutive nodes, cut where
  //    the fewest values cross (between blocks rather than through them).
  const consumers = new Map<string, number[]>();
  graph.nodes.forEach((n, i) => { for (const v of n.inputs) if (v) { const l = consumers.get(v); if (l) l.push(i); else consumers.set(v, [i]); } });
  for (const g of [...groups.values()]) {
    if (g.nodes.length + g.groups.length <= maxChildren || g.nodes.length < 2) continue;
    const members = g.nodes;
    const parts = Math.max(2, Math.ceil(members.length / partSize));
    const starts = cutPoints(graph, members, consumers, Math.ceil(members.length / parts));
    g.nodes = [];
    starts.forEach((k, p) => {
      const chunk = members.slice(k, starts[p + 1] ?? members.length);
      const id = g.id ? `${g.id}/#part${p + 1}` : `#part${p + 1}`;
      const part = newGroup(id, `nodes ${k + 1}–${k + chunk.length}`, g.id, g.depth + 1);
      part.nodes = chunk;
      part.part = { index: p, count: starts.length };
      groups.set(id, part);
      g.groups.push(id);
    });
  }

  // 4. Depths, sizes, weights, child order, signatures.
  const groupOf: (string | undefined)[] = new Array(graph.nodes.length);
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => { for (const o of n.outputs) if (o) producer.set(o, i); });
  const nodeKeys: (string | undefined)[] = new Array(graph.nodes.length);
  let total = 0;
  for (const x of groupOfCount(groups)) total += x;
  const finish = (g: ViewGroup, depth: number): number[] => {
    g.depth = depth;
    for (const i of g.nodes) groupOf[i] = g.id;
    const childNodes = g.groups.map((c) => finish(groups.get(c)!, depth + 1));
    g.groups = g.groups
      .map((c, k) => ({ c, first: childNodes[k][0] ?? Infinity }))
      .sort((a, b) => a.first - b.first)
      .map((x) => x.c);
    const all = [...g.nodes];
    for (const list of childNodes) for (const n of list) all.push(n); // not push(...list): a group may hold 200,000 nodes
    all.sort((a, b) => a - b);
    g.size = all.length;
    g.weightBytes = all.reduce((s, i) => s + graph.nodes[i].weightBytes, 0);
    // Copies are disjoint, so a group holding over half the nodes has none: skip its (long) signature.
    g.signature = all.length * 2 > total ? `unique:${g.id}` : signature(graph, g, groups, all, producer, nodeKeys);
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

/**
 * Where to cut `members` (node indices in file order, which ONNX keeps topological) into runs of
 * about `per`: each cut, within ±40% of the ideal spot, goes where the fewest values produced
 * before it are consumed after it. Returns each run's start position.
 */
export function cutPoints(graph: ViewGraph, members: number[], consumers: Map<string, number[]>, per: number): number[] {
  const n = members.length;
  const pos = new Map<number, number>();
  members.forEach((m, k) => pos.set(m, k));
  // crossing[k]: values alive across the cut just before position k.
  const diff = new Int32Array(n + 2);
  members.forEach((m, p) => {
    for (const v of graph.nodes[m].outputs) {
      let last = -1;
      for (const c of consumers.get(v) ?? []) { const q = pos.get(c); if (q !== undefined && q > last) last = q; }
      if (last > p) { diff[p + 1]++; diff[last + 1]--; }
    }
  });
  const crossing = new Int32Array(n + 1);
  for (let k = 1, run = 0; k <= n; k++) { run += diff[k]; crossing[k] = run; }
  const starts = [0];
  const slack = Math.max(1, Math.floor(per * 0.4));
  for (let s = 0; n - s > per + slack;) {
    const ideal = s + per;
    let best = ideal;
    for (let k = Math.max(s + 1, ideal - slack); k <= Math.min(n - slack, ideal + slack); k++) {
      if (crossing[k] < crossing[best] || (crossing[k] === crossing[best] && Math.abs(k - ideal) < Math.abs(best - ideal))) best = k;
    }
    starts.push(best);
    s = best;
  }
  return starts;
}

/** Direct member counts of every group (their sum is the number of included nodes). */
function groupOfCount(groups: Map<string, ViewGroup>): number[] {
  return [...groups.values()].map((g) => g.nodes.length);
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
  for (const c of g.groups) for (const n of collectNodes(groups, groups.get(c)!)) out.push(n);
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
function signature(graph: ViewGraph, g: ViewGroup, groups: Map<string, ViewGroup>, all: number[], producer: Map<string, number>, nodeKeys: (string | undefined)[]): string {
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
    const key = (nodeKeys[i] ??= `${n.domain}:${n.opType}|${n.attributes.map((a) => a.name + '=' + a.value).join(';')}`);
    parts.push(`${key}(${ins.join(',')})`);
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
