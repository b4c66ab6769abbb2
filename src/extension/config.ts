import * as vscode from 'vscode';
import type { Target } from '../core/runtime/targets';

/** Every Edgewise setting, read in one place. */
export interface EdgewiseConfig {
  worker: {
    /** Node executable for the worker; undefined runs it with VS Code's own runtime. */
    nodePath: string | undefined;
    /** Heap limit of the worker in MiB (0: Node's default). */
    maxMemoryMb: number;
    /** How long showing a model or a recipe may take in the worker, in seconds (0: no limit). */
    requestTimeoutSeconds: number;
  };
  benchmark: {
    /** Thread counts; more than one is a sweep. Empty: the target's, else 1. */
    threads: number[] | undefined;
    runs: number;
    warmup: number;
    /** Per-layer latency from ORT's profiler. */
    profile: boolean;
    /** Target whose budgets are checked ('' for none). */
    target: string;
    /** The user's own targets, by name: `edgewise.targets` (devices too), then `edgewise.benchmark.targets`. */
    targets: Target[];
  };
  analysis: {
    /** Profile both models per layer during an analysis. */
    latency: boolean;
    /** Profiled runs per model. */
    latencyRuns: number;
  };
}

export function readConfig(): EdgewiseConfig {
  const c = vscode.workspace.getConfiguration('edgewise');
  return {
    worker: {
      nodePath: c.get<string>('worker.nodePath')?.trim() || undefined,
      maxMemoryMb: Math.max(0, c.get<number>('worker.maxMemoryMb') ?? 0),
      requestTimeoutSeconds: Math.max(0, c.get<number>('worker.requestTimeoutSeconds') ?? 60),
    },
    benchmark: {
      threads: nonEmpty((c.get<number[]>('benchmark.threads') ?? []).filter((t) => Number.isInteger(t) && t > 0).slice(0, 8)),
      runs: Math.max(1, Math.round(c.get<number>('benchmark.runs') ?? 100)),
      warmup: Math.max(0, Math.round(c.get<number>('benchmark.warmup') ?? 10)),
      profile: c.get<boolean>('benchmark.profile') ?? true,
      target: c.get<string>('benchmark.target')?.trim() ?? 'local-cpu',
      targets: [...(c.get<Target[]>('targets') ?? []), ...(c.get<Target[]>('benchmark.targets') ?? [])]
        .filter((t) => typeof t?.name === 'string').map((t) => ({ ...t, description: t.description ?? '' })),
    },
    analysis: {
      latency: c.get<boolean>('analysis.latency') ?? true,
      latencyRuns: Math.max(1, Math.round(c.get<number>('analysis.latencyRuns') ?? 20)),
    },
  };
}

function nonEmpty<T>(xs: T[]): T[] | undefined {
  return xs.length ? xs : undefined;
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
