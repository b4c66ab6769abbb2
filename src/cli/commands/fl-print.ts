import type { FlAggregateJobResult } from '../../core/jobs/fl-aggregate';

export function printAggregate(r: FlAggregateJobResult): string {
  const lines = [`FedAvg of ${r.clients.length} client(s), ${r.samples} samples, into ${r.output}`];
  for (const c of r.clients) lines.push(`  ${c.file}  ${c.samples} samples  delta norm ${c.norm.toPrecision(4)}${c.clipped ? ' (clipped)' : ''}`);
  lines.push(`update norm ${r.updateNorm.toPrecision(4)}${r.noiseStd ? `; noise std ${r.noiseStd.toPrecision(3)}` : ''}${r.epsilon !== undefined ? `; privacy spent: epsilon ${r.epsilon.toFixed(3)}` : ''}`);
  return lines.join('\n');
}
