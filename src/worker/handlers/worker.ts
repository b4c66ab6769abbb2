import { WorkerInfoRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { version } from '../../../package.json';
import { V8_FLAGS_SET } from '../../core/base/v8-tiering';

/** Liveness and state of the worker itself. */
export function registerWorkerHandlers({ server, models }: WorkerServices): void {
  server.on(WorkerInfoRequest.type, () => ({
    pid: process.pid,
    version,
    node: process.version,
    flags: process.execArgv,
    v8Flags: (globalThis as { [V8_FLAGS_SET]?: string[] })[V8_FLAGS_SET] ?? [],
    cachedModels: models.files(),
  }));
}
