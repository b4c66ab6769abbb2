import { runQuantizeJob } from '../../core/jobs/quantize';
import { QuantizeRequest } from '../protocol';
import type { WorkerServices } from '../services';

/** FP16 / INT8 / INT4 passes with calibration, evaluation and the fused-op count (src/core/jobs/quantize.ts). */
export function registerQuantizeHandlers({ server, models }: WorkerServices): void {
  server.on(QuantizeRequest.type, async (params, ctx) => {
    const controller = new AbortController();
    const cancel = ctx.token.onCancellationRequested(() => controller.abort());
    try {
      const { file, progressToken: _token, ...options } = params;
      const result = await runQuantizeJob(file, {
        ...options,
        signal: controller.signal,
        progress: (message, fraction) => ctx.progress(message, fraction),
        warn: (message) => ctx.progress(message),
      });
      // A graph of the output may be open from an earlier run.
      models.forget(result.output);
      return result;
    } finally {
      cancel.dispose();
    }
  });
}
