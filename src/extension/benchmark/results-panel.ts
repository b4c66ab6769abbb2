import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BenchmarkResponse } from '../../worker/protocol';
import type { FleetReport } from '../../core/runtime/devices/fleet';
import { fleetReportHtml } from './fleet-html';
import { benchmarkReportHtml } from './report-html';

/** One results panel per model file: a static page (no scripts) re-rendered for each run. */
export class BenchmarkResultsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  show(uri: vscode.Uri, response: BenchmarkResponse): vscode.WebviewPanel {
    return this.render(uri, benchmarkReportHtml(response.results, {
      nonce: randomBytes(16).toString('base64'),
      target: response.target,
      budgetBreaks: response.budgetBreaks.flat(),
    }));
  }

  /** The fleet table of a model benchmarked on several targets (same panel as a single run). */
  showFleet(uri: vscode.Uri, report: FleetReport): vscode.WebviewPanel {
    return this.render(uri, fleetReportHtml(report, randomBytes(16).toString('base64')));
  }

  private render(uri: vscode.Uri, html: string): vscode.WebviewPanel {
    const key = uri.toString();
    let panel = this.panels.get(key);
    if (!panel) {
      panel = vscode.window.createWebviewPanel('edgewise.benchmarkResults', `Benchmark: ${path.basename(uri.fsPath)}`,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: false, localResourceRoots: [] });
      this.panels.set(key, panel);
      panel.onDidDispose(() => this.panels.delete(key));
    }
    panel.webview.html = html;
    panel.reveal(undefined, true);
    return panel;
  }

  /** The open panel of a model, for tests and the status bar. */
  get(uri: vscode.Uri): vscode.WebviewPanel | undefined {
    return this.panels.get(uri.toString());
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
  }
}
