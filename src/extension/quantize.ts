/**
 * "Edgewise: Quantize Model...": a short QuickPick flow (mode, calibration data, output), the job
 * in the worker under a cancellable progress notification, then a result message with
 * Open graph / Compare / Benchmark.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { siblingPath } from '../core/jobs/job';
import type { QuantizeJobResult, QuantizeMode } from '../core/jobs/quantize';
import { QuantizeRequest, type QuantizeParams } from '../worker/protocol';
import { requireAction, resolveModel, type CommandDeps } from './commands';
import { findingDiagnostics } from './findings';
import { withWorkerProgress } from './progress';
import { reportMarkdown } from './quantize-report';
import { requireTrust } from './trust';
import { formatCloseness, formatPercent, formatRatio } from '../core/base/units';

interface ModeItem extends vscode.QuickPickItem { mode: QuantizeMode }

const MODES: ModeItem[] = [
  { mode: 'static', label: 'Static INT8', detail: 'Calibrated QDQ (uint8 activations, int8 weights): the fast path on x86 CPUs for CNNs and MLPs' },
  { mode: 'dynamic', label: 'Dynamic INT8', detail: 'MatMul/Gemm weights int8, activations quantized at run time: transformers and RNNs; Conv stays float' },
  { mode: 'fp16', label: 'FP16', detail: 'Half the file; pays off on GPU/NPU targets (on CPU it is usually slower)' },
  { mode: 'int4', label: 'INT4 weights (MatMulNBits)', detail: 'MatMul weights in 4 bits, blocks of 32: about 1/6 of the float bytes' },
  { mode: 'int8-weights', label: 'INT8 weights only', detail: 'int8 storage, float math: for targets without integer kernels' },
];

/**
 * Registers edgewise.quantizeModel. Given `params` (scripts, tests) it asks nothing; it returns the
 * job's result, and findings on the output (FP16 clamped weights) go to the Problems panel.
 */
export function registerQuantizeCommand({ worker, log }: CommandDeps, diagnostics: vscode.DiagnosticCollection): vscode.Disposable {
  return vscode.commands.registerCommand('edgewise.quantizeModel', async (arg?: vscode.Uri, given?: Omit<QuantizeParams, 'file'>) => {
    const uri = await resolveModel(arg);
    if (!uri || !requireAction(uri, 'quantize')) return undefined;
    const params = given ? { ...given, file: uri.fsPath } : await askParams(uri);
    if (!params || !(await requireTrust('Quantizing'))) return undefined;
    const name = path.basename(uri.fsPath);
    const result = await withWorkerProgress(`quantizing ${name}`, (opts) => worker.request(QuantizeRequest.type, params, opts));
    if (!result) return undefined;
    log.info(`quantize ${params.mode}: ${result.input} -> ${result.output} (${formatRatio(result.fileRatio)})`);
    const out = vscode.Uri.file(result.output);
    diagnostics.set(out, findingDiagnostics(out, result.findings));
    void showResult(result);
    return result;
  });
}

async function askParams(uri: vscode.Uri): Promise<QuantizeParams | undefined> {
  const picked = await vscode.window.showQuickPick(MODES, { title: `Quantize ${path.basename(uri.fsPath)} (1/3): mode`, matchOnDetail: true });
  if (!picked) return undefined;
  const params: QuantizeParams = { file: uri.fsPath, mode: picked.mode, perChannel: true };
  const data = await askData(picked.mode === 'static' ? 'calibration' : 'evaluation', uri);
  if (data === undefined) return undefined;
  if (data) {
    if (picked.mode === 'static') params.calib = data.file;
    else params.evalData = data.file;
    if (data.scale !== undefined) params.preprocess = { scale: data.scale };
  }
  const suggested = vscode.Uri.file(siblingPath(uri.fsPath, picked.mode));
  const out = await vscode.window.showSaveDialog({ title: `Quantize (3/3): output file`, defaultUri: suggested, filters: { ONNX: ['onnx'] } });
  if (!out) return undefined;
  if (out.fsPath === uri.fsPath) {
    void vscode.window.showErrorMessage('Edgewise: the output cannot replace the input model; choose another file name.');
    return undefined;
  }
  // The save dialog has already asked before replacing an existing file.
  return { ...params, out: out.fsPath, force: true };
}

/** '' for random data, a file or folder (and a scale for .npy), undefined when cancelled. */
export async function askData(purpose: string, uri: vscode.Uri, title = `Quantize (2/3): ${purpose} data`): Promise<{ file: string; scale?: number } | '' | undefined> {
  const choose = { label: '$(folder-opened) Choose data...', detail: 'A .npy file (N samples on axis 0), a folder of .npy files, or a folder of PNG/JPEG images' };
  const random = { label: '$(warning) Random inputs', detail: 'No data: ranges and agreement from random numbers; accuracy unknown' };
  const pick = await vscode.window.showQuickPick([choose, random], { title });
  if (!pick) return undefined;
  if (pick === random) return '';
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true, canSelectFolders: true, canSelectMany: false, defaultUri: vscode.Uri.file(path.dirname(uri.fsPath)),
    filters: { 'NumPy arrays': ['npy'] }, title: `${purpose} data`,
  });
  if (!picked?.[0]) return undefined;
  const file = picked[0].fsPath;
  if (!file.toLowerCase().endsWith('.npy')) return { file };
  const scale = await vscode.window.showInputBox({
    title: 'Scale the values by (empty: 1/255 for uint8 data, else none; 1 to keep uint8 values as they are)', value: '',
    validateInput: (v) => (v.trim() === '' || Number.isFinite(parseScale(v)) ? undefined : 'a number or a fraction such as 1/255'),
  });
  if (scale === undefined) return undefined;
  return scale.trim() ? { file, scale: parseScale(scale) } : { file };
}

function parseScale(text: string): number {
  const [a, b] = text.split('/').map((s) => Number(s.trim()));
  return b === undefined ? a : a / b;
}

async function showResult(r: QuantizeJobResult): Promise<void> {
  const e = r.evaluation;
  const quality = e?.accuracyBefore && e.accuracyAfter
    ? `top-1 ${formatPercent(e.accuracyBefore.top1)} -> ${formatPercent(e.accuracyAfter.top1)}`
    : e ? `output agreement ${formatPercent(e.outputs[0].top1Agreement)}, cosine ${formatCloseness(e.outputs[0].cosine)}${e.synthetic ? ' (random data)' : ''}` : '';
  const speed = r.latency ? `, p50 ${formatRatio(r.latency.speedup)} (quick${r.latency.verdict === 'within-noise' ? ', within noise' : ''})` : '';
  const message = `Edgewise: ${path.basename(r.output)}: ${formatRatio(r.fileRatio)} the size, ${quality}${speed}.`;
  const pick = await vscode.window.showInformationMessage(message, 'Open graph', 'Compare Graphs', 'Compare', 'Benchmark');
  const out = vscode.Uri.file(r.output);
  if (pick === 'Open graph') await vscode.commands.executeCommand('edgewise.openModelGraph', out);
  else if (pick === 'Compare Graphs') await vscode.commands.executeCommand('edgewise.compareModels', vscode.Uri.file(r.input), out);
  else if (pick === 'Compare') {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: reportMarkdown(r) });
    await vscode.window.showTextDocument(doc, { preview: true });
  } else if (pick === 'Benchmark') await vscode.commands.executeCommand('edgewise.benchmarkModel', out);
}
