/**
 * The benchmark results panel as static HTML: an SVG latency histogram and the slowest layers.
 * No scripts at all, so the panel's CSP can forbid them; styles carry a nonce.
 */
import { formatBytes, formatNumber, formatPercent, formatRate } from '../../core/base/units';
import { histogram } from '../../core/runtime/histogram';
import { samplesPerRun } from '../../core/runtime/stats';
import type { BudgetBreak } from '../../core/runtime/targets';
import type { BenchmarkResult } from '../../core/runtime/types';

export interface ReportContext {
  /** Random per render; allows only this page's own <style>. */
  nonce: string;
  /** Target name the budgets came from, if any. */
  target?: string;
  budgetBreaks?: BudgetBreak[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ms = (v: number) => formatNumber(v);

export function csp(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; img-src data:;`;
}

/**
 * Run-time histogram. A few preempted runs can be 100x the median and would squash every other
 * bar into one: when max is over twice p99, bins stop at p99 and the runs beyond are counted.
 */
function histogramSvg(samples: readonly number[], p50: number, p95: number, p99: number): string {
  const max = samples.reduce((m, v) => Math.max(m, v), -Infinity); // up to 1,000,000 runs: no spread
  const clip = max > 2 * p99 ? p99 : max;
  const shown = samples.filter((v) => v <= clip);
  const beyond = samples.length - shown.length;
  const h = histogram(shown, 30);
  const W = 560, H = 170, pad = 24;
  const peak = Math.max(1, ...h.counts);
  const bw = (W - 2 * pad) / Math.max(1, h.counts.length);
  const x = (v: number) => pad + (h.max === h.min ? 0 : ((Math.min(v, h.max) - h.min) / (h.max - h.min)) * (W - 2 * pad));
  const bars = h.counts.map((c, i) => {
    const bh = (c / peak) * (H - 2 * pad - 12);
    return `<rect x="${(pad + i * bw).toFixed(1)}" y="${(H - pad - bh).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" class="bar"><title>${c} runs</title></rect>`;
  }).join('');
  const mark = (v: number, label: string, row: number) => `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${8 + row * 12}" y2="${H - pad}" class="mark"/>` +
    `<text x="${(x(v) + 3).toFixed(1)}" y="${16 + row * 12}" class="lbl">${label} ${ms(v)} ms</text>`;
  const note = beyond ? `<text x="${W - pad}" y="16" class="lbl end">${beyond} slower run${beyond === 1 ? '' : 's'} (to ${ms(max)} ms) not shown</text>` : '';
  return `<svg role="img" aria-label="latency histogram" class="histogram" viewBox="0 0 ${W} ${H}">${bars}${mark(p50, 'p50', 0)}${mark(p95, 'p95', 1)}${note}` +
    `<text x="${pad}" y="${H - 6}" class="lbl">${ms(h.min)} ms</text><text x="${W - pad}" y="${H - 6}" class="lbl end">${ms(h.max)} ms</text></svg>`;
}

/** Figures as name/value pairs that wrap into as many columns as the panel's width allows. */
function metrics(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('');
}

export function benchmarkReportHtml(results: readonly BenchmarkResult[], ctx: ReportContext): string {
  const sections = results.map((r) => {
    const l = r.latency;
    const layers = (r.profile?.nodes ?? []).slice(0, 10);
    const rows = layers.map((n) => `<tr><td class="name" title="${esc(n.name)}">${esc(n.name)}</td><td>${esc(n.opType)}</td><td class="num">${formatNumber(n.meanUs / 1000)}</td><td class="num">${formatPercent(n.share)}</td></tr>`).join('');
    return `<section>
<h2>${r.threads} thread${r.threads === 1 ? '' : 's'}</h2>
<dl class="kv">${metrics([
  ['p50', `${ms(l.p50Ms)} ms`], ['p90', `${ms(l.p90Ms)} ms`], ['p95', `${ms(l.p95Ms)} ms`], ['p99', `${ms(l.p99Ms)} ms`],
  ['min', `${ms(l.minMs)} ms`], ['max', `${ms(l.maxMs)} ms`], ['mean', `${ms(l.meanMs)} ± ${ms(l.stdMs)} ms`], ['throughput', formatRate(samplesPerRun(r.inputs) * l.throughputPerSec, 'samples')],
  ['session', `${ms(r.initMs)} ms`], ['first run', `${ms(r.firstRunMs)} ms`], ['peak RSS', formatBytes(r.peakRssBytes)], ['after load', formatBytes(r.rssAfterLoadBytes)],
])}</dl>
${histogramSvg(l.samplesMs, l.p50Ms, l.p95Ms, l.p99Ms)}
${r.profile ? `<h3>Slowest layers</h3>
<p class="note">Opt level disabled (the model's own nodes), ${r.profile.runs} profiled runs: kernels explain ${formatPercent(r.profile.coverage)} of the run, ${formatPercent(r.profile.unattributedShare)} unattributed.${r.profilerOverhead !== undefined ? ` Profiler overhead ${formatPercent(r.profilerOverhead)}.` : ''}</p>
<table class="layers"><colgroup><col><col class="op"><col class="n"><col class="n"></colgroup><tr><th>node</th><th>op</th><th class="num">ms</th><th class="num">share</th></tr>${rows}</table>` : '<p class="note">Run with profiling for per-layer latency.</p>'}
</section>`;
  }).join('\n');
  const r0 = results[0];
  const breaks = ctx.budgetBreaks ?? [];
  const budget = ctx.target
    ? breaks.length
      ? `<ul class="broken">${breaks.map((b) => `<li>${esc(b.message)}</li>`).join('')}</ul>`
      : `<p class="ok">Within every budget of ${esc(ctx.target)}.</p>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp(ctx.nonce)}">
<style nonce="${ctx.nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; overflow-wrap: anywhere; }
/* Responsive: figures flow into as many columns as fit; the histogram and the layer table take the width there is. */
.kv { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 2px 16px; margin: 8px 0; }
.kv div { display: flex; flex-wrap: wrap; column-gap: 8px; align-items: baseline; min-width: 0; }
.kv dt { font-weight: 600; white-space: nowrap; }
.kv dd { margin: 0; white-space: nowrap; font-variant-numeric: tabular-nums; }
.histogram { display: block; width: 100%; max-width: 560px; height: auto; }
.layers { width: 100%; table-layout: fixed; border-collapse: collapse; }
.layers th { text-align: left; font-weight: 600; }
.layers td, .layers th { padding: 1px 6px 1px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.layers col.op { width: 7em; }
.layers col.n { width: 4.5em; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.name { font-family: var(--vscode-editor-font-family); }
.bar { fill: var(--vscode-charts-blue, #3794ff); }
.mark { stroke: var(--vscode-charts-orange, #d18616); stroke-dasharray: 3 2; }
.lbl { fill: var(--vscode-descriptionForeground); font-size: 10px; }
.end { text-anchor: end; }
.note { color: var(--vscode-descriptionForeground); }
.broken { color: var(--vscode-errorForeground); }
.ok { color: var(--vscode-charts-green, #89d185); }
</style></head><body>
<h1>${esc(r0.model.split(/[\\/]/).pop() ?? r0.model)}</h1>
<p class="note">${formatBytes(r0.modelBytes)} · onnxruntime ${esc(r0.ortVersion)} (${esc(r0.executionProviders.join(', '))}) · opt level ${r0.optLevel} · ${esc(r0.machine.cpuModel)}, ${r0.machine.cores} cores</p>
${budget}
${sections}
</body></html>`;
}
