/**
 * The Releases view of the Edgewise sidebar: the release repository's channels, their releases
 * with state, rollout and device health, refreshed when the repository changes on disk (also by
 * the CLI). Promote, pause and rollback act on its items (src/extension/releases.ts). The status
 * is first read when the view first shows, not as the extension starts: reading it loads the
 * worker's job modules, which a model opening as VS Code starts would wait for.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReleaseStatus, RepositoryStatus } from '../ota/publisher/status';
import { formatBytes, formatPercent } from '../core/base/units';

export type ReleaseNode =
  | { kind: 'channel'; channel: string; releases: ReleaseStatus[] }
  | { kind: 'release'; release: ReleaseStatus }
  | { kind: 'message'; text: string; detail?: string; icon: string };

export class ReleasesView implements vscode.TreeDataProvider<ReleaseNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReleaseNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private status: RepositoryStatus | undefined;
  private error: string | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  private loading: Promise<void> | undefined;
  private reading = false;
  private generation = 0;

  constructor(
    private readonly repository: () => string | undefined,
    private readonly load: (repo: string) => Promise<RepositoryStatus>,
  ) {}

  /** The status last shown (undefined before the first load or without a repository). */
  get current(): RepositoryStatus | undefined {
    return this.status;
  }

  /** Reloads the repository's status; resolves when the view has it (a later reload's, if one began meanwhile). */
  refresh(): Promise<void> {
    const generation = ++this.generation;
    this.loading = (async () => {
      const repo = this.repository();
      this.watch(repo);
      this.status = undefined;
      this.error = undefined;
      this.reading = !!repo;
      if (repo) this.changed.fire(undefined);
      let status: RepositoryStatus | undefined;
      let error: string | undefined;
      try {
        status = repo ? await this.load(repo) : undefined;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      if (generation !== this.generation) return this.loading;
      this.status = status;
      this.error = error;
      this.reading = false;
      this.changed.fire(undefined);
    })();
    return this.loading;
  }

  /** Reads the status again if it was read before (a setting changed); else the view's first show reads it. */
  refreshIfRead(): void {
    if (this.generation > 0) void this.refresh();
  }

  getTreeItem(n: ReleaseNode): vscode.TreeItem {
    if (n.kind === 'message') {
      const item = new vscode.TreeItem(n.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(n.icon);
      item.tooltip = n.detail;
      return item;
    }
    if (n.kind === 'channel') {
      const item = new vscode.TreeItem(n.channel, vscode.TreeItemCollapsibleState.Expanded);
      const live = n.releases.find((r) => r.state !== 'rolled-back');
      item.description = live ? `${live.version} at ${live.rollout}%${live.state === 'paused' ? ' (paused)' : ''}` : 'no release in play';
      item.iconPath = new vscode.ThemeIcon('broadcast');
      item.contextValue = 'edgewise.channel';
      item.id = `channel:${n.channel}`;
      return item;
    }
    const r = n.release;
    const item = new vscode.TreeItem(r.version, vscode.TreeItemCollapsibleState.None);
    const h = r.health;
    const failing = h ? h.loadFailed + h.fallback : 0;
    item.description = [r.state === 'active' ? `${r.rollout}%` : `${r.state.replace('-', ' ')} at ${r.rollout}%`, formatBytes(r.size),
      ...(h ? [`${h.installed} installed`, ...(failing ? [`${failing} failing (${formatPercent(h.failureRate)})`] : [])] : [])].join(' · ');
    item.iconPath = failing
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon(r.state === 'paused' ? 'debug-pause' : r.state === 'rolled-back' ? 'discard' : r.rollout < 100 ? 'rocket' : 'pass');
    item.tooltip = tooltip(r);
    item.contextValue = `edgewise.release.${r.state}`;
    item.id = `release:${r.channel}:${r.version}`;
    return item;
  }

  getChildren(n?: ReleaseNode): ReleaseNode[] {
    if (n?.kind === 'channel') return n.releases.map((release) => ({ kind: 'release', release }));
    if (n) return [];
    if (this.generation === 0) void this.refresh();
    if (this.reading) return [{ kind: 'message', text: 'Reading the release repository...', icon: 'loading~spin' }];
    if (this.error) return [{ kind: 'message', text: 'The release repository cannot be read', detail: this.error, icon: 'error' }];
    if (!this.status) return []; // no repository: the welcome view offers to open or create one
    const out: ReleaseNode[] = this.status.channels.map((c) => ({ kind: 'channel', channel: c.channel, releases: c.releases }));
    if (out.length === 0) out.push({ kind: 'message', text: 'No releases yet: Publish Model Release... on a model', icon: 'info' });
    for (const w of this.status.metadata.warnings) out.push({ kind: 'message', text: w.split(':')[0], detail: w, icon: 'warning' });
    return out;
  }

  /** Refreshes when the repository's timestamp changes (every publish, promote, pause, rollback, refresh). */
  private watch(repo: string | undefined): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    if (!repo) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.join(repo, 'metadata')), 'timestamp.json'));
    const again = () => void this.refresh();
    this.watcher.onDidChange(again);
    this.watcher.onDidCreate(again);
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}

function tooltip(r: ReleaseStatus): vscode.MarkdownString {
  const md = new vscode.MarkdownString(`**${r.channel} ${r.version}**: ${r.state}, rollout ${r.rollout}%\n\n`);
  const rows: [string, string][] = [
    ['size', `${formatBytes(r.size)} (sha256 \`${r.sha256.slice(0, 16)}…\`)`],
    ['delta', r.delta ? `from ${r.delta.from}, ${formatBytes(r.delta.size)}` : 'none'],
    ['minimum app', r.minAppVersion ?? 'any'],
    ['published', r.publishedAt],
    ['changed', r.updatedAt],
  ];
  if (r.health) {
    const h = r.health;
    rows.push(['devices', `${h.installed} installed, ${h.loadOk} loaded it, ${h.loadFailed} failed to load, ${h.fallback} fell back`]);
    for (const x of h.reasons) rows.push(['failure', `${x.devices} device(s): ${x.reason}`]);
  }
  md.appendMarkdown(rows.map(([k, v]) => `${k}: ${v}`).join('  \n'));
  if (r.notes) md.appendMarkdown(`\n\n${r.notes}`);
  return md;
}
