import { DEFAULT_JOB } from '../../core/runtime/benchmark';
import { benchmarkOnTarget } from '../../core/runtime/devices/run-target';
import { latencyByNodeId, type NamedNode } from '../../core/runtime/layer-values';
import { PHASE_TEXT } from '../../core/runtime/phases';
import { checkProviders } from '../../core/runtime/session';
import { checkBudgets, findTarget } from '../../core/runtime/targets';
import { BenchmarkError, type BenchmarkProgress } from '../../core/runtime/types';
import { BenchmarkRequest, type BenchmarkParams } from '../protocol';
import { CancelledError } from '../../core/base/cancel';
import type { WorkerServices } from '../services';

/** Share of one child's work done when a phase starts (profiling phases only when asked). */
function phaseFraction(p: BenchmarkProgress, profile: boolean): number {
  const within = p.total ? Math.min(1, (p.done ?? 0) / p.total) : 0;
  const timedEnd = profile ? 0.7 : 1;
  switch (p.phase) {
    case 'connect': case 'upload': case 'load': return 0;
    case 'first-run': return 0.05;
    case 'warmup': return 0.05 + 0.1 * within * timedEnd;
    case 'runs': return (0.15 + 0.85 * within) * timedEnd;
    case 'profile': return 0.7 + 0.15 * within;
    case 'profile-optimized': return 0.85 + 0.15 * within;
  }
}

/** Benchmarks in fresh child processes, one at a time; cancelling kills the running child. */
export function registerBenchmarkHandlers({ server, models }: WorkerServices): void {
  server.on(BenchmarkRequest.type, async (params: BenchmarkParams, ctx) => {
    const target = params.target ? findTarget(params.target, params.customTargets ?? []) : undefined;
    const threads = params.threads?.length ? params.threads : [target?.threads ?? 1];
    const profile = params.profile ?? true;
    checkProviders(params.executionProviders ?? ['cpu']);
    const controller = new AbortController();
    const sub = ctx.token.onCancellationRequested(() => controller.abort());
    try {
      // A device target (SSH, the emulated ARM64 device) runs there; others on this machine.
      const results = await benchmarkOnTarget(target ?? findTarget('local-cpu'), {
        ...DEFAULT_JOB, model: params.file, optLevel: params.optLevel ?? DEFAULT_JOB.optLevel,
        runs: params.runs ?? DEFAULT_JOB.runs, warmup: params.warmup ?? DEFAULT_JOB.warmup,
        executionProviders: params.executionProviders ?? ['cpu'], profile, dims: params.dims ?? {},
        inputFiles: params.inputFiles ?? {}, energy: {},
      }, threads, {
        signal: controller.signal,
        onProgress: (p) => {
          const i = threads.indexOf(p.threads);
          const label = threads.length > 1 ? `${p.threads} thread(s): ` : '';
          const count = p.total ? ` ${p.done}/${p.total}` : '';
          ctx.progress(`${label}${PHASE_TEXT[p.phase]}${count}`, (i + phaseFraction(p, profile)) / threads.length);
        },
      });
      const first = results[0].profile;
      let latencyByNode: Record<string, number> | undefined;
      if (first) {
        let nodes: NamedNode[];
        try {
          nodes = models.get(params.file).viewGraph().nodes.map((n) => ({ id: n.id, name: n.name }));
        } catch {
          // Without a view graph (a reader that cannot build one yet), node names are the ids.
          nodes = first.nodes.map((n) => ({ id: n.name, name: n.name }));
        }
        latencyByNode = latencyByNodeId(first, nodes);
      }
      return {
        results,
        target: target?.name,
        // Emulated latency is never held against a budget.
        budgetBreaks: results.map((r) => (target && !r.device?.emulated ? checkBudgets(r, target) : [])),
        latencyByNode,
      };
    } catch (e) {
      if (e instanceof BenchmarkError && e.kind === 'cancelled') throw new CancelledError();
      throw e;
    } finally {
      sub.dispose();
    }
  });
}
