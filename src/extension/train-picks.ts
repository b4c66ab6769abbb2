import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { OUTPUT_TAGS, siblingPath } from '../core/jobs/job';
import type { TrainRequestOptions } from '../core/jobs/train-process';

type FileItem = vscode.QuickPickItem & { uri?: vscode.Uri; browse?: boolean; none?: boolean };

/** Workspace files matching `glob`, the model's folder first, then `prefer`red names, then by path. */
async function candidates(glob: string, near: vscode.Uri, prefer: (name: string) => boolean, exclude: string[]): Promise<vscode.Uri[]> {
  const found = await vscode.workspace.findFiles(glob, '**/node_modules/**', 500);
  const dir = path.dirname(near.fsPath);
  const rank = (u: vscode.Uri) => (path.dirname(u.fsPath) === dir ? 0 : 2) + (prefer(path.basename(u.fsPath)) ? 0 : 1);
  return found.filter((u) => !exclude.includes(u.fsPath)).sort((a, b) => rank(a) - rank(b) || a.fsPath.localeCompare(b.fsPath));
}

/**
 * Picks a file among the workspace's (or "Browse..." for any file or folder). Resolves to the
 * URI, to null for the optional "None" item, or to undefined when the user cancelled.
 */
export async function pickFile(o: {
  title: string; placeHolder: string; glob: string; near: vscode.Uri; prefer: (name: string) => boolean;
  exclude?: string[]; optional?: string; folders?: boolean; filters: Record<string, string[]>;
}): Promise<vscode.Uri | null | undefined> {
  const files = await candidates(o.glob, o.near, o.prefer, o.exclude ?? []);
  const items: FileItem[] = [
    ...(o.optional ? [{ label: o.optional, none: true }] : []),
    ...files.map((uri) => ({ label: path.basename(uri.fsPath), description: folderOf(uri), uri })),
    { label: '$(folder-opened) Browse...', browse: true, detail: o.folders ? 'A file, or a folder of .npy files or PNG/JPEG images' : undefined },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: o.title, placeHolder: o.placeHolder, matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.none) return null;
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({
    title: o.title, canSelectMany: false, canSelectFolders: !!o.folders, canSelectFiles: true, filters: o.filters,
    defaultUri: vscode.Uri.file(path.dirname(o.near.fsPath)),
  });
  return chosen?.[0];
}

export const isLabels = (name: string) => /label/i.test(name);

/**
 * Optional validation samples and then their labels: the files, {} for "No validation", or
 * undefined when the user cancelled either pick.
 */
export async function pickValidation(o: { title: string; placeHolder: string; near: vscode.Uri; exclude: string[]; folders?: boolean }): Promise<{ valData?: string; valLabels?: string } | undefined> {
  const val = await pickFile({ ...o, glob: '**/*.npy', prefer: (n) => !isLabels(n) && /(val|test)/i.test(n), optional: 'No validation', filters: { 'NumPy arrays': ['npy'] } });
  if (val === undefined) return undefined;
  if (!val) return {};
  const labels = await pickFile({ title: o.title, placeHolder: `Labels of ${path.basename(val.fsPath)}`, glob: '**/*.npy', near: val, prefer: isLabels, exclude: [val.fsPath], filters: { Labels: ['npy', 'txt'] } });
  return labels ? { valData: val.fsPath, valLabels: labels.fsPath } : undefined;
}

/** The file's folder relative to the workspace ('' for its root). */
function folderOf(uri: vscode.Uri): string {
  const dir = path.dirname(vscode.workspace.asRelativePath(uri, false));
  return dir === '.' ? '' : dir;
}

/** A positive number typed into an input box (undefined when cancelled). */
export async function askNumber(title: string, prompt: string, value: string, integer: boolean): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title, prompt, value,
    validateInput: (v) => {
      const n = Number(v);
      if (!(n > 0) || !Number.isFinite(n)) return 'A positive number';
      return integer && !Number.isInteger(n) ? 'A whole number' : undefined;
    },
  });
  return text === undefined ? undefined : Number(text);
}

/**
 * The QuickPick flow of "Fine-tune Model..." and "Distill Model...": training samples, labels,
 * the teacher (distillation), validation data (optional), epochs and learning rate.
 */
export async function askTrainOptions(model: vscode.Uri, kind: 'finetune' | 'distill'): Promise<TrainRequestOptions | undefined> {
  const title = `${kind === 'distill' ? 'Distill' : 'Fine-tune'} ${path.basename(model.fsPath)}`;
  const npy = { 'NumPy arrays': ['npy'] };
  const data = await pickFile({ title, placeHolder: 'Training samples (.npy [N, ...] or a folder of images; uint8 is scaled to [0, 1])', glob: '**/*.npy', near: model, prefer: (n) => !isLabels(n), folders: true, filters: npy });
  if (!data) return undefined;
  const labels = await pickFile({ title, placeHolder: `Labels of ${path.basename(data.fsPath)} (integers, .npy or text)`, glob: '**/*.npy', near: data, prefer: isLabels, exclude: [data.fsPath], filters: { Labels: ['npy', 'txt'] } });
  if (!labels) return undefined;
  const options: TrainRequestOptions = { kind, data: data.fsPath, labels: labels.fsPath, qat: 'auto' };
  if (kind === 'distill') {
    // The unpruned model the student came from (model.onnx for model.pruned.onnx) first.
    const stem = path.basename(model.fsPath).split('.')[0];
    const teacher = await pickFile({
      title, placeHolder: 'Teacher model (its class logits must have the student\'s shape)', glob: '**/*.onnx', near: model,
      prefer: (n) => n === `${stem}.onnx`, exclude: [model.fsPath], filters: { 'ONNX models': ['onnx'] },
    });
    if (!teacher) return undefined;
    options.teacher = teacher.fsPath;
  }
  const val = await pickValidation({ title, placeHolder: 'Validation samples: top-1 after every epoch (optional)', near: data, exclude: [labels.fsPath], folders: true });
  if (val === undefined) return undefined;
  Object.assign(options, val);
  options.epochs = await askNumber(title, 'Epochs (passes over the training samples)', '1', true);
  if (options.epochs === undefined) return undefined;
  options.lr = await askNumber(title, 'Learning rate (Adam)', '0.001', false);
  if (options.lr === undefined) return undefined;
  return confirmOutput(model, options);
}

/** Asks before replacing an earlier result, and whether to resume an interrupted run. */
async function confirmOutput(model: vscode.Uri, options: TrainRequestOptions): Promise<TrainRequestOptions | undefined> {
  const out = siblingPath(model.fsPath, OUTPUT_TAGS[options.kind]);
  if (fs.existsSync(`${out}.ckpt`)) {
    const pick = await vscode.window.showWarningMessage(`An interrupted run left a checkpoint for ${path.basename(out)}.`, { modal: true }, 'Resume', 'Start Over');
    if (!pick) return undefined;
    return pick === 'Resume' ? { ...options, resume: true } : { ...options, force: true };
  }
  if (fs.existsSync(out)) {
    const pick = await vscode.window.showWarningMessage(`${path.basename(out)} already exists. Replace it?`, { modal: true }, 'Replace');
    if (pick !== 'Replace') return undefined;
    return { ...options, force: true };
  }
  return options;
}
