import * as vscode from 'vscode';
import type { Overlay } from '../../../webview/messages';
import { BenchmarkRequest, type BenchmarkResponse } from '../../worker/protocol';
import { activeModel, requireAction, resolveModel, type CommandDeps } from '../commands';
import { readConfig } from '../config';
import { withWorkerProgress } from '../progress';
import { requireTrust } from '../trust';
import { BenchmarkResultsPanels } from './results-panel';
import { formatBytes, formatNumber } from '../../core/base/units';

export const LATENCY_OVERLAY_ID = 'latency';

/** What the benchmark command leaves behind, for the status bar and tests. */
export interface BenchmarkState {
  /** Last response per model file (URI string). */
  last: Map<string, BenchmarkResponse>;
  results: BenchmarkResultsPanels;
  diagnostics: vscode.DiagnosticCollection;
}

export function latencyOverlay(response: BenchmarkResponse): Overlay | undefined {
  if (!response.latencyByNode) return undefined;
  return {
    id: LATENCY_OVERLAY_ID,
    label: `Latency per layer (ms, ${response.results[0].threads} thread${response.results[0].threads === 1 ? '' : 's'})`,
    unit: 'ms',
    values: response.latencyByNode,
    scale: 'log',
  };
}

function budgetDiagnostics(response: BenchmarkResponse): vscode.Diagnostic[] {
  return response.budgetBreaks.flat().map((b) => {
    const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `Edgewise: ${b.message}`, vscode.DiagnosticSeverity.Error);
    d.source = 'edgewise benchmark';
    d.code = `budget-${b.budget}`;
    return d;
  });
}

/**
 * "Edgewise: Benchmark Model": runs the worker's benchmark under a cancellable notification,
 * then shows the results panel, pushes the latency overlay onto open graphs, updates the status
 * bar and puts broken budgets in the Problems panel. Needs a trusted workspace.
 */
export function registerBenchmarkCommand({ panels, worker, log }: CommandDeps): { state: BenchmarkState; disposables: vscode.Disposable[] } {
  const state: BenchmarkState = {
    last: new Map(),
    results: new BenchmarkResultsPanels(),
    diagnostics: vscode.languages.createDiagnosticCollection('edgewise-benchmark'),
  };
  const status = vscode.window.createStatusBarItem('edgewise.benchmark.p50', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Edgewise benchmark';
  const updateStatus = () => {
    const uri = panels.active()?.uri ?? activeModel();
    const r = uri && state.last.get(uri.toString())?.results[0];
    if (!uri || !r) return status.hide();
    status.text = `$(pulse) p50 ${formatNumber(r.latency.p50Ms)} ms`;
    status.tooltip = `Edgewise: last benchmark of ${uri.fsPath} (${r.threads} thread${r.threads === 1 ? '' : 's'}, p95 ${formatNumber(r.latency.p95Ms)} ms, peak RSS ${formatBytes(r.peakRssBytes)}). Click to show the results.`;
    status.command = { title: 'Show benchmark results', command: 'edgewise.showBenchmarkResults', arguments: [uri] };
    status.show();
  };

  const benchmark = async (arg?: unknown): Promise<BenchmarkResponse | undefined> => {
    const uri = await resolveModel(arg);
    if (!uri || !requireAction(uri, 'bench') || !(await requireTrust('Benchmarking'))) return undefined;
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Edgewise: ${uri.toString()} is not a local file; benchmarks run local model files`);
      return undefined;
    }
    const { benchmark: cfg } = readConfig();
    const response = await withWorkerProgress(`benchmarking ${uri.path.split('/').pop()}`, (options) =>
      worker.request(BenchmarkRequest.type, {
        file: uri.fsPath, threads: cfg.threads, runs: cfg.runs, warmup: cfg.warmup, profile: cfg.profile, target: cfg.target || undefined, customTargets: cfg.targets,
      }, options));
    if (!response) return undefined;
    log.info(`benchmark ${uri.fsPath}: ${response.results.map((r) => `${r.threads} thread(s) p50 ${formatNumber(r.latency.p50Ms)} ms`).join(', ')}`);
    state.last.set(uri.toString(), response);
    const first = response.results[0];
    if (first) panels.setPeakRss(uri, { bytes: first.peakRssBytes, how: `last benchmark${response.target ? ` on ${response.target}` : ''}, ${first.threads} thread${first.threads === 1 ? '' : 's'}` });
    state.diagnostics.set(uri, budgetDiagnostics(response));
    const overlay = latencyOverlay(response);
    if (overlay) panels.pushOverlay(uri, overlay);
    state.results.show(uri, response);
    updateStatus();
    return response;
  };

  const disposables: vscode.Disposable[] = [
    status, state.results, state.diagnostics,
    vscode.commands.registerCommand('edgewise.benchmarkModel', benchmark),
    vscode.commands.registerCommand('edgewise.showBenchmarkResults', async (arg?: unknown) => {
      const uri = arg instanceof vscode.Uri ? arg : panels.active()?.uri ?? activeModel();
      const response = uri && state.last.get(uri.toString());
      if (uri && response) state.results.show(uri, response);
      else void vscode.window.showInformationMessage('Edgewise: no benchmark of this model yet; run "Edgewise: Benchmark Model".');
    }),
    // A graph opened after the benchmark gets the overlay too.
    panels.onDidOpen((p) => {
      const response = state.last.get(p.uri.toString());
      const overlay = response && latencyOverlay(response);
      if (overlay) p.showOverlay(overlay);
      updateStatus();
    }),
    vscode.window.tabGroups.onDidChangeTabs(updateStatus),
    vscode.window.onDidChangeActiveTextEditor(updateStatus),
  ];
  return { state, disposables };
}
