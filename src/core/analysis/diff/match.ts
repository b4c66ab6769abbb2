/**
 * Which node of B is each node of A: by name, then by an output value's name, then by structure.
 * The structural pass spreads out from pairs already known (the graphs' inputs and outputs, named
 * matches): a pair's data inputs and outputs pair up as values; two values that are paired pair
 * their producers, and their readers of the same op class and input slot when that choice is
 * unique (weight sizes and already paired inputs break ties). A node one side has in the middle
 * of a chain the other side lacks (a Relu folded into a Conv, a Transpose added by a converter)
 * is stepped over and recorded as absorbed. Linear in the graphs' size for the usual models.
 */
import type { CoreGraph, CoreNode } from './core-graph';
import { COMMUTATIVE, FUSABLE } from './ops';
import type { MatchedBy } from './types';

export interface MatchOptions {
  /** Match by node and value names first (default true); false matches by structure alone. */
  names?: boolean;
}

export interface Matching {
  /** Core node indices of the partner, or -1. */
  aToB: Int32Array;
  bToA: Int32Array;
  by: (MatchedBy | undefined)[];
  /**
   * A node stepped over (one side has it, the other not): the other side's node writing the value
   * it stands beside (a Relu's Conv), -2 when that value is a graph input, -1 when not absorbed.
   */
  absorbedA: Int32Array;
  absorbedB: Int32Array;
}

/** Classes a node may be stepped over as, besides FUSABLE ones: layout and type plumbing. */
const STEPPABLE = new Set([...FUSABLE, 'reshape', 'transpose', 'cast', 'identity']);

export function matchGraphs(A: CoreGraph, B: CoreGraph, o: MatchOptions = {}): Matching {
  const m: Matching = {
    aToB: new Int32Array(A.nodes.length).fill(-1), bToA: new Int32Array(B.nodes.length).fill(-1),
    by: new Array(A.nodes.length), absorbedA: new Int32Array(A.nodes.length).fill(-1), absorbedB: new Int32Array(B.nodes.length).fill(-1),
  };
  const valuePair = new Map<string, string>();
  const queue: [string, string][] = [];
  const freeA = (a: number) => m.aToB[a] < 0 && m.absorbedA[a] === -1;
  const freeB = (b: number) => m.bToA[b] < 0 && m.absorbedB[b] === -1;
  const pairValues = (va: string, vb: string) => {
    if (valuePair.has(va)) return;
    valuePair.set(va, vb);
    queue.push([va, vb]);
  };
  const link = (a: number, b: number, how: MatchedBy): void => {
    m.aToB[a] = b; m.bToA[b] = a; m.by[a] = how;
    const na = A.nodes[a], nb = B.nodes[b];
    for (let i = 0; i < Math.min(na.outputs.length, nb.outputs.length); i++) pairValues(na.outputs[i], nb.outputs[i]);
    pairInputs(na, nb);
  };
  const pairInputs = (na: CoreNode, nb: CoreNode) => {
    if (na.inputs.length !== nb.inputs.length) return;
    if (COMMUTATIVE.has(na.cls) && na.inputs.length === 2) {
      // Keep a pairing already known; else the producers' classes decide; else the order.
      const [a0, a1] = na.inputs, [b0, b1] = nb.inputs;
      const cls = (g: CoreGraph, v: string) => g.nodes[g.producer.get(v) ?? -1]?.cls ?? 'input';
      const swap = valuePair.get(a0) === b1 || valuePair.get(a1) === b0 ||
        (cls(A, a0) !== cls(B, b0) && cls(A, a0) === cls(B, b1) && cls(A, a1) === cls(B, b0));
      pairValues(a0, swap ? b1 : b0);
      pairValues(a1, swap ? b0 : b1);
      return;
    }
    na.inputs.forEach((v, i) => pairValues(v, nb.inputs[i]));
  };
  const compatible = (a: number, b: number) => A.nodes[a].cls === B.nodes[b].cls;

  if (o.names !== false) {
    const byName = uniqueIndex(B.nodes, (n) => n.name);
    A.nodes.forEach((n, a) => {
      const b = n.name ? byName.get(n.name) : undefined;
      if (b !== undefined && freeB(b) && compatible(a, b)) link(a, b, 'name');
    });
    const byOutput = uniqueIndex(B.nodes, (n) => n.outputs[0] ?? '');
    A.nodes.forEach((n, a) => {
      const b = byOutput.get(n.outputs[0] ?? '');
      if (freeA(a) && b !== undefined && freeB(b) && compatible(a, b)) link(a, b, 'output');
    });
  }
  pairEnds(A.inputs, B.inputs, A.view.inputs.map((t) => t.name), B.view.inputs.map((t) => t.name), pairValues);
  pairEnds(A.outputs, B.outputs, A.view.outputs.map((t) => t.name), B.view.outputs.map((t) => t.name), pairValues);

  /** Links the producers of a value pair, or steps over one side's extra node. */
  const backward = (va: string, vb: string) => {
    const pa = A.producer.get(va), pb = B.producer.get(vb);
    if (pa === undefined || pb === undefined || !freeA(pa) || !freeB(pb)) return;
    if (compatible(pa, pb)) return link(pa, pb, 'structure');
    const na = A.nodes[pa], nb = B.nodes[pb];
    if (steppable(na) && !producerChainHas(B, nb, na.cls)) {
      m.absorbedA[pa] = pb;
      pairValues(na.inputs[0], vb);
    } else if (steppable(nb) && !producerChainHas(A, na, nb.cls)) {
      m.absorbedB[pb] = pa;
      pairValues(va, nb.inputs[0]);
    }
  };

  /** Links readers of a value pair that can only be each other; steps over extra nodes. */
  const forward = (va: string, vb: string, byOrder: boolean) => {
    const ua = (A.consumers.get(va) ?? []).filter(freeA);
    const ub = (B.consumers.get(vb) ?? []).filter(freeB);
    if (!ua.length && !ub.length) return;
    const key = (g: CoreGraph, n: number, v: string) => {
      const node = g.nodes[n];
      return `${node.cls}:${COMMUTATIVE.has(node.cls) ? '*' : node.inputs.indexOf(v)}`;
    };
    const groupsA = groupBy(ua, (a) => key(A, a, va));
    const groupsB = groupBy(ub, (b) => key(B, b, vb));
    for (const [k, as] of groupsA) {
      const bs = groupsB.get(k);
      if (!bs) continue;
      if (as.length === 1 && bs.length === 1) { link(as[0], bs[0], 'structure'); continue; }
      // Refine by what else they read and by their weights' sizes.
      const fa = groupBy(as, (a) => refineKey(A, A.nodes[a], (v) => valuePair.get(v) ?? '?'));
      const fb = groupBy(bs, (b) => refineKey(B, B.nodes[b], (v) => v));
      for (const [rk, ra] of fa) {
        const rb = fb.get(rk);
        if (rb && ra.length === 1 && rb.length === 1) link(ra[0], rb[0], 'structure');
        else if (rb && byOrder) ra.forEach((a, i) => i < rb.length && freeB(rb[i]) && link(a, rb[i], 'structure'));
      }
      if (byOrder) {
        const la = as.filter(freeA), lb = bs.filter(freeB);
        la.forEach((a, i) => i < lb.length && link(a, lb[i], 'structure'));
      }
    }
    for (const a of ua) {
      const na = A.nodes[a];
      if (freeA(a) && steppable(na) && !ub.some((b) => freeB(b) && compatible(a, b)) && consumersHave(B, vb, A, na)) {
        m.absorbedA[a] = B.producer.get(vb) ?? -2;
        pairValues(na.outputs[0], vb);
      }
    }
    for (const b of ub) {
      const nb = B.nodes[b];
      if (freeB(b) && steppable(nb) && !ua.some((a) => freeA(a) && compatible(a, b)) && consumersHave(A, va, B, nb)) {
        m.absorbedB[b] = A.producer.get(va) ?? -2;
        pairValues(va, nb.outputs[0]);
      }
    }
  };

  const drain = (byOrder: boolean) => {
    for (let i = 0; i < queue.length; i++) {
      const [va, vb] = queue[i];
      backward(va, vb);
      forward(va, vb, byOrder);
    }
  };
  drain(false);
  // Ties left (identical branches no path told apart): pair them in graph order, then spread again.
  for (let round = 0; round < 4; round++) {
    const before = m.by.filter(Boolean).length;
    const start = queue.length;
    for (const [va, vb] of [...valuePair]) forward(va, vb, true);
    drain(false);
    if (m.by.filter(Boolean).length === before && queue.length === start) break;
  }
  return m;
}

/** One data input, one output: a node that can sit in a chain without changing its shape of the graph. */
function steppable(n: CoreNode): boolean {
  return STEPPABLE.has(n.cls) && n.inputs.length === 1 && n.outputs.length === 1;
}

/** Whether the node, or the steppable chain above it, has a node of class `cls`. */
function producerChainHas(g: CoreGraph, n: CoreNode, cls: string): boolean {
  for (let k = 0, c: CoreNode | undefined = n; c && k < 4; k++, c = g.nodes[g.producer.get(c.inputs[0] ?? '') ?? -1]) {
    if (c.cls === cls) return true;
    if (!steppable(c)) return false;
  }
  return false;
}

/**
 * Stepping over `extra` (of graph `from`) pairs its output with value `v` of `g`: worth it only if
 * the readers of `extra`'s output have readers of `v` of their class as counterparts (the MaxPool
 * after a folded Relu reads the Conv's output), or both are graph outputs.
 */
function consumersHave(g: CoreGraph, v: string, from: CoreGraph, extra: CoreNode): boolean {
  const next = from.consumers.get(extra.outputs[0]) ?? [];
  const theirs = new Set((g.consumers.get(v) ?? []).map((c) => g.nodes[c].cls));
  if (!next.length) return from.outputs.includes(extra.outputs[0]) && g.outputs.includes(v);
  return next.some((c) => theirs.has(from.nodes[c].cls));
}

function refineKey(g: CoreGraph, n: CoreNode, map: (v: string) => string): string {
  const inputs = n.inputs.map(map);
  if (COMMUTATIVE.has(n.cls)) inputs.sort();
  const sizes = n.weights.map((w) => g.weightInfo.get(w.name)?.elements ?? 0).sort((x, y) => x - y);
  return `${inputs.join('\u0000')}|${sizes.join(',')}`;
}

/** Pairs a graph's ends by name, else (same count, none shared) by position. */
function pairEnds(ca: string[], cb: string[], na: string[], nb: string[], pair: (a: string, b: string) => void): void {
  const shared = na.filter((n) => nb.includes(n));
  if (shared.length) na.forEach((n, i) => { const j = nb.indexOf(n); if (j >= 0) pair(ca[i], cb[j]); });
  else if (ca.length === cb.length) ca.forEach((v, i) => pair(v, cb[i]));
}

function uniqueIndex(nodes: CoreNode[], key: (n: CoreNode) => string): Map<string, number> {
  const out = new Map<string, number>();
  const dup = new Set<string>();
  nodes.forEach((n, i) => {
    const k = key(n);
    if (!k) return;
    if (out.has(k)) dup.add(k);
    out.set(k, i);
  });
  for (const k of dup) out.delete(k);
  return out;
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}
