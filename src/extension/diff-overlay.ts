/**
 * A model diff as what the graph views show: one categorical overlay per side (colour by status,
 * a badge saying how, inspector lines naming the counterpart and the weight figures), the pairs
 * that keep the two views' selections together, and the differences to step through. No VS Code
 * import: the Compare command (compare.ts) posts these.
 */
import * as path from 'node:path';
import type { ModelDiff, NodeDiff, WeightDiff } from '../core/jobs/diff';
import type { DiffStatus } from '../core/analysis/diff/types';
import type { Overlay, OverlayCategory } from '../core/graph/types';
import { valueRecord } from '../core/graph/types';
import { formatNumber } from '../core/base/units';

export const DIFF_OVERLAY_ID = 'diff';

/** Higher values win when a collapsed group holds several. */
const CATEGORIES: (OverlayCategory & { status: DiffStatus })[] = [
  { status: 'unchanged', value: 0, label: 'unchanged', colour: '#7a7f87' },
  { status: 'rewritten', value: 1, label: 'rewritten', colour: '#3b8ed8' },
  { status: 'changed', value: 2, label: 'changed', colour: '#d8a31a' },
  { status: 'added', value: 3, label: 'added', colour: '#3fa34d' },
  { status: 'removed', value: 4, label: 'removed', colour: '#d64f4b' },
];
const VALUE = Object.fromEntries(CATEGORIES.map((c) => [c.status, c.value])) as Record<DiffStatus, number>;

export type DiffSide = 'a' | 'b';

/** The overlay of one side: every node of that side with its status; Q/DQ and Constant nodes take their owner's. */
export function diffOverlay(d: ModelDiff, side: DiffSide): Overlay {
  const values = valueRecord<number>();
  const badges = valueRecord<string>();
  const notes = valueRecord<string[]>();
  const other = side === 'a' ? 'B' : 'A';
  for (const e of d.entries) {
    const id = e[side];
    if (!id) continue;
    values[id] = VALUE[e.status];
    const badge = badgeOf(e);
    if (badge) badges[id] = badge;
    notes[id] = noteLines(e, side, other);
    // Quantize/Dequantize and Constant nodes drawn in the colour of the node they serve.
    for (const h of (side === 'a' ? e.helpersA : e.helpersB) ?? []) {
      values[h] = VALUE[e.status];
      notes[h] = [`serves ${id}`, ...notes[id]];
    }
  }
  return {
    id: DIFF_OVERLAY_ID, label: `Diff with ${other}: ${path.basename(side === 'a' ? d.b.file : d.a.file)}`,
    unit: '', values, scale: 'linear', categories: CATEGORIES.map(({ status: _s, ...c }) => c), badges, notes,
  };
}

function badgeOf(e: NodeDiff): string | undefined {
  if (e.rewrites?.includes('fused-into')) return 'fused';
  if (e.rewrites?.includes('pruned')) return 'pruned';
  if (e.rewrites?.includes('quantized')) return e.rewrites.includes('fused') ? 'INT8+fused' : 'INT8';
  if (e.rewrites?.includes('fused')) return 'fused';
  if (e.rewrites?.includes('op')) return 'op';
  if (e.status === 'changed') return e.attributes?.length ? 'Δ attr' : 'Δ w';
  if (e.status === 'added') return 'new';
  if (e.status === 'removed') return 'gone';
  return undefined;
}

/** What the inspector shows about a node: its counterpart, how it differs, each weight's figures. */
function noteLines(e: NodeDiff, side: DiffSide, other: string): string[] {
  const partner = side === 'a' ? e.b ?? e.fusedInto : e.a;
  const lines = [partner ? `${other}: ${partner} (${(side === 'a' ? e.opB : e.opA) ?? ''})${e.matchedBy ? `, matched by ${e.matchedBy}` : ''}` : `${other}: no counterpart`];
  lines.push(`${e.status}${e.detail ? `: ${e.detail}` : ''}`);
  for (const c of e.attributes ?? []) lines.push(`attribute ${c.name}: ${c.a ?? '(none)'} -> ${c.b ?? '(none)'}`);
  for (const w of e.weights ?? []) lines.push(weightLine(w));
  return lines;
}

export function weightLine(w: WeightDiff): string {
  const name = `${w.a ?? ''}${w.b && w.b !== w.a ? ` ↔ ${w.b}` : ''}`;
  const types = w.dtypeA && w.dtypeB && w.dtypeA !== w.dtypeB ? ` ${w.dtypeA} -> ${w.dtypeB}` : '';
  if (w.maxAbs === undefined || w.reordered) return `weight ${name}:${types} ${w.note ?? ''}`.trimEnd();
  const rel = w.relL2 === undefined ? '' : `, relative L2 ${Number.isFinite(w.relL2) ? `${formatNumber(100 * w.relL2)}%` : 'inf'}`;
  return `weight ${name}:${types} max |a - b| ${w.maxAbs.toPrecision(3)}${rel}`;
}

/** For keeping two views' selections together: each side's node -> the other side's. */
export function diffPartners(d: ModelDiff): { aToB: Map<string, string>; bToA: Map<string, string> } {
  const aToB = new Map<string, string>(), bToA = new Map<string, string>();
  for (const e of d.entries) {
    const b = e.b ?? e.fusedInto;
    if (e.a && b) aToB.set(e.a, b);
    if (e.b && e.a) bToA.set(e.b, e.a);
    if (e.b && !e.a && e.fusedInto) bToA.set(e.b, e.fusedInto);
    for (const h of e.helpersB ?? []) if (e.a) bToA.set(h, e.a);
    for (const h of e.helpersA ?? []) if (b) aToB.set(h, b);
  }
  return { aToB, bToA };
}

/** The entries worth stepping through: every one that is not unchanged, in the diff's order. */
export function differences(d: ModelDiff): NodeDiff[] {
  return d.entries.filter((e) => e.status !== 'unchanged');
}

/** One line for a difference in a list: 'rewritten  /3/Conv -> /3/Conv (quantized ...)'. */
export function differenceLabel(e: NodeDiff): { label: string; description: string } {
  const a = e.a ? `${e.a}` : '', b = e.b ? `${e.b}` : '';
  const label = a && b && a !== b ? `${a} → ${b}` : a || b;
  return { label, description: `${e.status}${e.detail ? `: ${e.detail}` : e.opA || e.opB ? ` ${e.opA ?? e.opB}` : ''}` };
}
