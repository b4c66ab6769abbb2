import { runPruneJob } from '../../core/jobs/prune';
import { PruneRequest, type PruneResult } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';
import { valueRecord } from '../../core/graph/types';

/** Magnitude and channel pruning of a model file (src/core/jobs/prune.ts). */
export function registerPruneHandlers({ server, models }: WorkerServices): void {
  server.on(PruneRequest.type, async (params, ctx) => {
    const { file, progressToken: _token, ...options } = params;
    const job = await jobHooks(ctx, (hooks) => runPruneJob(file, { ...options, ...hooks }));
    const result: PruneResult = job;
    if (job.report.method === 'channel') {
      // Key the kept channels by the view's node ids, so the graph can colour each layer.
      const byLabel = job.report.channelsKept;
      const values = valueRecord<number>();
      for (const n of models.get(job.output).viewGraph().nodes) {
        const label = n.name || n.outputs[0];
        const kept = Object.hasOwn(byLabel, label) ? byLabel[label] : undefined;
        if (kept) values[n.id] = kept.after;
      }
      result.channelsKept = values;
    }
    return result;
  });
}
