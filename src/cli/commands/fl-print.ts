import type { FlAggregateJobResult } from '../../core/jobs/fl-aggregate';
import type { FlClientJobResult } from '../../core/jobs/fl-client';
import type { FlServeJobResult } from '../../core/jobs/fl-serve';
import type { FlSimulateJobResult } from '../../core/jobs/fl-simulate';
import type { RoundMetrics } from '../../fl/server/state';
import { formatBytes, formatNumber, formatPercent } from '../../core/base/units';

export function printAggregate(r: FlAggregateJobResult): string {
  const lines = [`FedAvg of ${r.clients.length} client(s), ${r.samples} samples, into ${r.output}`];
  for (const c of r.clients) lines.push(`  ${c.file}  ${c.samples} samples  delta norm ${formatNumber(c.norm, 4)}${c.clipped ? ' (clipped)' : ''}`);
  lines.push(`update norm ${formatNumber(r.updateNorm, 4)}${r.noiseStd ? `; noise std ${formatNumber(r.noiseStd)}` : ''}${r.epsilon !== undefined ? `; privacy spent: epsilon ${formatNumber(r.epsilon)}` : ''}`);
  return lines.join('\n');
}

export function roundLine(m: RoundMetrics): string {
  const parts = [`round ${String(m.round).padStart(3)}`, `${m.clients} client(s)`, `${m.samples} samples`, `${formatNumber(m.seconds)} s`, `${formatBytes(m.uploadBytes)}/client up`];
  if (m.valTop1 !== undefined) parts.push(`val top-1 ${formatPercent(m.valTop1, 2)}`);
  if (m.epsilon !== undefined) parts.push(`epsilon ${formatNumber(m.epsilon)}`);
  if (m.abandoned) parts.push(`after ${m.abandoned} abandoned attempt(s)`);
  return parts.join('  ');
}

export function printServe(r: FlServeJobResult): string {
  const lines = r.resumedFrom ? [`resumed after round ${r.resumedFrom}`] : [];
  lines.push(...r.rounds.map(roundLine), `final model: ${r.finalModel}`);
  return lines.join('\n');
}

export function printClient(r: FlClientJobResult): string {
  if (!r.rounds.length) return `${r.id}: took part in no round`;
  return r.rounds.map((c) => `${r.id} round ${c.round}: ${c.steps} steps on ${c.samples} samples, loss ${formatNumber(c.loss, 4)}, ${formatBytes(c.uploadBytes)} up, ${formatBytes(c.downloadBytes)} down, ${formatNumber(c.seconds)} s`).join('\n');
}

export function printSimulate(r: FlSimulateJobResult): string {
  const sizes = [...r.clientSizes].sort((a, b) => a - b);
  const lines = [`${r.clients} clients, ${r.partition}: ${sizes[0]}..${sizes[sizes.length - 1]} samples each (median ${sizes[sizes.length >> 1]})`];
  if (r.initialValTop1 !== undefined) lines.push(`start: val top-1 ${formatPercent(r.initialValTop1, 2)}`);
  lines.push(...r.rounds.map(roundLine), `final model: ${r.finalModel}`);
  return lines.join('\n');
}
