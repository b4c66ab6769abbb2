/**
 * What the editor shows on the model's text view and graph, computed from analysis results:
 * diagnostics placed on node lines, hover text per node, CodeLens titles heading the top layers,
 * and per-node overlays for the graph. Pure data; the extension turns it into VS Code objects.
 */
import type { ModelText } from '../formats/onnx/text';
import type { Overlay } from '../graph/types';
import type { Finding, Severity } from './diagnostics';
import type { TensorError } from './tensor-error';
import type { LayerLatency } from './latency-gain';
import type { LatencyVerdict } from './noise';
import type { LayerSensitivity } from './sensitivity';
import { formatBytes, formatCloseness, formatDb, formatMicros, formatNumber, formatPercent } from '../base/units';
import { valueRecord } from '../graph/types';

/** What is known about one node (any field may be missing). */
export interface NodeFacts {
  opType?: string;
  weightBytes?: number;
  latencyUs?: number;
  /** Share of the run time, 0..1. */
  share?: number;
  sqnrDb?: number;
  cosine?: number;
  /** Metric drop when only this layer is quantized. */
  drop?: number;
  gainUs?: number;
  /** What the gain means by the one noise rule (noise.ts). */
  gainVerdict?: LatencyVerdict;
  precision?: string;
}

/** INT8 against float on a layer, in words that follow the noise rule: 'saves 12 µs', 'costs 3 µs', 'within noise (1 µs apart)'. */
function gainText(f: NodeFacts): string {
  const amount = formatMicros(Math.abs(f.gainUs!));
  if (f.gainVerdict === 'within-noise') return `within noise of float (${amount} apart)`;
  return `${f.gainUs! >= 0 ? 'saves' : 'costs'} ${amount}`;
}

export interface LineDiagnostic {
  line: number;
  nodeId?: string;
  severity: Severity;
  code: string;
  message: string;
}

export interface TextAnnotations {
  diagnostics: LineDiagnostic[];
  /** Markdown hover per node line. */
  hovers: Record<number, string>;
  lenses: { line: number; nodeId: string; title: string }[];
}

/** Findings without a node sit on line 0 (the model header). */
export function annotateText(text: ModelText, findings: readonly Finding[], facts: Record<string, NodeFacts>, topLayers = 5): TextAnnotations {
  const diagnostics: LineDiagnostic[] = [];
  for (const f of findings) {
    const line = f.nodeId !== undefined ? text.nodeLines[f.nodeId] : 0;
    if (line === undefined) continue;
    diagnostics.push({ line, nodeId: f.nodeId, severity: f.severity, code: f.code, message: f.message });
  }
  const hovers: Record<number, string> = {};
  for (const [nodeId, fact] of Object.entries(facts)) {
    const line = text.nodeLines[nodeId];
    if (line !== undefined) hovers[line] = hoverMarkdown(nodeId, fact);
  }
  const timed = Object.entries(facts).filter(([id, f]) => f.latencyUs !== undefined && text.nodeLines[id] !== undefined)
    .sort((a, b) => b[1].latencyUs! - a[1].latencyUs! || text.nodeLines[a[0]] - text.nodeLines[b[0]]).slice(0, topLayers);
  const lenses = timed.map(([nodeId, f], i) => ({
    line: text.nodeLines[nodeId], nodeId,
    title: `#${i + 1} by time: ${formatMicros(f.latencyUs!)}${f.share !== undefined ? ` (${formatPercent(f.share)})` : ''}` +
      `${f.sqnrDb !== undefined ? ` · SQNR ${formatDb(f.sqnrDb)}` : ''}${f.gainUs !== undefined ? ` · INT8 ${gainText(f)}` : ''}`,
  }));
  return { diagnostics, hovers, lenses };
}

export function hoverMarkdown(nodeId: string, f: NodeFacts): string {
  const rows: [string, string][] = [];
  if (f.opType) rows.push(['op', f.opType]);
  if (f.precision) rows.push(['precision', f.precision]);
  if (f.weightBytes !== undefined) rows.push(['weights', formatBytes(f.weightBytes)]);
  if (f.latencyUs !== undefined) rows.push(['latency', `${formatMicros(f.latencyUs)}${f.share !== undefined ? ` (${formatPercent(f.share)} of the run)` : ''}`]);
  if (f.gainUs !== undefined) rows.push(['INT8 vs float', gainText(f)]);
  if (f.sqnrDb !== undefined) rows.push(['SQNR', formatDb(f.sqnrDb)]);
  if (f.cosine !== undefined) rows.push(['cosine', formatCloseness(f.cosine)]);
  if (f.drop !== undefined) rows.push(['drop when only this layer is INT8', formatNumber(f.drop)]);
  return [`**${nodeId}**`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** Per-node facts gathered from whichever analyses ran. */
export function nodeFacts(parts: {
  tensorErrors?: readonly TensorError[];
  latency?: readonly { nodeId: string; meanUs: number; share?: number }[];
  gains?: readonly LayerLatency[];
  sensitivity?: readonly LayerSensitivity[];
  weightBytes?: Record<string, number>;
  precision?: Record<string, string>;
}): Record<string, NodeFacts> {
  const out = valueRecord<NodeFacts>();
  const at = (id: string) => (out[id] ??= {});
  for (const e of parts.tensorErrors ?? []) {
    const f = at(e.layer);
    f.opType ??= e.opType;
    if (f.sqnrDb === undefined || e.sqnrDb < f.sqnrDb) { f.sqnrDb = e.sqnrDb; f.cosine = e.cosine; }
  }
  for (const l of parts.latency ?? []) { const f = at(l.nodeId); f.latencyUs = l.meanUs; f.share = l.share; }
  for (const g of parts.gains ?? []) Object.assign(at(g.layer), { gainUs: g.gainUs, gainVerdict: g.verdict });
  for (const s of parts.sensitivity ?? []) at(s.layer).drop = s.drop;
  for (const [id, b] of Object.entries(parts.weightBytes ?? {})) at(id).weightBytes = b;
  for (const [id, p] of Object.entries(parts.precision ?? {})) at(id).precision = p;
  return out;
}


export function analysisOverlays(facts: Record<string, NodeFacts>): Overlay[] {
  const pick = (k: keyof NodeFacts) => Object.fromEntries(Object.entries(facts).filter(([, f]) => typeof f[k] === 'number' && Number.isFinite(f[k] as number)).map(([id, f]) => [id, f[k] as number]));
  const overlays: Overlay[] = [
    { id: 'analysis.sqnr', label: 'Quantization SQNR', unit: 'dB', values: pick('sqnrDb'), scale: 'linear', higherIsBetter: true },
    { id: 'analysis.drop', label: 'Accuracy drop (this layer alone in INT8)', unit: 'points', values: pick('drop'), scale: 'linear' },
    { id: 'analysis.gain', label: 'INT8 latency gain', unit: 'µs', values: pick('gainUs'), scale: 'linear', higherIsBetter: true },
    { id: 'analysis.latency', label: 'Latency', unit: 'µs', values: pick('latencyUs'), scale: 'log' },
  ];
  return overlays.filter((o) => Object.keys(o.values).length > 0);
}
