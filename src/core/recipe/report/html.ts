/**
 * The CI report as one self-contained HTML file: inline CSS and SVG only, no script and no
 * external resource (its Content-Security-Policy says so), so it opens the same from a CI
 * artifact, an e-mail or a file share.
 */
import * as path from 'node:path';
import { barsSvg, histogramSvg } from './charts';
import { measuredRows, passFigures } from './figures';
import { esc } from './svg';
import type { RecipeReportData } from './types';
import { formatBytes, formatCloseness, formatDb, formatMicros, formatNumber, formatPercent } from '../../base/units';

const TOP = 15;

export function reportHtml(d: RecipeReportData): string {
  const r = d.run;
  const broken = r.budgets.filter((b) => !b.ok).length;
  const verdict = r.budgets.length === 0 ? 'no budgets' : broken ? `${broken} of ${r.budgets.length} budgets broken` : `all ${r.budgets.length} budgets hold`;
  const sections = [
    `<header><h1>${esc(path.basename(r.recipe))} <span class="badge ${r.ok ? 'ok' : 'bad'}">${r.ok ? 'PASS' : 'FAIL'}</span></h1>` +
      `<p>${esc(r.model)} → ${esc(r.output ?? 'dry run (nothing written)')}</p><p class="muted">${esc(verdict)} · ${esc(d.generatedAt)} · ${esc(d.machine)}</p></header>`,
    section('Summary', table(['figure', 'value'], measuredRows(r.measured))),
    section('Budgets', r.budgets.length
      ? `<table><thead><tr><th>budget</th><th>limit</th><th>measured</th><th>result</th></tr></thead><tbody>${r.budgets.map((b) =>
        `<tr class="${b.ok ? 'ok' : 'bad'}"><td>${esc(b.budget)}</td><td>${formatNumber(b.limit)}</td><td>${b.measured === null ? '—' : formatNumber(b.measured)}</td><td><b>${b.ok ? 'pass' : 'FAIL'}</b> ${esc(b.message)}</td></tr>`).join('')}</tbody></table>`
      : '<p class="muted">The recipe sets no budgets.</p>'),
    section('Passes', r.passes.map((p, i) => `<h3>${i + 1}. ${esc(p.pass)}</h3>${table(['figure', 'value'], passFigures(p.report))}`).join('') || '<p class="muted">No passes.</p>'),
    section('Latency', d.latency
      ? `<p>${d.latency.samplesMs.length} timed runs of the output in a fresh process, 1 thread: p50 ${formatNumber(d.latency.p50Ms)} ms, p95 ${formatNumber(d.latency.p95Ms)} ms, peak RSS ${formatBytes(d.latency.peakRssBytes)}.</p>` +
        histogramSvg(d.latency.samplesMs, [{ label: 'p50', value: d.latency.p50Ms }, { label: 'p95', value: d.latency.p95Ms }], 'ms') +
        (d.latency.layers.length ? `<h3>Slowest layers (mean µs per run)</h3>${barsSvg(d.latency.layers.slice(0, TOP).map((l) => ({ label: `${l.name} (${l.opType})`, value: l.meanUs, text: `${formatMicros(l.meanUs)}, ${formatPercent(l.share)}` })), { title: 'per-layer latency' })}` : '')
      : '<p class="muted">Not measured (see the notes).</p>'),
    section('Per-layer error', d.errors?.length
      ? `<p>SQNR of each layer's output against the recipe's model on the held-out data, worst first (below 20 dB in red).</p>` +
        barsSvg(d.errors.slice(0, TOP).map((e) => ({ label: `${e.layer} (${e.opType})`, value: Math.max(0, e.sqnrDb), text: `${formatDb(e.sqnrDb)}, cos ${formatCloseness(e.cosine)}`, colour: e.sqnrDb < 20 ? '#c92a2a' : '#2b8a3e' })), { title: 'per-layer error' })
      : '<p class="muted">Not measured (see the notes).</p>'),
    section('Graph', d.graph ? `<p>The recipe's model, coloured by <b>${esc(d.graph.label)}</b> (hover a node for its value).</p><div class="graph">${d.graph.svg}</div>` : `<p class="muted">${esc(d.graphNote ?? 'not drawn')}</p>`),
  ];
  if (r.problems.length) sections.push(section('Recipe warnings', `<ul>${r.problems.map((p) => `<li>line ${p.line + 1}: ${esc(p.message)}</li>`).join('')}</ul>`));
  if (d.notes.length) sections.push(section('Notes', `<ul>${d.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edgewise report: ${esc(path.basename(r.recipe))} ${r.ok ? 'pass' : 'FAIL'}</title>
<style>${CSS}</style></head>
<body>${sections.join('\n')}
<footer class="muted">Edgewise · edgewise run ${esc(path.basename(r.recipe))} --report</footer></body></html>
`;
}

function section(title: string, body: string): string {
  return `<section><h2>${esc(title)}</h2>${body}</section>`;
}

function table(head: string[], rows: [string, string][]): string {
  if (!rows.length) return '<p class="muted">No figures.</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}h3{font-size:14px;margin:16px 0 6px}
p{margin:4px 0}.muted{color:#656d76}
.badge{font-size:13px;padding:2px 8px;border-radius:10px;vertical-align:middle;color:#fff}.badge.ok{background:#1f883d}.badge.bad{background:#cf222e}
table{border-collapse:collapse;margin:6px 0;min-width:360px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
tr.ok td:last-child b{color:#1f883d}tr.bad td:last-child b{color:#cf222e}tr.bad{background:#fff5f5}
.graph{overflow:auto;max-height:900px;border:1px solid #d0d7de;padding:8px}
footer{margin-top:32px;font-size:12px}
@media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3}th{background:#161b22}th,td{border-color:#30363d}tr.bad{background:#2d1517}.graph{background:#fff}svg text{fill:currentColor}.graph svg text{fill:initial}}
`;
