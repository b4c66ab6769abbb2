import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EdgewiseApi } from '../../../src/extension/extension';
import type { GraphPanel } from '../../../src/extension/graph-panel';

export async function edgewise(): Promise<EdgewiseApi> {
  const ext = vscode.extensions.getExtension<EdgewiseApi>('edgewise.edgewise');
  if (!ext) throw new Error('the Edgewise extension is not loaded');
  return ext.activate();
}

/** A file of the test workspace (test/e2e/make-workspace.ts wrote it). */
export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the E2E suite needs the test workspace open');
  return vscode.Uri.file(path.join(folder.uri.fsPath, name));
}

/** Opens a model's graph with the command a user runs and waits until its data was posted. */
export async function openGraph(name: string): Promise<GraphPanel> {
  const api = await edgewise();
  const uri = workspaceFile(name);
  await vscode.commands.executeCommand('edgewise.openModelGraph', uri);
  const panel = api.panels.forFile(uri)[0];
  if (!panel) throw new Error(`no graph panel for ${name}`);
  if (!(await panel.whenLoaded())) throw new Error(`the graph editor of ${name} closed before its model loaded`);
  return panel;
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * The UI bridge: an extension-host test asks the Playwright runner (test/e2e/runner.mjs) to look
 * at the page, through request files next to this bundle. Absent under @vscode/test-electron.
 */
const bridge = path.join(__dirname, 'ui-bridge');
let bridgeSeq = 0;

export function hasUiBridge(): boolean {
  return fs.existsSync(path.join(bridge, 'ready'));
}

async function askRunner<T>(request: object, timeoutMs: number): Promise<T> {
  if (!hasUiBridge()) throw new Error('no UI bridge: run the suite through test/e2e/runner.mjs');
  // Each suite file is bundled with its own copy of this module (and counter): the random part
  // keeps two files' requests from reading each other's answers.
  const id = `${process.pid}-${Math.random().toString(36).slice(2, 10)}-${++bridgeSeq}`;
  const answer = path.join(bridge, `${id}.answer.json`);
  fs.writeFileSync(path.join(bridge, `${id}.tmp`), JSON.stringify(request));
  fs.renameSync(path.join(bridge, `${id}.tmp`), path.join(bridge, `${id}.request.json`));
  const end = Date.now() + timeoutMs;
  while (!fs.existsSync(answer)) {
    if (Date.now() > end) throw new Error(`the runner did not answer ${JSON.stringify(request)} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const { ok, value, error } = JSON.parse(fs.readFileSync(answer, 'utf8')) as { ok: boolean; value: T; error?: string };
  if (!ok) throw new Error(error);
  return value;
}

/**
 * Polls `fn` (a function source taking the webview's root element; the graph app is
 * `globalThis.edgewise`) in the visible graph webview until it returns a truthy value.
 */
export function untilInGraphWebview<T>(fn: string, timeoutMs = 30_000): Promise<T> {
  return askRunner({ kind: 'untilInGraph', fn, timeoutMs }, timeoutMs + 10_000);
}

/** Polls `fn` (a function source taking the element) on the element `root` of whichever webview has it. */
export function untilInWebview<T>(root: string, fn: string, timeoutMs = 30_000): Promise<T> {
  return askRunner({ kind: 'untilInWebview', root, fn, timeoutMs }, timeoutMs + 10_000);
}

/** Saves a screenshot of the workbench as test-output/e2e/suite-NAME.png. */
export function screenshot(name: string): Promise<void> {
  return askRunner({ kind: 'screenshot', name }, 30_000);
}

/**
 * Waits for a notification containing `contains`, presses its button labelled `button`, and
 * returns the notification's text (modal dialogs are refused while extension tests run).
 */
export function clickNotificationButton(contains: string, button: string, timeoutMs = 30_000): Promise<string> {
  return askRunner({ kind: 'clickNotification', contains, button, timeoutMs }, timeoutMs + 10_000);
}

/** The text of the first element matching a CSS selector in the workbench, once it contains `contains`. */
export function workbenchText(selector: string, contains: string, timeoutMs = 30_000): Promise<string> {
  return askRunner({ kind: 'textOf', selector, contains, timeoutMs }, timeoutMs + 10_000);
}

/** Types `value` into the quick input on screen (a save dialog, an input box) and presses Enter. */
export function fillQuickInput(value: string, timeoutMs = 30_000): Promise<string> {
  return askRunner({ kind: 'fillQuickInput', value, timeoutMs }, timeoutMs + 10_000);
}
