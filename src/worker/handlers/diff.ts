import { runDiffJob } from '../../core/jobs/diff';
import { DiffRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** Model diffs (src/core/jobs/diff.ts), reading both models through the worker's reader cache. */
export function registerDiffHandlers({ server, models }: WorkerServices): void {
  server.on(DiffRequest.type, async (params, ctx) => {
    const { a, b, progressToken: _token, ...options } = params;
    return jobHooks(ctx, (hooks) => runDiffJob(a, b, { ...options, ...hooks }, (file) => models.get(file)));
  });
}
