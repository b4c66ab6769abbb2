/**
 * Runs in VS Code: the Runs view (runs-view.ts), the comparison panel (runs-page.ts) and its
 * actions: open a run's model, compare two runs' graphs (the graph diff's command, when present),
 * re-run (in the worker), make a recipe from a run (written beside its model, never over a file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { compareRuns, runModel } from '../core/jobs/runs/compare';
import { resolveRecordPath } from '../core/jobs/runs/store';
import { nextFreePath, recipeFromRun } from '../core/recipe/rerun';
import { RerunRequest, type RerunResponse } from '../worker/runs-protocol';
import { RunsView, type RunNode } from './runs-view';
import { runsPageHtml, type RunsPageMessage } from './runs-page';
import { withWorkerProgress } from './progress';
import { requireTrust } from './trust';
import type { WorkerClient } from './worker-client';

const COMPARE_GRAPHS = 'edgewise.compareModels';

export interface RunsApi {
  view: RunsView;
  /** The comparison panel's runs and page, while it is open. */
  panel(): { runs: RunNode[]; html: string; webview: vscode.WebviewPanel } | undefined;
}

export function registerRuns(context: vscode.ExtensionContext, worker: WorkerClient): RunsApi {
  const view = new RunsView();
  const tree = vscode.window.createTreeView('edgewise.runs', { treeDataProvider: view, canSelectMany: true });
  let shown: { runs: RunNode[]; html: string; webview: vscode.WebviewPanel } | undefined;

  const showRuns = async (runs: RunNode[]) => {
    const c = compareRuns(runs.map((n) => n.record));
    const nonce = randomBytes(16).toString('base64');
    const compareGraphs = (await vscode.commands.getCommands(true)).includes(COMPARE_GRAPHS);
    if (!shown) {
      const webview = vscode.window.createWebviewPanel('edgewise.runs', 'Compare Runs', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [] });
      const state = { runs, html: '', webview };
      shown = state;
      webview.onDidDispose(() => { if (shown === state) shown = undefined; });
      webview.webview.onDidReceiveMessage((m: RunsPageMessage) => void act(state.runs, m));
    }
    shown.runs = runs;
    shown.html = runsPageHtml(c, { nonce, cspSource: shown.webview.webview.cspSource, compareGraphs });
    shown.webview.title = runs.length === 1 ? `Run: ${runs[0].record.kind}` : `Compare ${runs.length} Runs`;
    shown.webview.webview.html = shown.html;
    shown.webview.reveal();
    return shown;
  };

  const act = async (runs: RunNode[], m: RunsPageMessage) => {
    if (m.type === 'compareGraphs') {
      const [a, b] = m.indexes.map((i) => modelUri(runs[i]));
      return vscode.commands.executeCommand(COMPARE_GRAPHS, a, b);
    }
    const n = runs[m.index];
    if (!n) return undefined;
    if (m.type === 'open') return vscode.commands.executeCommand('vscode.open', modelUri(n));
    if (m.type === 'rerun') return vscode.commands.executeCommand('edgewise.runs.rerun', n);
    return vscode.commands.executeCommand('edgewise.runs.makeRecipe', n);
  };

  /** The nodes a command acts on: the ones passed (a menu's selection), else the view's selection. */
  const chosen = (node?: RunNode, nodes?: RunNode[]): RunNode[] => (nodes?.length ? nodes : node ? [node] : [...tree.selection]);

  context.subscriptions.push(
    view, tree,
    vscode.commands.registerCommand('edgewise.runs.refresh', () => view.refresh()),
    vscode.commands.registerCommand('edgewise.runs.compare', async (node?: RunNode, nodes?: RunNode[]) => {
      const runs = chosen(node, nodes);
      if (runs.length === 0) return void vscode.window.showInformationMessage('Edgewise: select one or more runs in the Runs view to compare (Ctrl/Cmd-click for several).');
      return showRuns(runs);
    }),
    vscode.commands.registerCommand('edgewise.runs.open', (node?: RunNode) => {
      const [n] = chosen(node);
      return n && vscode.commands.executeCommand('vscode.open', modelUri(n));
    }),
    vscode.commands.registerCommand('edgewise.runs.rerun', async (node?: RunNode, options?: { confirmed?: boolean }): Promise<RerunResponse | undefined> => {
      const [n] = chosen(node);
      if (!n) return undefined;
      if (!(await requireTrust('Re-running a job'))) return undefined;
      let replaceRecipeOutput = false;
      const out = n.record.outputs.find((f) => f.role === 'out');
      if (n.record.kind === 'recipe' && out && fs.existsSync(resolveRecordPath(n.root, out.path))) {
        const ok = options?.confirmed || (await vscode.window.showWarningMessage(`Re-running the recipe writes ${out.path} again.`, { modal: true }, 'Replace')) === 'Replace';
        if (!ok) return undefined;
        replaceRecipeOutput = true;
      }
      const r = await withWorkerProgress(`re-running ${n.record.kind}`, (o) => worker.request(RerunRequest.type, { root: n.root, id: n.record.id, replaceRecipeOutput }, o));
      await view.refresh();
      if (r?.output) void vscode.window.showInformationMessage(`Edgewise: re-ran ${r.kind}: wrote ${path.basename(r.output)}`);
      return r;
    }),
    vscode.commands.registerCommand('edgewise.runs.makeRecipe', async (node?: RunNode): Promise<vscode.Uri | undefined> => {
      const [n] = chosen(node);
      if (!n) return undefined;
      if (n.record.kind === 'recipe') return void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(resolveRecordPath(n.root, n.record.input)));
      const dir = path.dirname(resolveRecordPath(n.root, n.record.input));
      const text = recipeFromRun(n.root, n.record, dir);
      if (!text) return void vscode.window.showInformationMessage(`Edgewise: a ${n.record.kind} run is not a recipe pass; quantize, prune, mixed-precision, export and training runs are.`);
      const first = path.join(dir, 'edgewise.json');
      const file = fs.existsSync(first) ? nextFreePath(first) : first;
      // 'wx': never over a file that appeared meanwhile.
      fs.writeFileSync(file, text, { flag: 'wx' });
      const uri = vscode.Uri.file(file);
      await vscode.window.showTextDocument(uri);
      return uri;
    }),
  );
  void view.refresh();
  return { view, panel: () => shown };
}

function modelUri(n: RunNode): vscode.Uri {
  return vscode.Uri.file(resolveRecordPath(n.root, runModel(n.record)));
}
