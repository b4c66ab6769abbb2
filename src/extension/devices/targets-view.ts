/**
 * The Targets view in the Edgewise sidebar: every target Edgewise knows (settings, the recipe,
 * the user's targets file, built in), each with its last result, and actions to benchmark there,
 * set a device up or trust its host key (package.json `view/item/context`).
 */
import * as vscode from 'vscode';
import type { FleetEntry } from '../../core/runtime/devices/fleet';
import type { DeviceFacts } from '../../core/runtime/types';
import { TargetListRequest, type TargetListEntry } from '../../worker/protocol';
import { readConfig } from '../config';
import type { WorkerClient } from '../worker-client';
import { formatBytes, formatNumber } from '../../core/base/units';

export class TargetItem extends vscode.TreeItem {
  constructor(readonly entry: TargetListEntry, last: { entry: FleetEntry; at: Date } | undefined, facts: DeviceFacts | undefined) {
    super(entry.target.name, vscode.TreeItemCollapsibleState.None);
    const t = entry.target;
    this.id = `edgewise.target.${t.name}`;
    this.contextValue = `edgewise.target.${entry.kind}`;
    this.iconPath = new vscode.ThemeIcon(entry.kind === 'ssh' ? 'remote' : entry.kind === 'emulated' ? 'circuit-board' : 'device-desktop');
    this.description = describeLast(last) ?? (entry.kind === 'ssh' ? t.ssh : entry.kind === 'emulated' ? 'emulated arm64' : 'this machine');
    const lines = [`**${t.name}**${t.description ? `: ${t.description}` : ''}`, '', `Defined in: ${entry.definedIn}`];
    if (t.ssh) lines.push(`SSH: \`${t.ssh}\`${t.identity ? `, key \`${t.identity}\`` : ''}`);
    if (facts) lines.push(`Device: ${facts.machine.cpuModel}, ${facts.machine.cores} cores, ${formatBytes(facts.machine.totalMemBytes)}, ${facts.machine.os ?? facts.machine.platform}, Node ${facts.machine.nodeVersion}, onnxruntime ${facts.ortVersion}`);
    const budgets = [t.latencyBudgetMs && `${t.latencyMetric ?? 'p95'} ≤ ${t.latencyBudgetMs} ms`, t.ramBudgetBytes && `RAM ≤ ${formatBytes(t.ramBudgetBytes)}`].filter(Boolean);
    if (budgets.length) lines.push(`Budgets: ${budgets.join(', ')}`);
    if (last?.entry.error) lines.push('', `Last run failed: ${last.entry.error.message}`);
    this.tooltip = new vscode.MarkdownString(lines.join('  \n'));
  }
}

function describeLast(last: { entry: FleetEntry; at: Date } | undefined): string | undefined {
  if (!last) return undefined;
  const r = last.entry.results[0];
  if (!r) return `failed: ${last.entry.error?.kind ?? 'error'}`;
  const p50 = r.latency.p50Ms;
  const verdict = last.entry.emulated ? 'emulated' : last.entry.budgetBreaks.length ? 'over budget' : '';
  return `p50 ${formatNumber(p50)} ms${verdict ? ` (${verdict})` : ''} · ${r.model.split(/[\\/]/).pop()}`;
}

export class TargetsView implements vscode.TreeDataProvider<TargetItem>, vscode.Disposable {
  private entries: TargetListEntry[] = [];
  private loaded?: Promise<TargetListEntry[]>;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Last fleet entry per target name. */
  readonly last = new Map<string, { entry: FleetEntry; at: Date }>();
  readonly facts = new Map<string, DeviceFacts>();

  constructor(private readonly worker: WorkerClient) {}

  /** Reads the targets again (settings, recipe, the user's file) and redraws. */
  refresh(): Promise<TargetListEntry[]> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    this.loaded = this.worker.request(TargetListRequest.type, {
      settings: readConfig().benchmark.targets, folder: folder?.scheme === 'file' ? folder.fsPath : undefined,
    }).then((entries) => {
      this.entries = entries;
      this.changed.fire();
      return entries;
    });
    return this.loaded;
  }

  /** The targets, loading them the first time. */
  async list(): Promise<TargetListEntry[]> {
    return this.loaded ?? this.refresh();
  }

  record(entries: FleetEntry[]): void {
    for (const e of entries) this.last.set(e.target, { entry: e, at: new Date() });
    this.changed.fire();
  }

  setFacts(name: string, facts: DeviceFacts): void {
    this.facts.set(name, facts);
    this.changed.fire();
  }

  getTreeItem(item: TargetItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<TargetItem[]> {
    await this.list().catch(() => undefined);
    return this.entries.map((e) => new TargetItem(e, this.last.get(e.target.name), this.facts.get(e.target.name)));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
