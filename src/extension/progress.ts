import * as vscode from 'vscode';
import { RequestCancelledError, type RequestOptions } from './worker-client';

/**
 * Runs a long worker request under a cancellable progress notification: the worker's
 * `edgewise/progress` reports move the bar, Cancel cancels the request. Resolves to undefined
 * when the user cancelled; shows other failures as an error message and resolves to undefined.
 */
export async function withWorkerProgress<R>(title: string, run: (options: RequestOptions) => Promise<R>): Promise<R | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Edgewise: ${title}`, cancellable: true },
    async (progress, token) => {
      let done = 0;
      try {
        return await run({
          token,
          onProgress: ({ message, fraction }) => {
            const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - done);
            if (fraction !== undefined) done = Math.max(done, fraction * 100);
            progress.report({ message, increment });
          },
        });
      } catch (e) {
        if (e instanceof RequestCancelledError) return undefined;
        void vscode.window.showErrorMessage(`Edgewise: ${title} failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    },
  );
}
