/**
 * The device update job (the job contract: jobs/job.ts): one check/download/install cycle of the
 * device library `edgewise/ota`, for `edgewise device-update` and scripts that test a release
 * the way a device will take it.
 */
import { ModelUpdater, deviceStatus, type ModelUpdaterOptions, type UpdateResult } from '../../ota/client';
import { throttled } from '../runtime/throttle';
import { cancellable } from './release';
import { checkOutputFolder, type JobHooks } from './job';
import { counter } from '../base/progress';

export type DeviceUpdateJobOptions = JobHooks & Omit<ModelUpdaterOptions, 'dir' | 'canDownload'>;

export interface DeviceUpdateJobResult extends UpdateResult {
  /** The model the next cold start loads. */
  current?: string;
}

export async function runDeviceUpdateJob(dir: string, o: DeviceUpdateJobOptions): Promise<DeviceUpdateJobResult> {
  const { signal, progress, warn: _warn, ...options } = o;
  checkOutputFolder(dir, { create: true });
  const updater = new ModelUpdater({ ...options, dir });
  const report = throttled(counter(progress, 'downloading', 'bytes', (share) => share));
  const result = await cancellable(signal, () => updater.checkForUpdate({
    signal,
    onProgress: (p) => {
      if (p.step === 'download' && p.total) report(p.bytes ?? 0, p.total);
    },
  }));
  return { ...result, current: updater.status().current.path };
}

/** What a device folder would load at its next cold start (reads only). */
export { deviceStatus };
