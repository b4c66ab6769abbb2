import { runExportJob } from '../../core/jobs/export';
import { runMcuFitJob } from '../../core/jobs/mcu-fit';
import { ExportRequest, McuFitRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** ONNX -> TFLite export (src/core/jobs/export.ts) and the microcontroller fit of a .tflite. */
export function registerExportHandlers({ server, models }: WorkerServices): void {
  server.on(ExportRequest.type, async (params, ctx) => {
    const { file, progressToken: _token, ...options } = params;
    const result = await jobHooks(ctx, (hooks) => runExportJob(file, { ...options, ...hooks }));
    models.forget(result.output);
    return result;
  });

  server.on(McuFitRequest.type, async ({ file, progressToken: _token, ...options }) => runMcuFitJob(file, options));
}
