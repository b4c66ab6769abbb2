import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Overlay } from '../../webview/messages';
import { OUTPUT_TAGS, siblingPath } from '../core/jobs/job';
import type { PruneMethod } from '../core/jobs/prune';
import { PruneRequest, type PruneParams, type PruneResult } from '../worker/protocol';
import { requireAction, resolveModel, type CommandDeps } from './commands';
import { withWorkerProgress } from './progress';
import { requireTrust } from './trust';
import { formatInteger, formatPercent } from '../core/base/units';

/** Commands offered after pruning when another part of Edgewise provides them. */
const FOLLOW_UPS = { Compare: 'edgewise.compareModels', Benchmark: 'edgewise.benchmarkModel' } as const;

/** "Edgewise: Prune Model...": asks method, sparsity and optional evaluation data, runs the worker job. */
export function registerPruneCommand({ panels, worker, log }: CommandDeps): vscode.Disposable {
  return vscode.commands.registerCommand('edgewise.pruneModel', async (arg?: unknown) => {
    const uri = await resolveModel(arg);
    if (!uri) return;
    if (!requireAction(uri, 'prune')) return;
    const params = await askPruneParams(uri);
    if (!params) return;
    if (params.evalData && !(await requireTrust('Evaluating accuracy'))) return;
    const result = await withWorkerProgress(`pruning ${path.basename(uri.fsPath)}`, (opts) => worker.request(PruneRequest.type, params, opts));
    if (!result) return;
    log.info(`prune ${uri.fsPath}: ${JSON.stringify({ ...result, report: { ...result.report, layers: undefined } })}`);
    const out = vscode.Uri.file(result.output);
    const overlay = channelsOverlay(result);
    const actions: string[] = ['Open Graph'];
    const available = await vscode.commands.getCommands(true);
    for (const [label, id] of Object.entries(FOLLOW_UPS)) if (available.includes(id)) actions.push(label);
    actions.push('Show Report');
    const pick = await vscode.window.showInformationMessage(`Edgewise: ${summary(result)}`, ...actions);
    if (pick === 'Open Graph') {
      await panels.open(out);
      if (overlay) panels.pushOverlay(out, overlay);
    } else if (pick === 'Compare') await vscode.commands.executeCommand(FOLLOW_UPS.Compare, uri, out);
    else if (pick === 'Benchmark') await vscode.commands.executeCommand(FOLLOW_UPS.Benchmark, out);
    else if (pick === 'Show Report') {
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(result, null, 2) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
  });
}

async function askPruneParams(uri: vscode.Uri): Promise<PruneParams | undefined> {
  const methods: (vscode.QuickPickItem & { method: PruneMethod })[] = [
    {
      label: 'Channel pruning (structured)', method: 'channel',
      detail: 'Removes whole channels and every tensor that depends on them: a smaller, faster model. Groups that cannot be proven safe are left whole.',
    },
    {
      label: 'Magnitude pruning (unstructured)', method: 'magnitude',
      detail: 'Zeroes the smallest weights: the file compresses better, but it runs no faster on stock CPU runtimes.',
    },
  ];
  const picked = await vscode.window.showQuickPick(methods, { title: `Prune ${path.basename(uri.fsPath)}`, placeHolder: 'How to prune' });
  if (!picked) return undefined;
  const text = await vscode.window.showInputBox({
    title: picked.label,
    prompt: picked.method === 'channel' ? "Share of each group's channels to remove" : 'Share of the weights to zero',
    value: picked.method === 'channel' ? '0.3' : '0.5',
    validateInput: (v) => (Number(v) > 0 && Number(v) < 1 ? undefined : 'A number strictly between 0 and 1, e.g. 0.3'),
  });
  if (text === undefined) return undefined;
  const params: PruneParams = { file: uri.fsPath, method: picked.method, sparsity: Number(text) };

  const evalChoice = await vscode.window.showQuickPick(
    [{ label: 'No evaluation', id: 'none' }, { label: 'Measure top-1 accuracy before and after...', id: 'eval', detail: 'Samples and integer labels as .npy files' }],
    { title: 'Accuracy', placeHolder: 'Pruning without fine-tuning costs accuracy; measure how much?' },
  );
  if (!evalChoice) return undefined;
  if (evalChoice.id === 'eval') {
    const data = await pickNpy('Evaluation samples (.npy, [N, ...]; uint8 is scaled to [0, 1])', uri);
    if (!data) return undefined;
    const labels = await pickNpy('Their integer labels (.npy, [N])', data);
    if (!labels) return undefined;
    params.evalData = data.fsPath;
    params.labels = labels.fsPath;
  }

  const out = siblingPath(uri.fsPath, OUTPUT_TAGS.prune);
  if (fs.existsSync(out)) {
    const replace = await vscode.window.showWarningMessage(`${path.basename(out)} already exists. Replace it?`, { modal: true }, 'Replace');
    if (replace !== 'Replace') return undefined;
    params.force = true;
  }
  return params;
}

async function pickNpy(title: string, near: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title, canSelectMany: false, filters: { 'NumPy arrays': ['npy'] }, defaultUri: vscode.Uri.file(path.dirname(near.fsPath)),
  });
  return picked?.[0];
}


/** One line for the notification: what shrank, what was left, what it cost. */
export function summary(r: PruneResult): string {
  const parts: string[] = [];
  const rep = r.report;
  if (rep.method === 'channel') {
    parts.push(`parameters ${formatInteger(rep.paramsBefore)} -> ${formatInteger(rep.paramsAfter)} (-${formatPercent(1 - rep.paramsAfter / rep.paramsBefore)})`);
    parts.push(`${rep.pruned.length} channel group(s) pruned, ${rep.left.length} left whole`);
  } else {
    parts.push(`${formatPercent(rep.achievedSparsity)} of the prunable weights are zero`);
    if (rep.sizeBefore && rep.sizeAfter) parts.push(`gzip ${formatPercent(rep.sizeAfter.gzipBytes / rep.sizeBefore.gzipBytes)} of before; no speed-up on stock CPU runtimes`);
  }
  if (r.evaluation) parts.push(`top-1 ${formatPercent(r.evaluation.top1Before)} -> ${formatPercent(r.evaluation.top1After)}`);
  return `${path.basename(r.output)}: ${parts.join('; ')}.`;
}

/** Channels kept per layer as a graph overlay. */
export function channelsOverlay(r: PruneResult): Overlay | undefined {
  if (!r.channelsKept || Object.keys(r.channelsKept).length === 0) return undefined;
  return { id: 'edgewise.prune.channelsKept', label: 'Channels kept (pruned)', unit: 'channels', values: r.channelsKept, scale: 'log', higherIsBetter: true };
}
