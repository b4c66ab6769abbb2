/**
 * Microcontroller fit of every .tflite opened in the graph view: flash and the TFLite Micro arena
 * (computed in the worker) in the Problems panel, errors when the configured target's flash or
 * arena budget breaks.
 */
import * as vscode from 'vscode';
import { McuFitRequest } from '../worker/protocol';
import type { CommandDeps } from './commands';
import { readConfig } from './config';
import { findingDiagnostics } from './findings';
import { drawnOrClosed } from './panel-drawn';

export function registerMcuDiagnostics({ panels, worker, log }: CommandDeps): vscode.Disposable[] {
  const diagnostics = vscode.languages.createDiagnosticCollection('edgewise-mcu');
  const sub = panels.onDidOpen(async (panel) => {
    const uri = panel.uri;
    if (!uri.fsPath.toLowerCase().endsWith('.tflite')) return;
    // Once the graph is drawn: the fit's request loads the worker's job modules (ONNX Runtime and
    // the passes, hundreds of ms of CPU), which the first frame would otherwise share the cores with.
    if (!(await drawnOrClosed(panel))) return;
    const { target, targets } = readConfig().benchmark;
    try {
      const fit = await worker.request(McuFitRequest.type, { file: uri.fsPath, target: target || undefined, customTargets: targets });
      diagnostics.set(uri, findingDiagnostics(uri, fit.findings));
    } catch (e) {
      log.warn(`microcontroller fit of ${uri.fsPath}: ${(e as Error).message}`);
    }
  });
  return [diagnostics, sub];
}
