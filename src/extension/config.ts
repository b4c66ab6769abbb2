import * as vscode from 'vscode';

/** Every Edgewise setting, read in one place. */
export interface EdgewiseConfig {
  worker: {
    /** Node executable for the worker; undefined runs it with VS Code's own runtime. */
    nodePath: string | undefined;
    /** Heap limit of the worker in MB (0: Node's default). */
    maxMemoryMb: number;
  };
}

export function readConfig(): EdgewiseConfig {
  const c = vscode.workspace.getConfiguration('edgewise');
  return {
    worker: {
      nodePath: c.get<string>('worker.nodePath')?.trim() || undefined,
      maxMemoryMb: Math.max(0, c.get<number>('worker.maxMemoryMb') ?? 0),
    },
  };
}

/** Node flags for the worker from the settings. */
export function workerExecArgv(config: EdgewiseConfig): string[] {
  return config.worker.maxMemoryMb > 0 ? [`--max-old-space-size=${config.worker.maxMemoryMb}`] : [];
}

/** Calls `listener` when an Edgewise setting under `section` changes. */
export function onConfigChange(section: string, listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`edgewise.${section}`)) listener();
  });
}
