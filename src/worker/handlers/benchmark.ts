import { runBenchJob } from '../../core/jobs/bench';
import { latencyByNodeId, type NamedNode } from '../../core/runtime/layer-values';
import { BenchmarkRequest, type BenchmarkResponse } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** Benchmarks in fresh child processes, one at a time (src/core/jobs/bench.ts); cancelling kills the running child. */
export function registerBenchmarkHandlers({ server, models }: WorkerServices): void {
  server.on(BenchmarkRequest.type, async (params, ctx) => {
    const { file, progressToken: _token, ...options } = params;
    const { target, ...job } = await jobHooks(ctx, (hooks) => runBenchJob(file, { ...options, ...hooks }));
    const response: BenchmarkResponse = { ...job, target: target?.name };
    const first = job.results[0].profile;
    if (first) {
      let nodes: NamedNode[];
      try {
        nodes = models.get(file).viewGraph().nodes.map((n) => ({ id: n.id, name: n.name }));
      } catch {
        // Without a view graph (a reader that cannot build one yet), node names are the ids.
        nodes = first.nodes.map((n) => ({ id: n.name, name: n.name }));
      }
      response.latencyByNode = latencyByNodeId(first, nodes);
    }
    return response;
  });
}
