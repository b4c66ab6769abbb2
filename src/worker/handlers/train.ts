import { runTrainInChild } from '../../core/jobs/train-process';
import { TrainRequest, type TrainProgress } from '../protocol';
import type { WorkerServices } from '../services';

/** Steps arrive faster than a chart needs them: send what piled up at most this often. */
const REPORT_EVERY_MS = 250;

/** Fine-tuning, distillation and quantization-aware training, each in its own child process. */
export function registerTrainHandlers({ server, models }: WorkerServices): void {
  server.on(TrainRequest.type, async ({ file, options }, ctx) => {
    const controller = new AbortController();
    const sub = ctx.token.onCancellationRequested(() => controller.abort());
    let pending: TrainProgress = { steps: [], epochs: [] };
    let latest = { message: 'starting', fraction: 0 as number | undefined };
    const flush = () => {
      ctx.progress(latest.message, latest.fraction, { train: pending });
      pending = { steps: [], epochs: [] };
    };
    const timer = setInterval(() => { if (pending.steps.length || pending.epochs.length) flush(); }, REPORT_EVERY_MS);
    try {
      const result = await runTrainInChild(file, options, {
        signal: controller.signal,
        progress: (message, fraction) => {
          latest = { message, fraction };
          if (!message.startsWith('epoch ')) flush();
        },
        onStep: (e) => pending.steps.push(e),
        onEpoch: (r) => { pending.epochs.push(r); flush(); },
      });
      flush();
      models.forget(result.output);
      return result;
    } finally {
      clearInterval(timer);
      sub.dispose();
    }
  });
}
