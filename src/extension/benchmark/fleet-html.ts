/**
 * The fleet table in the results panel: one row per target (p50/p95/p99, init, peak RSS,
 * energy, budgets), emulated rows labelled, errors with what to do, the slowest real device and
 * the verdict, and with an output check the top-1 agreement and kernels per target. Static HTML.
 */
import type { FleetReport } from '../../core/runtime/devices/fleet';
import type { EnergyReport } from '../../core/runtime/types';
import { csp } from './report-html';
import { formatBytes, formatNumber, formatPercent } from '../../core/base/units';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ms = (v: number) => formatNumber(v);

function energy(e: EnergyReport | undefined): string {
  if (!e) return '–';
  if (!e.available) return `<span class="note" title="${esc(e.reason)}">unavailable</span>`;
  const j = e.joulesPerInference;
  return `<span title="${esc(e.source)}: ${formatNumber(e.activeWatts)} W active, ${formatNumber(e.idleWatts)} W idle subtracted">${Math.abs(j) >= 1e-3 ? `${formatNumber(j * 1e3)} mJ` : `${formatNumber(j * 1e6)} µJ`}</span>`;
}

export function fleetReportHtml(report: FleetReport, nonce: string): string {
  const rows = report.entries.map((e) => {
    const r = e.results[0];
    const name = `<td class="name">${esc(e.target)}${e.target === report.slowest ? ' <span class="tag">slowest</span>' : ''}</td>`;
    if (!r) return `<tr class="error">${name}<td colspan="8">${esc(e.error?.message ?? 'no result')}</td></tr>`;
    const l = r.latency;
    const lat = (v: number) => `<td class="num">${ms(v)}${e.emulated ? ' <span class="tag">emulated</span>' : ''}</td>`;
    const where = r.device ? `${esc(r.machine.cpuModel)}, ${r.machine.cores} cores, ${esc(r.machine.arch)}` : 'this machine';
    const budgets = e.emulated ? '<span class="note">not checked (emulated)</span>'
      : e.budgetBreaks.length ? `<span class="broken">${e.budgetBreaks.map((b) => esc(b.message)).join('<br>')}</span>` : '<span class="ok">within budgets</span>';
    return `<tr>${name}<td>${where}</td>${lat(l.p50Ms)}${lat(l.p95Ms)}${lat(l.p99Ms)}<td class="num">${ms(r.initMs)}</td><td class="num">${formatBytes(r.peakRssBytes)}</td><td class="num">${energy(r.energy)}</td><td>${budgets}</td></tr>`;
  }).join('\n');
  const checks = report.entries.filter((e) => e.agreement).map((e) => {
    const c = e.results[0].outputCheck!;
    const a = e.agreement!;
    return `<tr><td class="name">${esc(e.target)}</td><td class="num">${formatPercent(a.share)} (${a.same}/${a.samples})</td><td>${esc(a.with)}</td>` +
      `<td class="kernels">${c.kernels.map((k) => `${esc(k.op)} ×${k.count}`).join(', ')}</td><td>${esc((e.results[0].machine.int8Features ?? []).join(' '))}</td></tr>`;
  }).join('\n');
  const verdict = report.verdict === 'pass' ? '<p class="ok">Verdict: PASS</p>'
    : report.verdict === 'fail' ? '<p class="broken">Verdict: FAIL (a budget is broken)</p>' : '<p class="broken">Verdict: ERROR (a target could not be measured)</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp(nonce)}">
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; }
table { border-collapse: collapse; margin: 8px 0; }
th { text-align: left; font-weight: 600; padding: 2px 10px 2px 0; }
td { padding: 2px 10px 2px 0; vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.name { font-family: var(--vscode-editor-font-family); white-space: nowrap; }
.tag { font-size: 10px; padding: 0 4px; border-radius: 3px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.note { color: var(--vscode-descriptionForeground); }
.broken, .error td { color: var(--vscode-errorForeground); }
.ok { color: var(--vscode-charts-green, #89d185); }
.kernels { font-family: var(--vscode-editor-font-family); font-size: 11px; }
</style></head><body>
<h1>${esc(report.model.split(/[\\/]/).pop() ?? report.model)}: fleet</h1>
<p class="note">Each target in turn; the slowest real device decides. Emulated latency is not a device's and is never budgeted.</p>
<table class="fleet" aria-label="fleet table">
<tr><th>target</th><th>where</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>init ms</th><th>peak RSS</th><th>energy / inference</th><th>budgets</th></tr>
${rows}
</table>
${verdict}
${report.slowest ? `<p>Slowest real device: <b>${esc(report.slowest)}</b>.</p>` : ''}
${checks ? `<h2>Same answers?</h2>
<table class="agreement"><tr><th>target</th><th>top-1 agreement</th><th>with</th><th>kernels that ran</th><th>int8 CPU features</th></tr>
${checks}
</table>` : ''}
</body></html>`;
}
