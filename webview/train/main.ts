/**
 * Entry of dist/train-chart.js: the live training chart. Loss and top-1 per step (and per epoch)
 * drawn with uPlot, an epoch table, and at the end the comparison with the original model and
 * the follow-up actions, which the extension runs.
 */
import type uPlot from 'uplot';
import { fitOnResize, makeLineChart, points } from '../chart/line-chart';
import type { ChartEpoch, ChartStep, ChartSummary, TrainHostToWebview, TrainWebviewToHost } from './messages';
import { formatNumber, formatPercent } from '../../src/core/base/units';

declare function acquireVsCodeApi(): { postMessage(m: TrainWebviewToHost): void };
const host = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: (m: TrainWebviewToHost) => console.log(m) };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const pct = (v: number | undefined) => (v === undefined || v === null ? '–' : formatPercent(v));
const SMOOTHING = 0.9;

/** Columns of both charts, appended as steps arrive. */
const steps = { x: [] as number[], loss: [] as number[], top1: [] as (number | null)[], epochLoss: [] as (number | null)[], trainTop1: [] as (number | null)[], valTop1: [] as (number | null)[] };
const epochs: ChartEpoch[] = [];
let smoothed: number | undefined;

const makeChart = (el: HTMLElement, series: uPlot.Series[], percent: boolean): uPlot => makeLineChart(el, { x: 'step', y: percent ? 'top-1' : 'loss', series, percent });
const lossChart = makeChart($('loss-chart'), [
  { label: 'step loss', stroke: '#4e9cd6', width: 1 },
  { label: 'epoch mean', stroke: '#e5a442', width: 2, spanGaps: true, points: points('#e5a442') },
], false);
const accChart = makeChart($('acc-chart'), [
  { label: 'batch (smoothed)', stroke: '#4e9cd6', width: 1, spanGaps: true },
  { label: 'train (epoch)', stroke: '#e5a442', width: 2, spanGaps: true, points: points('#e5a442') },
  { label: 'validation (epoch)', stroke: '#6bbf59', width: 2, spanGaps: true, points: points('#6bbf59') },
], true);

function addStep(s: ChartStep): void {
  steps.x.push(s.globalStep);
  steps.loss.push(s.loss);
  if (s.top1 !== undefined) smoothed = smoothed === undefined ? s.top1 : SMOOTHING * smoothed + (1 - SMOOTHING) * s.top1;
  steps.top1.push(smoothed ?? null);
  steps.epochLoss.push(null);
  steps.trainTop1.push(null);
  steps.valTop1.push(null);
}

function addEpoch(e: ChartEpoch): void {
  epochs.push(e);
  // Epoch figures sit at the epoch's last step (a resumed run's earlier epochs too).
  const at = e.epoch * e.steps;
  let i = steps.x.indexOf(at);
  if (i < 0) {
    i = steps.x.findIndex((x) => x > at);
    if (i < 0) i = steps.x.length;
    for (const [k, v] of Object.entries({ x: at, loss: null, top1: null, epochLoss: null, trainTop1: null, valTop1: null })) (steps as Record<string, unknown[]>)[k].splice(i, 0, v);
  }
  steps.epochLoss[i] = e.loss;
  steps.trainTop1[i] = e.trainTop1 ?? null;
  steps.valTop1[i] = e.valTop1 ?? null;
  const row = document.createElement('tr');
  for (const v of [String(e.epoch), formatNumber(e.loss, 4), pct(e.trainTop1), pct(e.valTop1), formatNumber(e.imagesPerSecond), formatNumber(e.seconds)]) {
    row.appendChild(document.createElement('td')).textContent = v;
  }
  $('epochs').querySelector('tbody')!.appendChild(row);
}

function redraw(): void {
  lossChart.setData([steps.x, steps.loss as (number | null)[], steps.epochLoss]);
  accChart.setData([steps.x, steps.top1, steps.trainTop1, steps.valTop1]);
}

function showSummary(s: ChartSummary): void {
  $('result').hidden = false;
  const acc = s.valTop1After !== undefined ? `Validation top-1 ${pct(s.valTop1Before)} → ${pct(s.valTop1After)}. ` : '';
  $('result-text').textContent = `${acc}Wrote ${s.output}. The weights that moved most:`;
  const body = $('changes').querySelector('tbody')!;
  body.replaceChildren();
  for (const c of s.changes.slice(0, 10)) {
    const row = body.appendChild(document.createElement('tr'));
    row.appendChild(document.createElement('td')).textContent = c.name;
    row.appendChild(document.createElement('td')).textContent = pct(c.relative);
  }
}

window.addEventListener('message', (event: MessageEvent<TrainHostToWebview>) => {
  const m = event.data;
  if (m.type === 'start') {
    $('title').textContent = m.title;
    for (const e of m.resumed ?? []) addEpoch(e);
    redraw();
  } else if (m.type === 'progress') {
    $('status').textContent = m.message;
    m.steps.forEach(addStep);
    m.epochs.forEach(addEpoch);
    redraw();
  } else if (m.type === 'done') {
    $('status').textContent = 'Done.';
    showSummary(m.summary);
  } else if (m.type === 'stopped') {
    $('status').textContent = m.message;
    $('status').classList.add('failed');
  }
});

for (const action of ['open', 'compare', 'benchmark'] as const) $(action).addEventListener('click', () => host.postMessage({ type: 'action', action }));
fitOnResize([[lossChart, $('loss-chart')], [accChart, $('acc-chart')]]);
host.postMessage({ type: 'ready' });
