import type { FlAggregateJobResult } from '../../core/jobs/fl-aggregate';
import type { FlClientJobResult } from '../../core/jobs/fl-client';
import type { FlServeJobResult } from '../../core/jobs/fl-serve';
import type { FlSimulateJobResult } from '../../core/jobs/fl-simulate';
import type { RoundMetrics } from '../../fl/server/state';

export function printAggregate(r: FlAggregateJobResult): string {
  const lines = [`FedAvg of ${r.clients.length} client(s), ${r.samples} samples, into ${r.output}`];
  for (const c of r.clients) lines.push(`  ${c.file}  ${c.samples} samples  delta norm ${c.norm.toPrecision(4)}${c.clipped ? ' (clipped)' : ''}`);
  lines.push(`update norm ${r.updateNorm.toPrecision(4)}${r.noiseStd ? `; noise std ${r.noiseStd.toPrecision(3)}` : ''}${r.epsilon !== undefined ? `; privacy spent: epsilon ${r.epsilon.toFixed(3)}` : ''}`);
  return lines.join('\n');
}

export function roundLine(m: RoundMetrics): string {
  const parts = [`round ${String(m.round).padStart(3)}`, `${m.clients} client(s)`, `${m.samples} samples`, `${m.seconds.toFixed(1)} s`, `${(m.uploadBytes / 1024).toFixed(1)} KiB/client up`];
  if (m.valTop1 !== undefined) parts.push(`val top-1 ${(m.valTop1 * 100).toFixed(2)}%`);
  if (m.epsilon !== undefined) parts.push(`epsilon ${m.epsilon.toFixed(3)}`);
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
  return r.rounds.map((c) => `${r.id} round ${c.round}: ${c.steps} steps on ${c.samples} samples, loss ${c.loss.toFixed(4)}, ${c.uploadBytes} bytes up, ${c.downloadBytes} down, ${c.seconds.toFixed(1)} s`).join('\n');
}

export function printSimulate(r: FlSimulateJobResult): string {
  const sizes = [...r.clientSizes].sort((a, b) => a - b);
  const lines = [`${r.clients} clients, ${r.partition}: ${sizes[0]}..${sizes[sizes.length - 1]} samples each (median ${sizes[sizes.length >> 1]})`];
  if (r.initialValTop1 !== undefined) lines.push(`start: val top-1 ${(r.initialValTop1 * 100).toFixed(2)}%`);
  lines.push(...r.rounds.map(roundLine), `final model: ${r.finalModel}`);
  return lines.join('\n');
}
