import * as vscode from 'vscode';
import { RequestCancelledError, type RequestOptions } from './worker-client';
import { nearChanceAlarms } from '../core/analysis/chance';

/**
 * Runs a long worker request under a cancellable progress notification: the worker's
 * `edgewise/progress` reports move the bar, Cancel cancels the request. Resolves to undefined
 * when the user cancelled; shows other failures as an error message and resolves to undefined.
 * A result whose float model scored at chance on the user's data (any job that scores against
 * labels) raises the alarm as a warning, whatever the command shows next.
 */
export async function withWorkerProgress<R>(title: string, run: (options: RequestOptions) => Promise<R>): Promise<R | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Edgewise: ${title}`, cancellable: true },
    async (progress, token) => {
      let done = 0;
      try {
        const result = await run({
          token,
          onProgress: ({ message, fraction }) => {
            const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - done);
            if (fraction !== undefined) done = Math.max(done, fraction * 100);
            progress.report({ message, increment });
          },
        });
        for (const a of nearChanceAlarms(result)) void vscode.window.showWarningMessage(`Edgewise: ${a.message}`, { modal: false });
        return result;
      } catch (e) {
        if (e instanceof RequestCancelledError) return undefined;
        void vscode.window.showErrorMessage(`Edgewise: ${title} failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    },
  );
}
