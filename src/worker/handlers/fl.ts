import { runFlSimulateJob } from '../../core/jobs/fl-simulate';
import { FlSimulateRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** Federated simulation: the server runs here, the clients in child processes (src/fl/simulate/pool.ts). */
export function registerFlHandlers({ server, models }: WorkerServices): void {
  server.on(FlSimulateRequest.type, async ({ file, progressToken: _, ...options }, ctx) => {
    const result = await jobHooks(ctx, (hooks) => runFlSimulateJob(file, {
      ...options, ...hooks,
      onRound: (round) => ctx.progress(`round ${round.round} of ${options.rounds} done`, round.round / options.rounds, { round }),
    }));
    models.forget(result.finalModel);
    return result;
  });
}
