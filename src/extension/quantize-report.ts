import * as path from 'node:path';
import type { QuantizeJobResult } from '../core/jobs/quantize';
import { formatBytes, formatCloseness, formatDb, formatNumber, formatPercent, formatRatio } from '../core/base/units';
import { nearChanceAlarms } from '../core/analysis/chance';

/** The full before/after report as Markdown. */
export function reportMarkdown(r: QuantizeJobResult): string {
  const pct = (x?: number) => formatPercent(x, 2);
  const lines = [
    `# ${r.mode}: ${path.basename(r.input)} -> ${path.basename(r.output)}`, '',
    ...nearChanceAlarms(r).map((a) => `> **${a.message}**\n`),
    '| | before | after |', '|---|---|---|',
    `| file | ${formatBytes(r.fileBytesBefore)} | ${formatBytes(r.fileBytesAfter)} (${formatRatio(r.fileRatio)}) |`,
  ];
  const e = r.evaluation;
  if (e?.accuracyBefore && e.accuracyAfter) {
    lines.push(`| top-1 | ${pct(e.accuracyBefore.top1)} | ${pct(e.accuracyAfter.top1)} |`, `| top-5 | ${pct(e.accuracyBefore.top5)} | ${pct(e.accuracyAfter.top5)} |`);
  }
  if (r.latency) lines.push(`| p50 (quick, ${r.latency.threads} thread) | ${formatNumber(r.latency.beforeP50Ms)} ms | ${formatNumber(r.latency.afterP50Ms)} ms (${formatRatio(r.latency.speedup)}${r.latency.verdict === 'within-noise' ? ', within the run-to-run noise' : ''}) |`);
  if (e) {
    lines.push('', `## Outputs on ${e.data}${e.synthetic ? ' (random: accuracy unknown)' : ''}`, '', '| output | top-1 agreement | cosine | max abs error | SQNR |', '|---|---|---|---|---|');
    for (const o of e.outputs) lines.push(`| ${o.output} | ${pct(o.top1Agreement)} | ${formatCloseness(o.cosine)} | ${formatNumber(o.maxAbsError)} | ${o.sqnrDb === null ? 'exact' : formatDb(o.sqnrDb)} |`);
  }
  if (r.fused) {
    const ops = Object.entries(r.fused.quantizedOps).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
    lines.push('', `## What ONNX Runtime runs`, '', `${ops}${r.fused.share !== null ? `: ${pct(r.fused.share)} of the quantized Conv/MatMul/Gemm fused` : ''}.`);
  }
  if (r.slowerAdvice) {
    const { unfusedAround: around, excludeOps: ops } = r.slowerAdvice;
    lines.push('', '## Static INT8 made this model slower', '',
      `Beyond the run-to-run noise${r.fused?.qdqLeft ? `, with ${r.fused.qdqLeft} Q/DQ left unfused${around.length ? ` around ${around.join(', ')}` : ''}` : ''}. Try dynamic INT8 (activations quantized at run time)` +
      `${ops.length ? `, or keep the quantized op types left unfused in float: ${ops.map((op) => `\`${op}\``).join(', ')}` : ''}.`);
  }
  const rep = r.report;
  if (rep.pass !== 'fp16') {
    lines.push('', `## Quantized nodes (${rep.quantized.length})`, '');
    for (const n of rep.quantized) lines.push(`- \`${n.node}\` (${n.opType})${n.detail ? `: ${n.detail}` : ''}`);
  }
  if (rep.skipped.length) {
    lines.push('', `## Skipped nodes (${rep.skipped.length})`, '');
    for (const s of rep.skipped) lines.push(`- \`${s.node}\` (${s.opType}): ${s.reason}`);
  }
  if (r.warnings.length) lines.push('', '## Notes', '', ...r.warnings.map((w) => `- ${w}`));
  return lines.join('\n') + '\n';
}
