import { runDeviceInfoJob, runDeviceSetupJob, runFleetJob } from '../../core/jobs/devices';
import { hostKeyStatus, trustHostKey } from '../../core/runtime/devices/trust';
import {
  DeviceHostKeyRequest, DeviceInfoRequest, DeviceSetupRequest, DeviceTrustRequest, FleetBenchmarkRequest,
} from '../protocol';
import type { HandlerContext } from '../server';
import type { WorkerServices } from '../services';

/** The request's cancellation as an AbortSignal and its progress as a job's. */
function hooks(ctx: HandlerContext): { signal: AbortSignal; progress: (m: string, f?: number) => void; done: () => void } {
  const controller = new AbortController();
  const sub = ctx.token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, progress: (m, f) => ctx.progress(m, f), done: () => sub.dispose() };
}

async function run<T>(ctx: HandlerContext, job: (h: ReturnType<typeof hooks>) => Promise<T>): Promise<T> {
  const h = hooks(ctx);
  try {
    return await job(h);
  } finally {
    h.done();
  }
}

/** Devices: the fleet benchmark, setup, facts and host keys (the target list is a start handler: targets.ts). */
export function registerDeviceHandlers({ server }: WorkerServices): void {
  server.on(FleetBenchmarkRequest.type, ({ file, progressToken, ...options }, ctx) => {
    void progressToken; // the server's, not the job's
    return run(ctx, (h) => runFleetJob(file, { ...options, signal: h.signal, progress: h.progress }));
  });
  server.on(DeviceSetupRequest.type, (params, ctx) => run(ctx, (h) => runDeviceSetupJob(params.target, h)));
  server.on(DeviceInfoRequest.type, (params, ctx) => run(ctx, async (h) => (await runDeviceInfoJob(params.target, h)).facts));
  server.on(DeviceHostKeyRequest.type, (params) => hostKeyStatus(params.target));
  server.on(DeviceTrustRequest.type, (params) => trustHostKey(params.target, { expectFingerprint: params.fingerprint, replace: params.replace }));
}
