/**
 * "Edgewise: Compare Models...": two models (selected together in the Explorer, a model and its
 * output, or a job's input and result) diffed in the worker, shown side by side: A's graph on the
 * left and B's on the right, each with the diff as an overlay (colour by status, badges, the
 * counterpart and figures in the inspector), selections kept together, and the differences listed
 * in the Model Differences view to step through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelDiff, NodeDiff } from '../core/jobs/diff';
import { modelRoot } from '../core/formats/open';
import { modelExtensions } from '../core/formats/registry';
import { DiffRequest } from '../worker/protocol';
import type { CommandDeps } from './commands';
import { diffOverlay, diffPartners, differenceLabel, differences } from './diff-overlay';
import type { GraphPanel } from './graph-panel';
import { withWorkerProgress } from './progress';
import { formatDuration, formatPercent } from '../core/base/units';

/** What the command returns (for scripts and tests): the diff and the two graph views. */
export interface CompareOutcome {
  diff: ModelDiff;
  panels: { a: GraphPanel; b: GraphPanel };
}

export interface CompareApi {
  /** The comparison on screen, if any. */
  current(): CompareSession | undefined;
}

export function registerCompareCommands(deps: CommandDeps): { disposables: vscode.Disposable[]; api: CompareApi } {
  const list = new DifferencesView();
  const tree = vscode.window.createTreeView('edgewise.differences', { treeDataProvider: list });
  let session: CompareSession | undefined;
  const disposables = [
    tree,
    // From the Explorer: (clicked, all selected); from a job's result: (input, output).
    vscode.commands.registerCommand('edgewise.compareModels', async (arg?: vscode.Uri, selected?: vscode.Uri[] | vscode.Uri) => {
      const pair = arg && selected instanceof vscode.Uri ? [arg, selected] as const : await pickModels(arg, Array.isArray(selected) ? selected : undefined, deps);
      if (!pair) return undefined;
      const [a, b] = pair;
      const diff = await withWorkerProgress(`comparing ${path.basename(a.fsPath)} with ${path.basename(b.fsPath)}`,
        (opts) => deps.worker.request(DiffRequest.type, { a: a.fsPath, b: b.fsPath }, opts));
      if (!diff) return undefined;
      deps.log.info(`diff ${a.fsPath} -> ${b.fsPath}: ${Object.entries(diff.counts).map(([k, n]) => `${k} ${n}`).join(', ')}; ${formatPercent(diff.matched.share)} of A matched in ${formatDuration(diff.ms)}`);
      const panelA = deps.panels.forFile(a)[0] ?? (await deps.panels.open(a, vscode.ViewColumn.One));
      const panelB = deps.panels.forFile(b)[0] ?? (await deps.panels.open(b, vscode.ViewColumn.Two));
      session?.dispose();
      session = new CompareSession(diff, panelA, panelB, list, tree);
      return { diff, panels: { a: panelA, b: panelB } } satisfies CompareOutcome;
    }),
    vscode.commands.registerCommand('edgewise.nextDifference', () => session?.step(1)),
    vscode.commands.registerCommand('edgewise.previousDifference', () => session?.step(-1)),
    vscode.commands.registerCommand('edgewise.revealDifference', (index: number) => session?.go(index)),
    { dispose: () => session?.dispose() },
  ];
  return { disposables, api: { current: () => session } };
}

/** Two graph views showing one diff: overlays on both, selections kept together, a cursor over the differences. */
export class CompareSession implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private readonly items: NodeDiff[];
  private index = -1;
  /** The node each view was last told to select, so its echo is not mirrored back. */
  private echo: { a?: string; b?: string } = {};

  constructor(readonly diff: ModelDiff, readonly a: GraphPanel, readonly b: GraphPanel, private readonly list: DifferencesView, private readonly tree: vscode.TreeView<number>) {
    this.items = differences(diff);
    a.showOverlay(diffOverlay(diff, 'a'));
    b.showOverlay(diffOverlay(diff, 'b'));
    const { aToB, bToA } = diffPartners(diff);
    const mirror = (from: 'a' | 'b', to: GraphPanel, partners: Map<string, string>) => (id: string | null) => {
      if (!id || this.echo[from] === id) { this.echo[from] = undefined; return; }
      const other = partners.get(id);
      if (!other) return;
      this.echo[from === 'a' ? 'b' : 'a'] = other;
      void to.reveal(other, true);
    };
    this.subs.push(a.onDidSelect(mirror('a', b, aToB)), b.onDidSelect(mirror('b', a, bToA)));
    list.show(diff, this.items);
    // Brings the list into view without taking the keyboard from the graphs.
    if (this.items.length) void tree.reveal(0, { select: false, focus: false });
    tree.message = `${path.basename(diff.a.file)} → ${path.basename(diff.b.file)}: ${this.items.length} differences; ${formatPercent(diff.matched.share)} of A's nodes matched`;
  }

  /** Moves to the next (1) or previous (-1) difference, wrapping around. */
  async step(delta: number): Promise<void> {
    if (!this.items.length) return;
    await this.go((this.index + delta + this.items.length) % this.items.length);
  }

  /** Selects difference `index` in both views and in the list. */
  async go(index: number): Promise<void> {
    const e = this.items[index];
    if (!e) return;
    this.index = index;
    void this.tree.reveal(index, { select: true, focus: false });
    const a = e.a, b = e.b ?? e.fusedInto;
    this.echo = { a, b };
    await Promise.all([a ? this.a.reveal(a, true) : undefined, b ? this.b.reveal(b, true) : undefined]);
  }

  /** The difference the cursor is on. */
  get currentIndex(): number {
    return this.index;
  }

  dispose(): void {
    for (const s of this.subs.splice(0)) s.dispose();
    this.list.show(undefined, []);
  }
}

/** The Model Differences view: the differences of the comparison on screen, one row each. */
class DifferencesView implements vscode.TreeDataProvider<number> {
  private items: NodeDiff[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  show(_diff: ModelDiff | undefined, items: NodeDiff[]): void {
    this.items = items;
    this.changed.fire();
  }

  getChildren(parent?: number): number[] {
    return parent === undefined ? this.items.map((_, i) => i) : [];
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(i: number): vscode.TreeItem {
    const e = this.items[i];
    const { label, description } = differenceLabel(e);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.description = description;
    item.tooltip = `${e.status}: ${e.a ?? '(not in A)'} (${e.opA ?? ''}) → ${e.b ?? e.fusedInto ?? '(not in B)'} (${e.opB ?? ''})${e.detail ? `\n${e.detail}` : ''}`;
    item.iconPath = new vscode.ThemeIcon({ added: 'diff-added', removed: 'diff-removed', changed: 'diff-modified', rewritten: 'diff-renamed', unchanged: 'circle-outline' }[e.status]);
    item.command = { command: 'edgewise.revealDifference', title: 'Show in both graphs', arguments: [i] };
    return item;
  }
}

/**
 * The two models to compare: two selected in the Explorer (a model and a file derived from it:
 * the shorter name is A), else the one given (or the graph in front) and a second one picked
 * from its folder, derived outputs (model.static.onnx, model.tflite) first.
 */
async function pickModels(arg: vscode.Uri | undefined, selected: vscode.Uri[] | undefined, deps: CommandDeps): Promise<readonly [vscode.Uri, vscode.Uri] | undefined> {
  const models = (selected ?? []).filter((u) => u.scheme === 'file' && isModel(u.fsPath));
  if (models.length >= 2) {
    const [x, y] = models;
    return derivedFrom(y.fsPath, x.fsPath) || !derivedFrom(x.fsPath, y.fsPath) ? [x, y] : [y, x];
  }
  const first = arg ?? deps.panels.active()?.uri ?? (await vscode.window.showOpenDialog({ title: 'Compare Models (1/2): the reference model (A)', filters: { Models: modelExtensions().map((e) => e.slice(1)) } }))?.[0];
  if (!first) return undefined;
  const a = vscode.Uri.file(modelRoot(first.fsPath));
  const dir = path.dirname(a.fsPath);
  const siblings = fs.readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => f !== a.fsPath && isModel(f));
  siblings.sort((x, y) => Number(derivedFrom(y, a.fsPath)) - Number(derivedFrom(x, a.fsPath)) || x.localeCompare(y));
  const browse = { label: '$(folder-opened) Browse...', file: '' };
  const picked = await vscode.window.showQuickPick([...siblings.map((f) => ({ label: path.basename(f), description: derivedFrom(f, a.fsPath) ? 'made from it' : '', file: f })), browse],
    { title: `Compare ${path.basename(a.fsPath)} (A) with... (B)`, matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.file) return [a, vscode.Uri.file(picked.file)];
  const other = (await vscode.window.showOpenDialog({ title: 'Compare Models (2/2): the model to compare (B)', defaultUri: vscode.Uri.file(dir) }))?.[0];
  return other ? [a, vscode.Uri.file(modelRoot(other.fsPath))] : undefined;
}

function isModel(file: string): boolean {
  return modelExtensions().includes(path.extname(file).toLowerCase());
}

/** `model.static.onnx`, `model.int8.tflite`, `model.tflite` are derived from `model.onnx`. */
function derivedFrom(file: string, source: string): boolean {
  const stem = path.basename(source, path.extname(source));
  const name = path.basename(file);
  return path.dirname(file) === path.dirname(source) && name !== path.basename(source) && (name.startsWith(`${stem}.`));
}
