/** The CI report as Markdown for a CI job summary (GitHub's $GITHUB_STEP_SUMMARY and the like). */
import * as path from 'node:path';
import { measuredRows, passFigures } from './figures';
import type { RecipeReportData } from './types';
import { formatNumber } from '../../base/units';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reportMarkdown(d: RecipeReportData): string {
  const r = d.run;
  const broken = r.budgets.filter((b) => !b.ok).length;
  const lines = [
    `## ${r.ok ? '✅' : '❌'} Edgewise: ${path.basename(r.recipe)}`,
    '',
    `\`${r.model}\` → \`${r.output ?? 'dry run'}\`: ${r.budgets.length === 0 ? 'no budgets' : broken ? `**${broken} of ${r.budgets.length} budgets broken**` : `all ${r.budgets.length} budgets hold`}`,
    '',
  ];
  if (r.budgets.length) {
    lines.push('| | budget | limit | measured | |', '|---|---|---|---|---|');
    for (const b of r.budgets) lines.push(`| ${b.ok ? '✅' : '❌'} | ${b.budget} | ${formatNumber(b.limit)} | ${b.measured === null ? '—' : formatNumber(b.measured)} | ${cell(b.message)} |`);
    lines.push('');
  }
  lines.push('| figure | value |', '|---|---|', ...measuredRows(r.measured).map(([k, v]) => `| ${k} | ${v} |`), '');
  if (d.latency) lines.push(`Latency of the output (${d.latency.samplesMs.length} runs, 1 thread): p50 ${formatNumber(d.latency.p50Ms)} ms, p95 ${formatNumber(d.latency.p95Ms)} ms.`, '');
  if (d.errors?.length) {
    const worst = d.errors[0];
    lines.push(`Worst layer: \`${worst.layer}\` (${worst.opType}) at ${formatNumber(worst.sqnrDb)} dB SQNR.`, '');
  }
  lines.push('<details><summary>Passes</summary>', '');
  for (const [i, p] of r.passes.entries()) lines.push(`${i + 1}. **${p.pass}**: ${passFigures(p.report).slice(0, 12).map(([k, v]) => `${k} ${cell(v)}`).join(', ')}`);
  lines.push('', '</details>');
  if (d.notes.length) lines.push('', ...d.notes.map((n) => `> ${cell(n)}`));
  return lines.join('\n') + '\n';
}
