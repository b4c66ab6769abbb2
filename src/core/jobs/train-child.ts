/**
 * The process a training job runs in when started by the worker: one job, its progress and
 * step/epoch events sent to the parent over IPC, cancelled by a 'cancel' message (or by the
 * parent going away), then exit.
 */
import { CancelledError } from './job';
import { runTrainJob, TrainError } from './train';
import type { TrainChildMessage, TrainParentMessage } from './train-process';

const controller = new AbortController();
const send = (m: TrainChildMessage) => new Promise<void>((resolve) => { if (process.send) process.send(m, undefined, undefined, () => resolve()); else resolve(); });

process.on('disconnect', () => controller.abort());
process.on('message', (m: TrainParentMessage) => {
  if (m.type === 'cancel') controller.abort();
  else if (m.type === 'start') void run(m);
});

async function run(m: Extract<TrainParentMessage, { type: 'start' }>): Promise<void> {
  try {
    const result = await runTrainJob(m.file, {
      ...m.options, signal: controller.signal,
      progress: (message, fraction, count) => void send({ type: 'progress', message, fraction, count }),
      onStep: (step) => void send({ type: 'step', step }),
      onEpoch: (epoch) => void send({ type: 'epoch', epoch }),
    });
    await send({ type: 'done', result });
  } catch (e) {
    const kind = e instanceof CancelledError ? 'cancelled' : e instanceof TrainError ? 'input' : 'internal';
    await send({ type: 'error', kind, message: e instanceof Error ? e.message : String(e) });
  }
  process.exit(0);
}
