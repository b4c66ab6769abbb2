import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderFlChartHtml } from '../../webview/fl/html';
import type { FlChartSummary, FlHostToWebview, FlWebviewToHost } from '../../webview/fl/messages';
import { formatNumber, formatPercent } from '../core/base/units';
import { FlSimulateRequest, type FlSimulateResult } from '../worker/protocol';
import { ChartPanel, ChartsByModel } from './chart-panel';
import { requireAction, resolveModel, type CommandDeps } from './commands';
import { askFlSimulateOptions, chooseOutDir, type FlSimulateOptions } from './fl-picks';
import { withWorkerProgress } from './progress';
import { requireTrust } from './trust';
import { RequestCancelledError } from './worker-client';

export type FlAction = Extract<FlWebviewToHost, { type: 'action' }>['action'];

/** The live chart of one simulated federation (webview/fl), fed with the rounds the worker reports. */
export class FlChartPanel extends ChartPanel<FlHostToWebview, FlWebviewToHost> {
  /** Rounds posted so far and whether the summary was (tests read them). */
  readonly posted = { rounds: 0, done: false };

  constructor(extensionUri: vscode.Uri, readonly model: vscode.Uri, title: string, onAction: (action: FlAction) => void) {
    super(extensionUri, {
      viewType: 'edgewise.flChart', title, bundle: 'fl-chart', render: renderFlChartHtml,
      onMessage: (m) => { if (m.type === 'action') onAction(m.action); },
    });
  }

  override post(m: FlHostToWebview): void {
    if (m.type === 'progress' && m.round) this.posted.rounds++;
    else if (m.type === 'done') this.posted.done = true;
    super.post(m);
  }
}

export class FlCharts extends ChartsByModel<FlChartPanel, FlAction> {
  constructor(extensionUri: vscode.Uri) {
    super((model, title, onAction) => new FlChartPanel(extensionUri, model, title, onAction));
  }
}

/**
 * "Edgewise: Simulate Federated Training...": a QuickPick flow (or the options given by a caller),
 * then `fl simulate` in the worker (server there, clients in child processes) under a cancellable
 * progress notification, each round drawn on the live chart as it completes; at the end the final
 * model opens, or is compared with the starting one.
 */
export function registerFlCommands({ panels, worker, log }: CommandDeps, extensionUri: vscode.Uri): { charts: FlCharts; disposables: vscode.Disposable[] } {
  const charts = new FlCharts(extensionUri);
  const followUp = async (action: FlAction, model: vscode.Uri, result: FlSimulateResult) => {
    const out = vscode.Uri.file(result.finalModel);
    if (action === 'open') await panels.open(out);
    else await vscode.commands.executeCommand('edgewise.compareModels', model, out);
  };

  const run = async (arg?: unknown, given?: Partial<FlSimulateOptions>): Promise<FlSimulateResult | undefined> => {
    const model = await resolveModel(arg);
    if (!model) return undefined;
    if (!requireAction(model, 'train')) return undefined;
    if (!(await requireTrust('Federated training'))) return undefined;
    const options = given?.data ? await withOutDir(model, given as FlSimulateOptions) : await askFlSimulateOptions(model);
    if (!options) return undefined;
    let result: FlSimulateResult | undefined;
    const chart = charts.open(model, 'Federated', (action) => { if (result) void followUp(action, model, result); });
    chart.post({
      type: 'start', title: `Federated training of ${path.basename(model.fsPath)}`,
      setup: {
        rounds: options.rounds, clients: options.clients, clientsPerRound: options.clientsPerRound, partition: options.partition,
        privacy: options.privacy ? { ...options.privacy, delta: options.privacy.delta ?? 1e-5 } : undefined, secureAggregation: !!options.secureAggregation,
      },
    });
    result = await withWorkerProgress(`federated training of ${path.basename(model.fsPath)}`, async (opts) => {
      try {
        return await worker.request(FlSimulateRequest.type, { file: model.fsPath, ...options }, {
          ...opts,
          onProgress: (p) => {
            opts.onProgress?.(p);
            chart.post({ type: 'progress', message: p.message, round: p.round });
          },
        });
      } catch (e) {
        const message = e instanceof RequestCancelledError
          ? 'Cancelled. The rounds already written stay in the output folder: run again and choose Resume to continue.'
          : `Failed: ${e instanceof Error ? e.message : String(e)}`;
        chart.post({ type: 'stopped', message });
        throw e;
      }
    });
    if (!result) return undefined;
    log.info(`fl simulate ${model.fsPath}: ${JSON.stringify({ ...result, rounds: result.rounds.length })}`);
    const summary = summarize(result, options.rounds);
    chart.post({ type: 'done', summary });
    void notify(summary, (action) => followUp(action, model, result!));
    return result;
  };

  return {
    charts,
    disposables: [
      charts,
      vscode.commands.registerCommand('edgewise.simulateFederated', (arg?: unknown, options?: Partial<FlSimulateOptions>) => run(arg, options)),
    ],
  };
}

/** Options given by a caller: the default output folder unless they name one. */
function withOutDir(model: vscode.Uri, o: FlSimulateOptions): Promise<FlSimulateOptions | undefined> | FlSimulateOptions {
  return o.outDir ? o : chooseOutDir(model, o);
}

function summarize(r: FlSimulateResult, rounds: number): FlChartSummary {
  const last = r.rounds[r.rounds.length - 1];
  return {
    finalModel: r.finalModel, outDir: r.outDir, initialValTop1: r.initialValTop1, finalValTop1: last?.valTop1,
    epsilon: last?.epsilon, rounds, resumedFrom: rounds - r.rounds.length,
  };
}

async function notify(s: FlChartSummary, act: (action: FlAction) => Promise<void>): Promise<void> {
  const acc = s.finalValTop1 !== undefined ? `, validation top-1 ${formatPercent(s.initialValTop1)} -> ${formatPercent(s.finalValTop1)}` : '';
  const eps = s.epsilon !== undefined ? `, epsilon ${formatNumber(s.epsilon)}` : '';
  const pick = await vscode.window.showInformationMessage(
    `Edgewise: federated training done: ${s.rounds} rounds${acc}${eps}. Wrote ${vscode.workspace.asRelativePath(s.finalModel)}.`,
    'Open Result', 'Compare with Original',
  );
  if (pick) await act(pick === 'Open Result' ? 'open' : 'compare');
}
