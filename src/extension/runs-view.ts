/**
 * The Runs view of the Edgewise sidebar: every recorded run (`.edgewise/runs/*.json` anywhere in
 * the workspace, see core/jobs/runs/store.ts), newest first, refreshed when a record is written
 * (also by the CLI). Selecting several and choosing Compare opens the comparison (runs.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns, RUNS_DIR } from '../core/jobs/runs/store';
import { runModel } from '../core/jobs/runs/compare';
import type { RunRecord } from '../core/jobs/runs/types';
import { formatBytes, formatDuration, formatPercent } from '../core/base/units';

/** A run and the runs root its paths are relative to. */
export interface RunNode { root: string; record: RunRecord }

/** Most runs the view lists. */
const MAX_RUNS = 500;

export class RunsView implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher(`**/${RUNS_DIR.split(path.sep).join('/')}/*.json`);
  private runs: RunNode[] = [];
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    const later = () => { clearTimeout(this.timer); this.timer = setTimeout(() => void this.refresh(), 200); };
    this.watcher.onDidCreate(later);
    this.watcher.onDidChange(later);
    this.watcher.onDidDelete(later);
  }

  /** Reads every record again; resolves when the view has them. */
  refresh(): Promise<void> {
    this.loading = (async () => {
      const files = await vscode.workspace.findFiles(`**/${RUNS_DIR.split(path.sep).join('/')}/*.json`, '**/node_modules/**');
      const roots = new Set(files.filter((f) => f.scheme === 'file').map((f) => path.dirname(path.dirname(path.dirname(f.fsPath)))));
      const runs = [...roots].flatMap((root) => listRuns(root).records.map((record) => ({ root, record })));
      this.runs = runs.sort((a, b) => (a.record.id < b.record.id ? 1 : -1)).slice(0, MAX_RUNS);
      this.changed.fire(undefined);
    })();
    return this.loading;
  }

  /** The runs listed, after the refresh under way. */
  async current(): Promise<RunNode[]> {
    await (this.loading ?? this.refresh());
    return this.runs;
  }

  getChildren(n?: RunNode): RunNode[] {
    return n ? [] : this.runs;
  }

  getTreeItem(n: RunNode): vscode.TreeItem {
    const r = n.record;
    const item = new vscode.TreeItem(`${r.kind} ${path.basename(runModel(r))}`, vscode.TreeItemCollapsibleState.None);
    item.id = `${n.root}:${r.id}`;
    item.description = [figures(r), when(r.startedAt)].filter(Boolean).join(' · ');
    item.iconPath = r.status === 'ok' ? new vscode.ThemeIcon('pass') : r.status === 'cancelled'
      ? new vscode.ThemeIcon('circle-slash') : new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**${r.kind}** ${r.status}${r.error ? `: ${r.error}` : ''}\n\n`);
    if (r.summary) tip.appendText(`${r.summary}\n\n`);
    tip.appendText(`${r.input} → ${r.outputs.map((f) => f.path).join(', ') || 'no file written'}\n`);
    tip.appendText(`${r.startedAt}, ${formatDuration(r.durationMs)} on ${r.machine.host}, target ${r.target}\n${r.id}`);
    item.tooltip = tip;
    item.contextValue = `edgewise.run.${r.status}`;
    item.command = { command: 'edgewise.runs.compare', title: 'Show Run', arguments: [n, [n]] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher.dispose();
    this.changed.dispose();
  }
}

function figures(r: RunRecord): string {
  const m = r.metrics;
  return [
    m.sizeBytes !== undefined && formatBytes(m.sizeBytes),
    m.p50Ms !== undefined && formatDuration(m.p50Ms),
    m.accuracy !== undefined && `top-1 ${formatPercent(m.accuracy / 100)}`,
    m.accuracy === undefined && m.agreement !== undefined && `agree ${formatPercent(m.agreement / 100)}`,
  ].filter(Boolean).join(' · ');
}

function when(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
}
