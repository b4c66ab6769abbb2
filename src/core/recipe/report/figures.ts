/** The figures the report prints, shared by the HTML and Markdown writers. */
import type { Measured } from '../run';
import { formatBytes, formatCloseness, formatNumber, formatPercent } from '../../base/units';

/** What the budgets were checked on, as label/value rows (measured ones only). */
export function measuredRows(m: Measured): [string, string][] {
  const rows: [string, string | undefined][] = [
    ['model size', formatBytes(m.sizeBytes)],
    ['flash (.tflite)', m.flashBytes === undefined ? undefined : formatBytes(m.flashBytes)],
    ['TFLite Micro arena', m.arenaBytes === undefined ? undefined : formatBytes(m.arenaBytes)],
    ['top-1 of the recipe\'s model', m.floatTop1 === undefined ? undefined : formatPercent(m.floatTop1 / 100, 2)],
    ['top-1 of the result', m.top1 === undefined ? undefined : formatPercent(m.top1 / 100, 2)],
    ['output cosine', m.cosine === undefined ? undefined : formatCloseness(m.cosine)],
    ['median latency', m.latencyMs === undefined ? undefined : `${formatNumber(m.latencyMs)} ms`],
    ['peak RAM', m.ramBytes === undefined ? undefined : formatBytes(m.ramBytes)],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

/**
 * A pass report's figures: its numbers, words and flags, two levels deep, and the length of each
 * list (every pass reports in its own shape; all of them show this way).
 */
export function passFigures(report: unknown, prefix = '', depth = 0): [string, string][] {
  if (!report || typeof report !== 'object') return [];
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(report as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out.push([key, formatNumber(v)]);
    else if (typeof v === 'string' || typeof v === 'boolean') out.push([key, String(v).slice(0, 120)]);
    else if (Array.isArray(v)) out.push([key, `${v.length} item${v.length === 1 ? '' : 's'}`]);
    else if (v && typeof v === 'object' && depth < 1) out.push(...passFigures(v, key, depth + 1));
  }
  return out;
}
