/**
 * The diff of two models: every node of A matched to B (match.ts) and classified as unchanged,
 * changed (attributes, weights by how much), rewritten (quantized, fused, pruned, another op of
 * the same kind), removed, or added in B.
 */
import type { ModelReader } from '../../formats/format';
import type { AttributeInfo } from '../../graph/types';
import { throwIfCancelled } from '../../base/cancel';
import { coreGraph, type CoreGraph, type CoreNode, type LogicalWeight } from './core-graph';
import { matchGraphs, type MatchOptions } from './match';
import { FUSABLE, FUSING } from './ops';
import { compareWeights } from './weights';
import { DIFF_STATUSES, type AttributeChange, type DiffStatus, type ModelDiff, type NodeDiff, type RewriteKind, type WeightDiff } from './types';
import { counter, type Progress } from '../../base/progress';

export interface DiffOptions extends MatchOptions {
  signal?: AbortSignal;
  progress?: Progress;
}

export interface DiffInput {
  file: string;
  reader: ModelReader;
}

export function diffModels(left: DiffInput, right: DiffInput, o: DiffOptions = {}): ModelDiff {
  const t0 = performance.now();
  const A = coreGraph(left.reader.viewGraph());
  const B = coreGraph(right.reader.viewGraph());
  throwIfCancelled(o.signal);
  o.progress?.('matching nodes', 0.2);
  const m = matchGraphs(A, B, o);
  throwIfCancelled(o.signal);
  const sameFormat = left.reader.format === right.reader.format;
  const weights = { compared: 0, elements: 0, ms: 0 };
  // B weights a matched node leaves unpaired, offered to A nodes fused into it (MatMul + Add's bias).
  const leftover = new Map<number, LogicalWeight[]>();
  const fusedIntoB = groupIndices(m.absorbedA);
  const fusedIntoA = groupIndices(m.absorbedB);

  const compare = (wa: LogicalWeight[], wb: LogicalWeight[]): { diffs: WeightDiff[]; left: LogicalWeight[] } => {
    const t = performance.now();
    const free = [...wb];
    const diffs = wa.map((w, i) => {
      // The weight in the same place if it has as many elements, else any that has, else the one in the same place (pruned).
      const size = A.weightInfo.get(w.name)?.elements;
      const same = [wb[i], ...free].find((x) => x && free.includes(x) && B.weightInfo.get(x.name)?.elements === size) ?? (free.includes(wb[i]) ? wb[i] : undefined);
      if (!same) return { a: w.name, shapeA: shapeOf(A, w), dtypeA: A.weightInfo.get(w.name)?.dtype, note: 'only in A' } as WeightDiff;
      free.splice(free.indexOf(same), 1);
      const r = compareWeights({ reader: left.reader, weight: w, info: A.weightInfo.get(w.name) }, { reader: right.reader, weight: same, info: B.weightInfo.get(same.name) });
      if (r.elements) { weights.compared++; weights.elements += r.elements; }
      return r.diff;
    });
    weights.ms += performance.now() - t;
    return { diffs, left: free };
  };

  const entries: NodeDiff[] = [];
  const pairEntry = (a: number, b: number): NodeDiff => {
    const na = A.nodes[a], nb = B.nodes[b];
    const rewrites: RewriteKind[] = [];
    const details: string[] = [];
    if (na.quantized !== nb.quantized) {
      rewrites.push('quantized');
      details.push(`${na.quantized ? 'dequantized' : 'quantized'}: ${form(A, na)} -> ${form(B, nb)}`);
    } else if (sameFormat && na.op !== nb.op) {
      rewrites.push('op');
      details.push(`${na.op} -> ${nb.op}`);
    }
    const fusedA = fusedIntoB.get(b) ?? [], fusedB = fusedIntoA.get(a) ?? [];
    const fused = [...fusedA.map((i) => A.nodes[i]), ...fusedB.map((i) => B.nodes[i])].filter((n) => FUSABLE.has(n.cls));
    if (fused.length && FUSING.has(na.cls)) {
      rewrites.push('fused');
      details.push(`${fusedA.length ? 'fuses' : 'split into'} ${fused.map((n) => n.op).join(', ')}`);
    }
    const { diffs, left: rest } = compare(na.weights, nb.weights);
    if (rest.length) leftover.set(b, rest);
    const pruned = diffs.map(prunedAxis).find((p) => p);
    if (pruned) {
      rewrites.push('pruned');
      details.push(pruned);
    }
    const attributes = sameFormat ? attributeChanges(A.view.nodes[na.view].attributes, B.view.nodes[nb.view].attributes) : [];
    const changed = attributes.length > 0 || diffs.some((d) => ((d.maxAbs ?? 0) > 0 || d.note) && !d.reordered);
    const status: DiffStatus = rewrites.length ? 'rewritten' : changed ? 'changed' : 'unchanged';
    return {
      status, a: na.id, b: nb.id, opA: na.op, opB: nb.op, matchedBy: m.by[a],
      ...(rewrites.length ? { rewrites, detail: details.join('; ') } : {}),
      ...helpers(A, na, 'helpersA'), ...helpers(B, nb, 'helpersB'),
      ...(attributes.length ? { attributes } : {}), ...(diffs.length ? { weights: diffs } : {}),
    };
  };
  /** A node one side has and the other folded into a neighbour, or simply lacks. */
  const loneEntry = (g: CoreGraph, n: CoreNode, side: 'a' | 'b', partner: number, other: CoreGraph): NodeDiff => {
    const p = partner >= 0 ? other.nodes[partner] : undefined;
    const base: NodeDiff = side === 'a' ? { status: 'removed', a: n.id, opA: n.op, ...helpers(g, n, 'helpersA') } : { status: 'added', b: n.id, opB: n.op, ...helpers(g, n, 'helpersB') };
    if (!p || !FUSABLE.has(n.cls) || !FUSING.has(p.cls)) return p ? { ...base, detail: `${side === 'a' ? 'not in B' : 'not in A'}, beside ${p.id}` } : base;
    const fused: NodeDiff = { ...base, status: 'rewritten', rewrites: ['fused-into'], fusedInto: p.id, detail: `fused into ${p.op} '${p.id}'` };
    if (side === 'a') {
      const { diffs, left: rest } = compare(n.weights, leftover.get(partner) ?? []);
      leftover.set(partner, rest);
      // A fused Relu6's bounds have no counterpart: only the weights that found one are worth listing.
      const paired = diffs.filter((w) => w.b);
      if (paired.length) fused.weights = paired;
    }
    return fused;
  };

  const nodeCount = counter(o.progress, 'comparing nodes', 'nodes', (share) => 0.3 + 0.7 * share);
  A.nodes.forEach((n, a) => {
    if (a % 256 === 0) {
      throwIfCancelled(o.signal);
      nodeCount(a, A.nodes.length);
    }
    const b = m.aToB[a];
    entries.push(b >= 0 ? pairEntry(a, b) : loneEntry(A, n, 'a', m.absorbedA[a], B));
  });
  B.nodes.forEach((n, b) => {
    if (m.bToA[b] < 0) entries.push(loneEntry(B, n, 'b', m.absorbedB[b], A));
  });

  const counts = Object.fromEntries(DIFF_STATUSES.map((s) => [s, 0])) as Record<DiffStatus, number>;
  for (const e of entries) counts[e.status]++;
  const by = (how: string) => m.by.filter((x) => x === how).length;
  const fusedCount = entries.filter((e) => e.a && e.rewrites?.includes('fused-into')).length;
  const matchedA = by('name') + by('output') + by('structure') + fusedCount;
  return {
    a: { file: left.file, format: left.reader.format, nodes: A.view.nodes.length, coreNodes: A.nodes.length },
    b: { file: right.file, format: right.reader.format, nodes: B.view.nodes.length, coreNodes: B.nodes.length },
    entries, counts,
    matched: { coreA: A.nodes.length, matchedA, share: A.nodes.length ? matchedA / A.nodes.length : 1, byName: by('name'), byOutput: by('output'), byStructure: by('structure'), fused: fusedCount },
    weights: { ...weights, ms: Math.round(weights.ms * 10) / 10 },
    options: { names: o.names !== false },
    ms: Math.round((performance.now() - t0) * 10) / 10,
  };
}

/** Partner index -> the indices absorbed beside it. */
function groupIndices(absorbed: Int32Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  absorbed.forEach((p, i) => {
    if (p < 0) return;
    const list = out.get(p);
    if (list) list.push(i);
    else out.set(p, [i]);
  });
  return out;
}

function shapeOf(g: CoreGraph, w: LogicalWeight): number[] | undefined {
  const s = g.weightInfo.get(w.name)?.shape;
  return s?.every((d): d is number => typeof d === 'number') ? s : undefined;
}

/** How a node is computed: 'Conv', 'DequantizeLinear -> Conv -> QuantizeLinear', 'QLinearConv'. */
function form(g: CoreGraph, n: CoreNode): string {
  const ops = n.helpers.map((h) => g.view.nodes[h].opType);
  const before = [...new Set(ops.filter((op) => /^De[Qq]uantize|^DEQUANTIZE/.test(op)))];
  const after = [...new Set(ops.filter((op) => /^Quantize|^QUANTIZE|^DynamicQuantize/.test(op)))];
  return [...before, n.op, ...after].join(' -> ');
}

function helpers(g: CoreGraph, n: CoreNode, key: 'helpersA' | 'helpersB'): Partial<NodeDiff> {
  return n.helpers.length ? { [key]: n.helpers.map((h) => g.view.nodes[h].id) } : {};
}

/** 'pruned: 64 -> 48 along axis 0' when two same-rank weights differ along exactly one axis. */
function prunedAxis(d: WeightDiff): string | undefined {
  const a = d.shapeA, b = d.shapeB;
  if (!a || !b || a.length !== b.length) return undefined;
  const axes = a.map((x, i) => (x !== b[i] ? i : -1)).filter((i) => i >= 0);
  if (axes.length !== 1) return undefined;
  const k = axes[0];
  return `${a[k]} -> ${b[k]} along axis ${k} of '${d.a}'`;
}

function attributeChanges(a: AttributeInfo[], b: AttributeInfo[]): AttributeChange[] {
  const out: AttributeChange[] = [];
  const bm = new Map(b.map((x) => [x.name, x.value]));
  for (const x of a) {
    const y = bm.get(x.name);
    if (y !== x.value) out.push({ name: x.name, a: x.value, ...(y === undefined ? {} : { b: y }) });
    bm.delete(x.name);
  }
  for (const [name, value] of bm) out.push({ name, b: value });
  return out;
}
