/**
 * Edgewise's entry point: wires the worker, the graph editor, the commands and the settings
 * together. It computes nothing; see worker-client.ts, model-editor.ts and commands.ts.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { registerBenchmarkCommand, type BenchmarkState } from './benchmark/command';
import { registerNodeFigures } from './node-figures';
import { registerAnalysis, type AnalysisApi } from './analysis';
import { registerCommands } from './commands';
import { registerDeviceCommands, type DevicesApi } from './devices/commands';
import { onConfigChange, readConfig, workerExecArgv } from './config';
import { GraphPanels } from './graph-panels';
import { ModelEditorProvider } from './model-editor';
import { registerEditCommands } from './edit-commands';
import { registerQuantizeCommand } from './quantize';
import { registerPruneCommand } from './prune';
import { registerExportCommand } from './export-model';
import { registerCompareCommands, type CompareApi } from './compare';
import { registerMcuDiagnostics } from './mcu';
import { registerTrainCommands } from './train';
import { registerFlCommands, type FlCharts } from './fl-simulate';
import type { TrainCharts } from './train-panel';
import { RecipeLanguage } from './recipe';
import { registerReleases, type ReleasesApi } from './releases';
import { registerRuns, type RunsApi } from './runs';
import { registerSample } from './sample';
import { WorkerClient, type WorkerCrash } from './worker-client';
import { modelPatterns } from './model-commands';

/** The global state key of the graph page's label widths (graph-session.ts TextMetricsStore). */
const TEXT_METRICS_KEY = 'edgewise.graphTextMetrics';

/** What `activate` returns: for other extensions' and the E2E suite's use. */
export interface EdgewiseApi {
  panels: GraphPanels;
  worker: WorkerClient;
  /** Last benchmark per model, its results panels and budget diagnostics. */
  benchmark: BenchmarkState;
  analysis: AnalysisApi;
  recipes: RecipeLanguage;
  /** The Targets view and the last fleet report per model. */
  devices: DevicesApi;
  releases: ReleasesApi;
  /** The Runs view and the runs comparison panel. */
  runs: RunsApi;
  /** Live charts of training runs, by model file. */
  training: TrainCharts;
  /** Live charts of simulated federations, by model file. */
  federated: FlCharts;
  /** The model comparison on screen (Compare Models...). */
  compare: CompareApi;
}

export function activate(context: vscode.ExtensionContext): EdgewiseApi {
  const log = vscode.window.createOutputChannel('Edgewise', { log: true });
  const config = readConfig();
  const worker = new WorkerClient({
    workerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
    execPath: config.worker.nodePath,
    execArgv: workerExecArgv(config),
    requestBudgetMs: config.worker.requestTimeoutSeconds * 1000,
    args: layoutCacheArgs(context),
    cwd: () => vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath,
    log: (line) => log.info(line),
    onCrash: (crash) => void reportCrash(crash, log),
  });
  const panels = new GraphPanels();
  // The label widths measured in the graph page's font: this machine's, kept across windows.
  const editor = new ModelEditorProvider(context.extensionUri, worker, panels, log, {
    get: () => context.globalState.get(TEXT_METRICS_KEY),
    set: (metrics) => void context.globalState.update(TEXT_METRICS_KEY, metrics),
  });
  const benchmark = registerBenchmarkCommand({ panels, worker, log });
  const analysis = registerAnalysis({ panels, worker, log });
  const recipes = new RecipeLanguage(worker);
  const devices = registerDeviceCommands({ panels, worker, log }, benchmark.state.results);
  const releases = registerReleases({ panels, worker, log });
  const runs = registerRuns(context, worker);
  panels.useRecordedRuns(() => runs.view.current());
  context.subscriptions.push(registerSample(context));
  const training = registerTrainCommands({ panels, worker, log }, context.extensionUri);
  const federated = registerFlCommands({ panels, worker, log }, context.extensionUri);
  const compare = registerCompareCommands({ panels, worker, log });

  context.subscriptions.push(
    log,
    { dispose: () => worker.dispose() },
    panels,
    ModelEditorProvider.register(editor),
    editor,
    ...registerEditCommands(editor, panels),
    ...registerCommands({ panels, worker, log }),
    ...benchmark.disposables,
    registerNodeFigures(panels, worker),
    ...devices.disposables,
    registerQuantizeCommand({ panels, worker, log }, analysis.api.diagnostics),
    registerPruneCommand({ panels, worker, log }),
    registerExportCommand({ panels, worker, log }),
    ...registerMcuDiagnostics({ panels, worker, log }),
    ...training.disposables,
    ...federated.disposables,
    ...compare.disposables,
    ...analysis.disposables,
    recipes,
    ...releases.disposables,
    onConfigChange('worker', () => {
      const next = readConfig();
      worker.configure({ execPath: next.worker.nodePath, execArgv: workerExecArgv(next), requestBudgetMs: next.worker.requestTimeoutSeconds * 1000 });
      log.info('worker settings changed; the worker restarts on the next request');
    }),
  );
  void prestartWorker(worker);
  return { panels, worker, benchmark: benchmark.state, analysis: analysis.api, recipes, devices: devices.api, releases: releases.api, runs, training: training.charts, federated: federated.charts, compare: compare.api };
}

/** Layouts are cached across restarts in the extension's storage (src/worker/layout/cache-file.ts). */
function layoutCacheArgs(context: vscode.ExtensionContext): string[] {
  const dir = context.globalStorageUri.fsPath;
  try {
    fs.mkdirSync(dir, { recursive: true });
    return [`--layout-cache=${vscode.Uri.joinPath(context.globalStorageUri, 'layout-cache.json').fsPath}`];
  } catch {
    return [];
  }
}

/**
 * A workspace with models will likely open one: start the worker now, so its process, its
 * modules and its layout thread (elkjs compiled) are ready before the first graph is asked for.
 */
async function prestartWorker(worker: WorkerClient): Promise<void> {
  const found = await vscode.workspace.findFiles(`{${modelPatterns().join(',')}}`, '**/node_modules/**', 1);
  if (found.length) worker.start();
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}

async function reportCrash(crash: WorkerCrash, log: vscode.LogOutputChannel): Promise<void> {
  const what = crash.failed.length ? ` while running ${crash.failed.join(', ')}` : '';
  const how = crash.signal ? `killed by ${crash.signal}` : `exit code ${crash.code}`;
  const pick = await vscode.window.showErrorMessage(
    `Edgewise: the worker process stopped (${how})${what}. It restarts on the next request.`,
    'Show Log',
  );
  if (pick) log.show();
}
