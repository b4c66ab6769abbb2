/**
 * "Edgewise: Export Model...": mode, calibration data, the values of dynamic dimensions and the
 * output file; the export runs in the worker (checked there in TFLite's interpreter) under a
 * cancellable progress notification, then the .tflite opens in the graph view.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportJobResult } from '../core/jobs/export';
import type { ExportMode } from '../core/passes/export-tflite/weights';
import { ExportRequest, ModelSummaryRequest, type ExportParams } from '../worker/protocol';
import { resolveModel, type CommandDeps } from './commands';
import { withWorkerProgress } from './progress';
import { askData } from './quantize';
import { requireTrust } from './trust';
import { formatRatio } from '../core/base/units';
import { valueRecord } from '../core/graph/types';

interface ModeItem extends vscode.QuickPickItem { mode: ExportMode }

const MODES: ModeItem[] = [
  { mode: 'int8', label: 'INT8 (full integer)', detail: 'TFLite 8-bit spec, activations calibrated: NPUs, Edge TPU, DSPs, microcontrollers' },
  { mode: 'dynamic', label: 'Dynamic range', detail: 'int8 weights, float activations quantized inside the kernels: CPUs, no calibration' },
  { mode: 'float16', label: 'Float16', detail: 'float16 weights dequantized at load: GPU delegates, about half the size' },
  { mode: 'int8-weights', label: 'INT8 weights only', detail: 'int8 weights dequantized to float: MCUs without int8 arithmetic, smallest flash' },
  { mode: 'none', label: 'Float32', detail: 'the model as it is, in TFLite builtin operators' },
];

/** Registers edgewise.exportModel; given `params` (scripts, tests) it asks nothing and returns the job's result. */
export function registerExportCommand({ panels, worker, log }: CommandDeps): vscode.Disposable {
  return vscode.commands.registerCommand('edgewise.exportModel', async (arg?: vscode.Uri, given?: Omit<ExportParams, 'file'>) => {
    const uri = await resolveModel(arg);
    if (!uri) return undefined;
    const params = given ? { ...given, file: uri.fsPath } : await askParams(uri, worker);
    if (!params || !(await requireTrust('Exporting (it runs the model to check the result)'))) return undefined;
    const result = await withWorkerProgress(`exporting ${path.basename(uri.fsPath)} to TFLite`, (opts) => worker.request(ExportRequest.type, params, opts));
    if (!result) return undefined;
    log.info(`export ${result.mode}: ${result.input} -> ${result.output} (${formatRatio(result.fileRatio)})`);
    await panels.open(vscode.Uri.file(result.output));
    void showResult(result);
    return result;
  });
}

async function askParams(uri: vscode.Uri, worker: CommandDeps['worker']): Promise<ExportParams | undefined> {
  const name = path.basename(uri.fsPath);
  const picked = await vscode.window.showQuickPick(MODES, { title: `Export ${name} to TFLite (1/3): mode`, matchOnDetail: true });
  if (!picked) return undefined;
  const data = await askData(picked.mode === 'int8' ? 'calibration' : 'check', uri, `Export (2/3): ${picked.mode === 'int8' ? 'calibration' : 'check'} data`);
  if (data === undefined) return undefined;
  const params: ExportParams = { file: uri.fsPath, quantize: picked.mode, ...(data ? { calib: data.file, ...(data.scale !== undefined ? { preprocess: { scale: data.scale } } : {}) } : {}) };
  const dims = await askDims(uri, worker);
  if (!dims) return undefined;
  if (Object.keys(dims).length) params.dims = dims;
  const base = path.basename(uri.fsPath, path.extname(uri.fsPath));
  const suggested = vscode.Uri.file(path.join(path.dirname(uri.fsPath), `${base}${picked.mode === 'none' ? '' : `.${picked.mode}`}.tflite`));
  const out = await vscode.window.showSaveDialog({ title: 'Export (3/3): output file', defaultUri: suggested, filters: { 'TensorFlow Lite': ['tflite'] } });
  if (!out) return undefined;
  // The save dialog has already asked before replacing an existing file.
  return { ...params, out: out.fsPath, force: true };
}

/** A value for every symbolic dimension of the inputs (TFLite needs fixed shapes); undefined when cancelled. */
async function askDims(uri: vscode.Uri, worker: CommandDeps['worker']): Promise<Record<string, number> | undefined> {
  const summary = await worker.request(ModelSummaryRequest.type, { file: uri.fsPath });
  const symbols = [...new Set(summary.inputs.flatMap((i) => (i.shape ?? []).filter((d): d is string => typeof d === 'string')))];
  const dims = valueRecord<number>();
  for (const s of symbols) {
    const v = await vscode.window.showInputBox({
      title: `TFLite needs fixed shapes: value of the dynamic dimension '${s}'`, value: '1',
      validateInput: (x) => (/^[1-9]\d*$/.test(x.trim()) ? undefined : 'a positive integer'),
    });
    if (v === undefined) return undefined;
    dims[s] = Number(v.trim());
  }
  return dims;
}

async function showResult(r: ExportJobResult): Promise<void> {
  const v = r.verification;
  const check = !v ? 'not checked' : v.passed
    ? `checked in TFLite: ${v.checks.map((c) => c.detail).join('; ')}`
    : `FAILED its check in TFLite: ${v.checks.filter((c) => c.passed === false).map((c) => c.detail).join('; ')}`;
  const message = `Edgewise: ${path.basename(r.output)}: ${formatRatio(r.fileRatio)} the size, ${Object.values(r.ops).reduce((a, b) => a + b, 0)} builtin ops; ${check}.`;
  const pick = await (v && !v.passed ? vscode.window.showWarningMessage(message, 'Compare Graphs') : vscode.window.showInformationMessage(message, 'Compare Graphs'));
  if (pick) await vscode.commands.executeCommand('edgewise.compareModels', vscode.Uri.file(r.input), vscode.Uri.file(r.output));
}
