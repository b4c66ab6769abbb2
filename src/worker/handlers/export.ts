import { runExportJob } from '../../core/jobs/export';
import { mcuFit } from '../../core/jobs/mcu-fit';
import { ExportRequest, McuFitRequest } from '../protocol';
import type { WorkerServices } from '../services';

/** ONNX -> TFLite export (src/core/jobs/export.ts) and the microcontroller fit of a .tflite. */
export function registerExportHandlers({ server, models }: WorkerServices): void {
  server.on(ExportRequest.type, async (params, ctx) => {
    const controller = new AbortController();
    const cancel = ctx.token.onCancellationRequested(() => controller.abort());
    try {
      const { file, progressToken: _token, ...options } = params;
      const result = await runExportJob(file, {
        ...options, signal: controller.signal, progress: (m) => ctx.progress(m), warn: (m) => ctx.progress(m),
      });
      models.forget(result.output);
      return result;
    } finally {
      cancel.dispose();
    }
  });

  server.on(McuFitRequest.type, async ({ file, target, targets }) => mcuFit(file, target, targets ?? []));
}
