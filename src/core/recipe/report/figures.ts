/** The figures the report prints, shared by the HTML and Markdown writers. */
import type { Measured } from '../run';
import { num } from './svg';

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${num(v)} ${units[u]}`;
}

/** What the budgets were checked on, as label/value rows (measured ones only). */
export function measuredRows(m: Measured): [string, string][] {
  const rows: [string, string | undefined][] = [
    ['model size', bytesText(m.sizeBytes)],
    ['flash (.tflite)', m.flashBytes === undefined ? undefined : bytesText(m.flashBytes)],
    ['TFLite Micro arena', m.arenaBytes === undefined ? undefined : bytesText(m.arenaBytes)],
    ['top-1 of the recipe\'s model', m.floatTop1 === undefined ? undefined : `${m.floatTop1.toFixed(2)}%`],
    ['top-1 of the result', m.top1 === undefined ? undefined : `${m.top1.toFixed(2)}%`],
    ['output cosine', m.cosine === undefined ? undefined : m.cosine.toFixed(5)],
    ['median latency', m.latencyMs === undefined ? undefined : `${num(m.latencyMs)} ms`],
    ['peak RAM', m.ramBytes === undefined ? undefined : bytesText(m.ramBytes)],
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
    if (typeof v === 'number') out.push([key, num(v)]);
    else if (typeof v === 'string' || typeof v === 'boolean') out.push([key, String(v).slice(0, 120)]);
    else if (Array.isArray(v)) out.push([key, `${v.length} item${v.length === 1 ? '' : 's'}`]);
    else if (v && typeof v === 'object' && depth < 1) out.push(...passFigures(v, key, depth + 1));
  }
  return out;
}
