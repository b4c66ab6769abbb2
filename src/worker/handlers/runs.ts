import { rerun } from '../../core/recipe/rerun';
import { findRuns, listRuns } from '../../core/jobs/runs/store';
import { RerunRequest } from '../runs-protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** Re-running a recorded run (the Runs view's "Re-run"). */
export function registerRunsHandlers({ server, models }: WorkerServices): void {
  server.on(RerunRequest.type, async ({ root, id, replaceRecipeOutput }, ctx) => {
    const [record] = findRuns(listRuns(root), [id]);
    const r = await jobHooks(ctx, (hooks) => rerun(root, record, { ...hooks, replaceRecipeOutput }));
    if (r.output) models.forget(r.output);
    return { kind: r.kind, output: r.output };
  });
}
