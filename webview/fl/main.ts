/**
 * Entry of dist/fl-chart.js: the live chart of a simulated federation. The global model's
 * validation top-1, the clients' loss and the privacy spent per round (uPlot), a table of rounds,
 * and at the end where the model was written and the follow-up actions, which the extension runs.
 */
import { fitChart, fitOnResize, makeLineChart, points } from '../chart/line-chart';
import type { ChartRound, FlChartSetup, FlChartSummary, FlHostToWebview, FlWebviewToHost } from './messages';
import { formatBytes, formatNumber, formatPercent } from '../../src/core/base/units';

declare function acquireVsCodeApi(): { postMessage(m: FlWebviewToHost): void };
const host = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: (m: FlWebviewToHost) => console.log(m) };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const pct = (v: number | undefined) => (v === undefined || v === null ? '–' : formatPercent(v));

/** Columns of the charts, one entry per round (round 0: the starting model, once known). */
const cols = { x: [] as number[], valTop1: [] as (number | null)[], loss: [] as (number | null)[], epsilon: [] as (number | null)[] };

const line = (label: string, stroke: string) => ({ label, stroke, width: 2, spanGaps: true, points: points(stroke) });
const accChart = makeLineChart($('acc-chart'), { x: 'round', y: 'top-1', percent: true, zoom: true, integerX: true, series: [line('validation top-1', '#6bbf59')] });
const lossChart = makeLineChart($('loss-chart'), { x: 'round', y: 'loss', integerX: true, series: [line('mean client loss', '#4e9cd6')] });
const epsChart = makeLineChart($('eps-chart'), { x: 'round', y: 'ε', integerX: true, series: [line('epsilon', '#e5a442')] });

function redraw(): void {
  accChart.setData([cols.x, cols.valTop1]);
  lossChart.setData([cols.x, cols.loss]);
  epsChart.setData([cols.x, cols.epsilon]);
}

function showSetup(s: FlChartSetup): void {
  const dp = s.privacy ? `differential privacy: clip ${formatNumber(s.privacy.clip)}, noise ×${formatNumber(s.privacy.noiseMultiplier)}, δ ${s.privacy.delta}` : 'no differential privacy';
  $('setup').textContent = `${s.clients} clients (${s.partition}), ${s.clientsPerRound} per round, ${s.rounds} rounds; ${dp}${s.secureAggregation ? '; secure aggregation' : ''}.`;
  $('privacy').hidden = !s.privacy;
  // Drawn while hidden, it had no width.
  if (s.privacy) fitChart(epsChart, $('eps-chart'));
}

function addRound(r: ChartRound): void {
  const at = cols.x.indexOf(r.round);
  const i = at >= 0 ? at : cols.x.push(r.round) - 1;
  cols.valTop1[i] = r.valTop1 ?? null;
  cols.loss[i] = r.clientLoss;
  cols.epsilon[i] = r.epsilon ?? null;
  const row = document.createElement('tr');
  const cells = [String(r.round), String(r.clients), String(r.samples), pct(r.valTop1), formatNumber(r.clientLoss, 4), formatNumber(r.updateNorm),
    r.epsilon === undefined ? '–' : formatNumber(r.epsilon), formatBytes(r.uploadBytes), formatNumber(r.seconds)];
  for (const v of cells) row.appendChild(document.createElement('td')).textContent = v;
  $('rounds').querySelector('tbody')!.appendChild(row);
}

function showSummary(s: FlChartSummary): void {
  if (s.initialValTop1 !== undefined && !cols.x.includes(0)) {
    cols.x.unshift(0);
    cols.valTop1.unshift(s.initialValTop1);
    cols.loss.unshift(null);
    cols.epsilon.unshift(0);
    redraw();
  }
  $('result').hidden = false;
  const acc = s.finalValTop1 !== undefined ? `Validation top-1 ${pct(s.initialValTop1)} → ${pct(s.finalValTop1)} after ${s.rounds} rounds. ` : '';
  const eps = s.epsilon !== undefined ? `Privacy spent: ε = ${formatNumber(s.epsilon)}. ` : '';
  const resumed = s.resumedFrom ? `(Rounds 1-${s.resumedFrom} were already in the folder.) ` : '';
  $('result-text').textContent = `${acc}${eps}${resumed}Wrote ${s.finalModel}; every round's model is in ${s.outDir}.`;
}

window.addEventListener('message', (event: MessageEvent<FlHostToWebview>) => {
  const m = event.data;
  if (m.type === 'start') {
    $('title').textContent = m.title;
    showSetup(m.setup);
  } else if (m.type === 'progress') {
    $('status').textContent = m.message;
    if (m.round) {
      addRound(m.round);
      redraw();
    }
  } else if (m.type === 'done') {
    $('status').textContent = 'Done.';
    showSummary(m.summary);
  } else if (m.type === 'stopped') {
    $('status').textContent = m.message;
    $('status').classList.add('failed');
  }
});

for (const action of ['open', 'compare'] as const) $(action).addEventListener('click', () => host.postMessage({ type: 'action', action }));
fitOnResize([[accChart, $('acc-chart')], [lossChart, $('loss-chart')], [epsChart, $('eps-chart')]]);
host.postMessage({ type: 'ready' });
