/**
 * Releases in VS Code: "Publish Model Release..." on a model, and the Releases view of the
 * Edgewise sidebar with promote, pause and rollback on its items. The repository work (signing,
 * deltas, reading metadata) runs in the worker; keys stay outside the workspace.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareVersions, isVersion, checkChannelName } from '../ota/release';
import type { ReleaseStatus, RepositoryStatus } from '../ota/publisher/status';
import {
  ReleaseChangeRequest, ReleaseInitRequest, ReleasePublishRequest, ReleaseStatusRequest,
  type ReleaseChangeParams, type ReleasePublishParams, type ReleasePublishResult,
} from '../worker/protocol';
import { resolveModel, type CommandDeps } from './commands';
import { withWorkerProgress } from './progress';
import { ReleasesView, type ReleaseNode } from './releases-view';
import { formatBytes, formatPercent } from '../core/base/units';

export interface ReleasesApi {
  view: ReleasesView;
  /** The configured repository folder (absolute), if any. */
  repository(): string | undefined;
}

/** What the publish command takes when called with arguments (no prompts). */
export type PublishArgs = Omit<ReleasePublishParams, 'model' | 'repo' | 'keys' | 'progressToken'> & { repo?: string };

export function registerReleases({ worker, log }: CommandDeps): { api: ReleasesApi; disposables: vscode.Disposable[] } {
  const repository = () => configuredRepository();
  const keys = () => vscode.workspace.getConfiguration('edgewise.releases').get<string>('keys')?.trim() || undefined;
  const health = () => vscode.workspace.getConfiguration('edgewise.releases').get<string>('health')?.trim() || undefined;
  const view = new ReleasesView(repository, (repo) => worker.request(ReleaseStatusRequest.type, { repo, health: health() }));
  const tree = vscode.window.createTreeView('edgewise.releases', { treeDataProvider: view, showCollapseAll: false });

  /** `confirmed` skips the confirmation dialog (for callers that asked already, or scripts). */
  const change = async (action: 'promote' | 'pause' | 'rollback', node: ReleaseNode | undefined, rollout?: number, confirmed = false) => {
    const repo = await ensureRepository(false);
    const r = node?.kind === 'release' ? node.release : undefined;
    if (!repo || !r) return undefined;
    if (action === 'promote' && rollout === undefined) rollout = await askRollout(`Promote ${r.channel} ${r.version} (now ${r.rollout}%)`, r.rollout);
    if (action === 'promote' && rollout === undefined) return undefined;
    if (action !== 'promote' && !confirmed && !(await confirm(action, r, view.current))) return undefined;
    const params: ReleaseChangeParams = { repo, keys: keys(), action, channel: r.channel, version: r.version, rollout };
    const result = await withWorkerProgress(`${action} ${r.channel} ${r.version}`, (opts) => worker.request(ReleaseChangeRequest.type, params, opts));
    if (result) log.info(`release ${action} ${r.channel} ${r.version}: ${JSON.stringify({ before: result.before.rollout, after: result.after })}`);
    await view.refresh();
    return result;
  };

  const disposables: vscode.Disposable[] = [
    view,
    tree,
    vscode.commands.registerCommand('edgewise.publishRelease', async (arg?: vscode.Uri, given?: PublishArgs) => {
      const uri = await resolveModel(arg);
      if (!uri) return undefined;
      const repo = given?.repo ?? (await ensureRepository(true));
      if (!repo) return undefined;
      const status = await worker.request(ReleaseStatusRequest.type, { repo });
      const choices = given ?? (await askPublish(uri, status));
      if (!choices) return undefined;
      const params: ReleasePublishParams = { ...choices, model: uri.fsPath, repo, keys: keys() };
      const result = await withWorkerProgress(`publishing ${choices.channel} ${choices.version}`, (opts) => worker.request(ReleasePublishRequest.type, params, opts));
      if (!result) return undefined;
      log.info(`release publish ${uri.fsPath} -> ${result.file}`);
      await view.refresh();
      void vscode.window.showInformationMessage(`Edgewise: ${publishSummary(result)}`, 'Show Releases').then((pick) => {
        if (pick) void vscode.commands.executeCommand('edgewise.releases.focus');
      });
      return result;
    }),
    vscode.commands.registerCommand('edgewise.releases.refresh', () => view.refresh()),
    vscode.commands.registerCommand('edgewise.releases.promote', (node?: ReleaseNode, rollout?: number) => change('promote', node, rollout)),
    vscode.commands.registerCommand('edgewise.releases.pause', (node?: ReleaseNode, o?: { confirmed?: boolean }) => change('pause', node, undefined, o?.confirmed)),
    vscode.commands.registerCommand('edgewise.releases.rollback', (node?: ReleaseNode, o?: { confirmed?: boolean }) => change('rollback', node, undefined, o?.confirmed)),
    vscode.commands.registerCommand('edgewise.releases.openRepository', async (folder?: vscode.Uri) => {
      const picked = folder ?? (await pickFolder('Open Release Repository', 'Open'));
      if (!picked) return;
      await setRepository(picked.fsPath);
      await view.refresh();
    }),
    vscode.commands.registerCommand('edgewise.releases.createRepository', async (folder?: vscode.Uri) => {
      const picked = folder ?? (await pickFolder('New Release Repository (an empty folder)', 'Create'));
      if (!picked) return undefined;
      // The keys never go into the workspace: the job refuses a key folder inside any of its folders.
      const keysOutside = vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath) ?? [];
      const result = await withWorkerProgress('creating the release repository', (opts) => worker.request(ReleaseInitRequest.type, { repo: picked.fsPath, keys: keys(), keysOutside }, opts));
      if (!result) return undefined;
      await setRepository(picked.fsPath);
      await view.refresh();
      void vscode.window.showInformationMessage(
        `Edgewise: release repository created. Ship ${path.basename(result.trustedRoot)} with your app; the signing keys are in ${result.keys.dir} (outside the repository: keep them secret).`,
      );
      return result;
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('edgewise.releases')) view.refreshIfRead();
    }),
  ];
  return { api: { view, repository }, disposables };
}

function configuredRepository(): string | undefined {
  const value = vscode.workspace.getConfiguration('edgewise.releases').get<string>('repository')?.trim();
  if (!value) return undefined;
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
  return path.resolve(base, value.replace(/^~(?=$|\/)/, os.homedir()));
}

async function setRepository(folder: string): Promise<void> {
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('edgewise.releases').update('repository', folder, target);
}

/** The configured repository, or one the user opens or creates now. */
async function ensureRepository(offerCreate: boolean): Promise<string | undefined> {
  const repo = configuredRepository();
  if (repo) return repo;
  const items = ['Open Existing...', ...(offerCreate ? ['Create New...'] : [])];
  const pick = await vscode.window.showInformationMessage('Edgewise: no release repository is configured (edgewise.releases.repository).', ...items);
  if (pick === 'Open Existing...') await vscode.commands.executeCommand('edgewise.releases.openRepository');
  else if (pick === 'Create New...') await vscode.commands.executeCommand('edgewise.releases.createRepository');
  else return undefined;
  return configuredRepository();
}

async function pickFolder(title: string, openLabel: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, openLabel, canSelectFolders: true, canSelectFiles: false, canSelectMany: false });
  return picked?.[0];
}

/** Channel, version, rollout, delta, minimum app version and notes, asked in that order. */
async function askPublish(uri: vscode.Uri, status: RepositoryStatus): Promise<PublishArgs | undefined> {
  const name = path.basename(uri.fsPath);
  const channels = status.channels.map((c) => c.channel);
  const NEW = 'New channel...';
  const picked = await vscode.window.showQuickPick(channels.length ? [...channels, NEW] : ['stable', NEW], { title: `Publish ${name} (1/5): channel` });
  if (!picked) return undefined;
  const channel = picked === NEW
    ? await vscode.window.showInputBox({ title: 'New channel', prompt: 'Name (letters, digits, . _ -)', validateInput: (v) => tryCheck(() => checkChannelName(v)) })
    : picked;
  if (!channel) return undefined;
  const releases = status.channels.find((c) => c.channel === channel)?.releases ?? [];
  const newest = releases[0]?.version;
  const version = await vscode.window.showInputBox({
    title: `Publish ${name} (2/5): version`, value: newest ? nextPatch(newest) : '1.0.0',
    validateInput: (v) => (!isVersion(v) ? 'A semantic version, e.g. 1.4.0' : releases.some((r) => r.version === v) ? `${channel} ${v} is already published` : undefined),
  });
  if (!version) return undefined;
  const rollout = await askRollout(`Publish ${name} (3/5): rollout`, 0);
  if (rollout === undefined) return undefined;
  let deltaFrom: string | undefined;
  if (/\.onnx$/i.test(uri.fsPath) && releases.some((r) => /\.onnx$/i.test(r.path))) {
    const bases = releases.filter((r) => r.state !== 'rolled-back' && compareVersions(r.version, version) < 0);
    const items = [...bases.map((r) => ({ label: `Delta from ${r.version}`, detail: 'Devices on it download only the changed tensors', from: r.version })), { label: 'No delta', detail: 'Every device downloads the whole model', from: '' }];
    const d = await vscode.window.showQuickPick(items, { title: `Publish ${name} (4/5): delta` });
    if (!d) return undefined;
    deltaFrom = d.from || undefined;
  }
  const minApp = await vscode.window.showInputBox({ title: `Publish ${name} (5/5): minimum app version (optional)`, placeHolder: 'any app version', validateInput: (v) => (!v || isVersion(v) ? undefined : 'A semantic version, or empty') });
  if (minApp === undefined) return undefined;
  return { channel, version, rollout, deltaFrom, minAppVersion: minApp || undefined };
}

async function askRollout(title: string, above: number): Promise<number | undefined> {
  const steps = [1, 5, 10, 25, 50, 100].filter((p) => p > above);
  const pick = await vscode.window.showQuickPick([...steps.map((p) => `${p}%`), 'Other...'], { title, placeHolder: "Share of the channel's devices that take it" });
  if (!pick) return undefined;
  if (pick !== 'Other...') return Number(pick.slice(0, -1));
  const text = await vscode.window.showInputBox({ title, prompt: 'Whole percent, 0-100', validateInput: (v) => (/^\d+$/.test(v) && Number(v) <= 100 ? undefined : 'A whole number from 0 to 100') });
  return text === undefined ? undefined : Number(text);
}

async function confirm(action: 'pause' | 'rollback', r: ReleaseStatus, status: RepositoryStatus | undefined): Promise<boolean> {
  const others = status?.channels.find((c) => c.channel === r.channel)?.releases.filter((x) => x.version !== r.version && x.state !== 'rolled-back') ?? [];
  const text = action === 'pause'
    ? `Pause ${r.channel} ${r.version} at ${r.rollout}%? Devices that have it keep it; no other device takes it until you promote it again.`
    : `Roll back ${r.channel} ${r.version}? Devices on it go to ${others[0]?.version ?? 'their bundled model'} at their next check. This cannot be undone (publish a new version instead).`;
  return (await vscode.window.showWarningMessage(text, { modal: true }, action === 'pause' ? 'Pause' : 'Roll Back')) !== undefined;
}

function publishSummary(r: ReleasePublishResult): string {
  const x = r.release;
  const d = r.delta?.path ? `; delta from ${r.delta.from}: ${formatBytes(r.delta.size!)} (${formatPercent(r.delta.fraction!)} of the model)` : r.delta ? `; no delta (${r.delta.skipped})` : '';
  return `published ${x.channel} ${x.version} to ${x.rollout}% of its devices: ${formatBytes(x.size)}${d}.`;
}

function nextPatch(v: string): string {
  const [maj, min, patch] = v.split(/[.-]/).map(Number);
  return `${maj}.${min}.${patch + 1}`;
}

function tryCheck(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
