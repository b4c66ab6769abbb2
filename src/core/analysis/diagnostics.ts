/**
 * Rules that turn measurements into findings (pure: data in, findings out). The extension shows
 * them in the Problems panel and on the text view's lines; the CLI prints them.
 */
import type { TensorError } from './tensor-error';
import type { LayerLatency } from './latency-gain';
import { formatCloseness, formatDb, formatMicros, formatPercent } from '../base/units';
import type { NearChance } from './chance';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /** Stable rule id, e.g. 'low-sqnr'. */
  code: string;
  /** ViewNode.id the finding is about; absent for model-wide findings. */
  nodeId?: string;
  message: string;
  /** The measured number behind the finding (dB, share, µs, count...). */
  value?: number;
}

export interface DiagnosticThresholds {
  /** Warn below this SQNR (dB). */
  minSqnrDb: number;
  /** Inform when one layer takes more than this share of the run time. */
  hotLayerShare: number;
  /** Warn when INT8 costs more than this many µs over float for a layer. */
  int8SlowerUs: number;
}

export const DEFAULT_THRESHOLDS: DiagnosticThresholds = { minSqnrDb: 20, hotLayerShare: 0.2, int8SlowerUs: 0 };

export interface DiagnosticInputs {
  tensorErrors?: readonly TensorError[];
  /** Share of the model's run (kernel) time per node (0..1), e.g. from a profile. */
  layerShares?: readonly { nodeId: string; share: number; meanUs?: number }[];
  latencyGains?: readonly LayerLatency[];
  /** Values the FP16 pass clamped to the float16 range, per node. */
  fp16Clamps?: readonly { nodeId?: string; tensor: string; count: number }[];
  /** Budgets the model breaks on its target (one sentence each). */
  budgetBreaks?: readonly { budget: string; message: string; measured?: number }[];
  /** The float model scores what guessing scores on the data (chance.ts). */
  nearChance?: NearChance;
}

export function diagnose(inputs: DiagnosticInputs, thresholds: Partial<DiagnosticThresholds> = {}): Finding[] {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const out: Finding[] = [];
  if (inputs.nearChance) out.push({ severity: 'error', code: 'near-chance', value: inputs.nearChance.top1, message: inputs.nearChance.message });
  // One finding per layer: its worst tensor.
  const worst = new Map<string, TensorError>();
  for (const e of inputs.tensorErrors ?? []) {
    const w = worst.get(e.layer);
    if (!w || e.sqnrDb < w.sqnrDb) worst.set(e.layer, e);
  }
  for (const e of worst.values()) {
    if (e.sqnrDb < t.minSqnrDb) {
      out.push({
        severity: 'warning', code: 'low-sqnr', nodeId: e.layer, value: e.sqnrDb,
        message: `${e.opType} output SQNR ${formatDb(e.sqnrDb)} is under ${t.minSqnrDb} dB (cosine ${formatCloseness(e.cosine)}): quantization error is high here`,
      });
    }
  }
  for (const l of inputs.layerShares ?? []) {
    if (l.share > t.hotLayerShare) {
      out.push({
        severity: 'info', code: 'hot-layer', nodeId: l.nodeId, value: l.share,
        message: `takes ${formatPercent(l.share)} of the model's kernel time${l.meanUs !== undefined ? ` (${formatMicros(l.meanUs)})` : ''}`,
      });
    }
  }
  // The costliest first.
  // Advice only above the run-to-run noise (noise.ts); a gap within it is said to be noise.
  for (const g of [...(inputs.latencyGains ?? [])].sort((a, b) => a.gainUs - b.gainUs)) {
    if (-g.gainUs <= t.int8SlowerUs) continue;
    const times = `${formatMicros(g.int8Us)} vs ${formatMicros(g.floatUs)}`;
    if (g.verdict === 'slower') {
      out.push({
        severity: 'warning', code: 'int8-slower', nodeId: g.layer, value: -g.gainUs,
        message: `INT8 is slower than float here (${times}, beyond the ${formatMicros(g.noiseUs)} run-to-run noise): keep this layer in float`,
      });
    } else if (g.verdict === 'within-noise') {
      out.push({
        severity: 'info', code: 'int8-within-noise', nodeId: g.layer, value: -g.gainUs,
        message: `INT8 and float are within noise here (${times}; the runs vary by ${formatMicros(g.noiseUs)}): no reason to keep this layer in float for speed`,
      });
    }
  }
  for (const c of inputs.fp16Clamps ?? []) {
    if (c.count > 0) {
      out.push({
        severity: 'warning', code: 'fp16-clamped', nodeId: c.nodeId, value: c.count,
        message: `${c.count} value(s) of '${c.tensor}' were outside the float16 range and were clamped`,
      });
    }
  }
  for (const b of inputs.budgetBreaks ?? []) {
    out.push({ severity: 'error', code: `budget-${b.budget}`, value: b.measured, message: b.message });
  }
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return out.sort((a, b) => rank[a.severity] - rank[b.severity]);
}
