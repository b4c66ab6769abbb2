import * as vscode from 'vscode';

/**
 * Viewing a model works in an untrusted workspace; running one (a benchmark, calibration) loads
 * native code paths on the model's say-so, so it needs trust. Returns false, after telling the
 * user why, when the workspace is not trusted.
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const pick = await vscode.window.showWarningMessage(
    `Edgewise: ${action} runs the model, which needs a trusted workspace. Viewing models works without trust.`,
    manage,
  );
  if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
