/** Findings about a model file as Problems-panel diagnostics; a node's finding links to the graph at that node. */
import * as vscode from 'vscode';
import type { Finding } from '../core/analysis/diagnostics';
import { SEVERITY, type NodeDiagnostic } from './model-text';

export function findingDiagnostics(model: vscode.Uri, findings: readonly Finding[]): vscode.Diagnostic[] {
  return findings.map((f) => {
    const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), f.nodeId ? `${f.nodeId}: ${f.message}` : f.message, SEVERITY[f.severity]);
    d.source = 'edgewise';
    d.code = f.nodeId
      ? { value: f.code, target: vscode.Uri.parse(`command:edgewise.revealNode?${encodeURIComponent(JSON.stringify([model.toString(), f.nodeId]))}`) }
      : f.code;
    (d as NodeDiagnostic).nodeId = f.nodeId;
    return d;
  });
}
