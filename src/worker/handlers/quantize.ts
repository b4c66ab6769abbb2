import { runQuantizeJob } from '../../core/jobs/quantize';
import { QuantizeRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** FP16 / INT8 / INT4 passes with calibration, evaluation and the fused-op count (src/core/jobs/quantize.ts). */
export function registerQuantizeHandlers({ server, models }: WorkerServices): void {
  server.on(QuantizeRequest.type, async (params, ctx) => {
    const { file, progressToken: _token, ...options } = params;
    const result = await jobHooks(ctx, (hooks) => runQuantizeJob(file, { ...options, ...hooks }));
    // A graph of the output may be open from an earlier run.
    models.forget(result.output);
    return result;
  });
}
