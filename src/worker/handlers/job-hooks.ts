import type { JobHooks } from '../../core/jobs/job';
import type { HandlerContext } from '../server';

/**
 * Runs a job with the request's hooks: its cancellation as the job's AbortSignal, its progress
 * reports, and warnings as progress lines. The job's CancelledError becomes a cancelled response.
 */
export async function jobHooks<T>(ctx: HandlerContext, run: (hooks: Required<Pick<JobHooks, 'signal' | 'progress' | 'warn'>>) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const sub = ctx.token.onCancellationRequested(() => controller.abort());
  try {
    return await run({ signal: controller.signal, progress: (m, f) => ctx.progress(m, f), warn: (m) => ctx.progress(m) });
  } finally {
    sub.dispose();
  }
}
