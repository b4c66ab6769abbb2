import * as vscode from 'vscode';
import { renderTrainChartHtml } from '../../webview/train/html';
import type { TrainHostToWebview, TrainWebviewToHost } from '../../webview/train/messages';
import { ChartPanel, ChartsByModel } from './chart-panel';

export type TrainAction = Extract<TrainWebviewToHost, { type: 'action' }>['action'];

/**
 * The live chart of one training run: a webview (bundled uPlot, strict CSP) fed with the steps
 * and epochs the worker reports.
 */
export class TrainChartPanel extends ChartPanel<TrainHostToWebview, TrainWebviewToHost> {
  /** Steps and epochs posted so far (tests and the status read them). */
  readonly posted = { steps: 0, epochs: 0, done: false };

  constructor(extensionUri: vscode.Uri, readonly model: vscode.Uri, title: string, onAction: (action: TrainAction) => void) {
    super(extensionUri, {
      viewType: 'edgewise.trainChart', title, bundle: 'train-chart', render: renderTrainChartHtml,
      onMessage: (m) => { if (m.type === 'action') onAction(m.action); },
    });
  }

  override post(m: TrainHostToWebview): void {
    if (m.type === 'progress') {
      this.posted.steps += m.steps.length;
      this.posted.epochs += m.epochs.length;
    } else if (m.type === 'done') this.posted.done = true;
    super.post(m);
  }
}

/** Open training charts by model file, so a new run of the same model replaces its chart. */
export class TrainCharts extends ChartsByModel<TrainChartPanel, TrainAction> {
  constructor(extensionUri: vscode.Uri) {
    super((model, title, onAction) => new TrainChartPanel(extensionUri, model, title, onAction));
  }
}
