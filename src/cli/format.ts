/** Text layout shared by the CLI commands; numbers and units come from core/base/units.ts (one format everywhere). */
import { nearChanceAlarms } from '../core/analysis/chance';
import type { CliIo } from './command';
import { formatDuration } from '../core/base/units';
import type { LatencyVerdict } from '../core/analysis/noise';
export { formatBytes, formatCount } from '../core/base/units';


export function formatShape(shape: (number | string)[] | null): string {
  return shape ? `[${shape.join(', ')}]` : '[?]';
}

/** Rows of cells as left-aligned columns. */
export function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/**
 * Prints, loudly on stderr (with --json too), every near-chance alarm in a job's result: the float
 * model scoring what guessing scores means the data is wrong, and every accuracy figure with it.
 */
export function warnNearChance(io: Pick<CliIo, 'err'>, result: unknown): void {
  for (const a of nearChanceAlarms(result)) io.err(a.message);
}

/** A latency verdict (analysis/noise.ts) in words. */
export function verdictText(verdict: LatencyVerdict, noiseMs: number): string {
  return verdict === 'within-noise' ? `within the run-to-run noise of ${formatDuration(noiseMs)}` : `${verdict} beyond the run-to-run noise of ${formatDuration(noiseMs)}`;
}
