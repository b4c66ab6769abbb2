import {
  runReleaseChangeJob, runReleaseInitJob, runReleasePublishJob, runReleaseStatusJob,
} from '../../core/jobs/release';
import { ReleaseChangeRequest, ReleaseInitRequest, ReleasePublishRequest, ReleaseStatusRequest } from '../protocol';
import type { HandlerContext } from '../server';
import type { WorkerServices } from '../services';

/** Release repositories: status, init, publish, promote/pause/rollback (signing and deltas run here, not in the extension host). */
export function registerReleaseHandlers({ server }: WorkerServices): void {
  server.on(ReleaseStatusRequest.type, ({ repo, ...o }, ctx) => withHooks(ctx, (hooks) => runReleaseStatusJob(repo, { ...o, ...hooks })));
  server.on(ReleaseInitRequest.type, ({ repo, progressToken: _t, ...o }, ctx) => withHooks(ctx, (hooks) => runReleaseInitJob(repo, { ...o, ...hooks })));
  server.on(ReleasePublishRequest.type, ({ model, progressToken: _t, ...o }, ctx) => withHooks(ctx, (hooks) => runReleasePublishJob(model, { ...o, ...hooks })));
  server.on(ReleaseChangeRequest.type, ({ repo, progressToken: _t, ...o }, ctx) => withHooks(ctx, (hooks) => runReleaseChangeJob(repo, { ...o, ...hooks })));
}

/** A job's signal (aborted when the client cancels) and progress (sent to the client). */
async function withHooks<T>(ctx: HandlerContext, run: (hooks: { signal: AbortSignal; progress: (m: string, f?: number) => void }) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const sub = ctx.token.onCancellationRequested(() => controller.abort());
  try {
    return await run({ signal: controller.signal, progress: (m, f) => ctx.progress(m, f) });
  } finally {
    sub.dispose();
  }
}
