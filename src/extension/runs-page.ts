/**
 * The runs comparison page: a table of the chosen runs with their actions, and scatter plots of
 * size, latency and accuracy with the Pareto front marked. Plain SVG; one small script (nonce'd)
 * posts the buttons' actions and switches the plot; strict CSP (webview/html.ts).
 */
import * as path from 'node:path';
import { PARETO_AXES, runModel, type ParetoKey, type RunComparison } from '../core/jobs/runs/compare';
import type { RunRecord } from '../core/jobs/runs/types';
import { formatBytes, formatDuration, formatPercent } from '../core/base/units';
import { attr, strictCsp, text } from '../../webview/html';

export type RunsPageMessage =
  | { type: 'open' | 'rerun' | 'recipe'; index: number }
  | { type: 'compareGraphs'; indexes: [number, number] };

export interface RunsPageOptions {
  nonce: string;
  cspSource: string;
  /** Offer "Compare Graphs" (the graph diff command exists). */
  compareGraphs: boolean;
}

const fmt: Record<ParetoKey, (v: number) => string> = {
  sizeBytes: formatBytes,
  p50Ms: formatDuration,
  accuracy: (v) => formatPercent(v / 100, 2),
};

export function runsPageHtml(c: RunComparison, o: RunsPageOptions): string {
  const front = new Set(c.front);
  const plots = PAIRS.map(([x, y]) => scatter(c.runs, front, x, y)).filter((p): p is { id: string; title: string; svg: string } => !!p);
  const cell = (v: number | undefined, f: (v: number) => string) => (v === undefined ? '<td class="none">—</td>' : `<td>${text(f(v))}</td>`);
  const rows = c.runs.map((r, i) => `<tr${front.has(r.id) ? ' class="front"' : ''}>
<td><span class="dot${front.has(r.id) ? ' on' : ''}">${i + 1}</span></td>
<td title="${attr(r.id)}">${text(r.kind)}<div class="sub">${text(r.status)}${r.summary ? ` · ${text(r.summary)}` : ''}</div></td>
<td title="${attr(runModel(r))}">${text(path.basename(runModel(r)))}</td>
${cell(r.metrics.sizeBytes, formatBytes)}${cell(r.metrics.p50Ms, fmt.p50Ms)}${cell(r.metrics.p95Ms, fmt.p50Ms)}${cell(r.metrics.peakRssBytes, formatBytes)}
${cell(r.metrics.accuracy, fmt.accuracy)}${cell(r.metrics.agreement, fmt.accuracy)}${cell(r.durationMs, formatDuration)}
<td class="actions"><button data-action="open" data-index="${i}">Open</button><button data-action="rerun" data-index="${i}">Re-run</button><button data-action="recipe" data-index="${i}">Make Recipe</button></td></tr>`).join('\n');
  const axes = c.axes.length ? `Pareto front on ${c.axes.map((k) => PARETO_AXES.find((a) => a.key === k)!.label).join(', ')} (every run has these): highlighted.` : 'No figure is shared by every run, so no run beats another.';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(strictCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Compare Runs</title>
<style nonce="${attr(o.nonce)}">${CSS}</style></head>
<body>
<h1>${c.runs.length === 1 ? 'Run' : `${c.runs.length} runs`}</h1>
<p class="sub">${text(axes)}</p>
${o.compareGraphs && c.runs.length === 2 ? '<p><button id="compare-graphs">Compare Graphs</button></p>' : ''}
${plots.length ? `<div class="tabs">${plots.map((p, i) => `<button class="tab${i === 0 ? ' on' : ''}" data-plot="${p.id}">${text(p.title)}</button>`).join('')}</div>
${plots.map((p, i) => `<div class="plot" id="${p.id}"${i === 0 ? '' : ' hidden'}>${p.svg}</div>`).join('\n')}` : '<p class="sub">No two of size, latency and accuracy were measured on one run: nothing to plot.</p>'}
<table><thead><tr><th>#</th><th>job</th><th>model</th><th>size</th><th>p50</th><th>p95</th><th>peak RSS</th><th>top-1</th><th>agreement</th><th>took</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>
<script nonce="${attr(o.nonce)}">${SCRIPT}</script>
</body></html>`;
}

const PAIRS: [ParetoKey, ParetoKey][] = [['sizeBytes', 'p50Ms'], ['sizeBytes', 'accuracy'], ['p50Ms', 'accuracy']];

function scatter(runs: RunRecord[], front: Set<string>, x: ParetoKey, y: ParetoKey): { id: string; title: string; svg: string } | undefined {
  const pts = runs.map((r, i) => ({ r, i, x: r.metrics[x], y: r.metrics[y] })).filter((p): p is { r: RunRecord; i: number; x: number; y: number } => p.x !== undefined && p.y !== undefined);
  if (pts.length === 0) return undefined;
  const W = 520, H = 300, L = 70, R = 20, T = 16, B = 44;
  const span = (vs: number[]) => { const lo = Math.min(...vs), hi = Math.max(...vs), pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1; return [lo - pad, hi + pad]; };
  const [x0, x1] = span(pts.map((p) => p.x)), [y0, y1] = span(pts.map((p) => p.y));
  const sx = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R), sy = (v: number) => H - B - ((v - y0) / (y1 - y0)) * (H - T - B);
  const label = (k: ParetoKey) => { const a = PARETO_AXES.find((p) => p.key === k)!; return `${a.label} (${a.better} is better)`; };
  const dots = pts.map((p) => `<g class="pt${front.has(p.r.id) ? ' front' : ''}"><title>#${p.i + 1} ${p.r.kind} ${path.basename(runModel(p.r))}: ${fmt[x](p.x)}, ${fmt[y](p.y)}${front.has(p.r.id) ? ' (on the Pareto front)' : ''}</title>` +
    `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="7"/><text x="${sx(p.x).toFixed(1)}" y="${(sy(p.y) + 3.5).toFixed(1)}">${p.i + 1}</text></g>`).join('');
  const ticks = `<text class="tick" x="${L}" y="${H - B + 16}">${text(fmt[x](x0))}</text><text class="tick end" x="${W - R}" y="${H - B + 16}">${text(fmt[x](x1))}</text>` +
    `<text class="tick end" x="${L - 6}" y="${H - B}">${text(fmt[y](y0))}</text><text class="tick end" x="${L - 6}" y="${T + 8}">${text(fmt[y](y1))}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${attr(`${label(x)} against ${label(y)}`)}">` +
    `<rect class="frame" x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}"/>${ticks}` +
    `<text class="axis" x="${(L + W - R) / 2}" y="${H - 8}">${text(label(x))}</text><text class="axis" transform="translate(14 ${(T + H - B) / 2}) rotate(-90)">${text(label(y))}</text>${dots}</svg>`;
  return { id: `plot-${x}-${y}`, title: `${PARETO_AXES.find((a) => a.key === x)!.label} × ${PARETO_AXES.find((a) => a.key === y)!.label}`, svg };
}

const CSS = `
body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:8px 16px}
h1{font-size:1.4em;margin:4px 0}.sub{color:var(--vscode-descriptionForeground);font-size:.92em}
table{border-collapse:collapse;margin-top:12px}th,td{padding:4px 8px;border-bottom:1px solid var(--vscode-panel-border);text-align:left;vertical-align:top}
td.none{color:var(--vscode-descriptionForeground)}tr.front td{background:color-mix(in srgb,var(--vscode-charts-orange) 12%,transparent)}
.dot{display:inline-block;min-width:18px;text-align:center;border-radius:9px;background:var(--vscode-badge-background);color:var(--vscode-badge-foreground)}.dot.on{background:var(--vscode-charts-orange);color:#000}
button{background:var(--vscode-button-secondaryBackground);color:var(--vscode-button-secondaryForeground);border:0;padding:3px 9px;margin:0 4px 2px 0;cursor:pointer;border-radius:2px}
button:hover{background:var(--vscode-button-secondaryHoverBackground)}button:disabled{opacity:.5;cursor:default}
#compare-graphs{background:var(--vscode-button-background);color:var(--vscode-button-foreground)}
.tabs{margin:10px 0 4px}.tab.on{background:var(--vscode-button-background);color:var(--vscode-button-foreground)}
svg .frame{fill:none;stroke:var(--vscode-panel-border)}svg text{fill:var(--vscode-foreground);font-size:11px}svg .tick{fill:var(--vscode-descriptionForeground)}
svg .end{text-anchor:end}svg .axis{text-anchor:middle}
svg .pt circle{fill:var(--vscode-descriptionForeground);stroke:var(--vscode-editor-background);stroke-width:1.5}svg .pt text{text-anchor:middle;font-size:9px;fill:var(--vscode-editor-background)}
svg .pt.front circle{fill:var(--vscode-charts-orange);stroke:var(--vscode-foreground);stroke-width:2}svg .pt.front text{fill:#000}
`;

const SCRIPT = `
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll('button[data-action]')) b.addEventListener('click', () => vscode.postMessage({ type: b.dataset.action, index: Number(b.dataset.index) }));
document.getElementById('compare-graphs')?.addEventListener('click', () => vscode.postMessage({ type: 'compareGraphs', indexes: [0, 1] }));
for (const t of document.querySelectorAll('.tab')) t.addEventListener('click', () => {
  for (const o of document.querySelectorAll('.tab')) o.classList.toggle('on', o === t);
  for (const p of document.querySelectorAll('.plot')) p.hidden = p.id !== t.dataset.plot;
});
`;
