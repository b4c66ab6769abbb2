import { WorkerInfoRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { version } from '../../../package.json';

/** Liveness and state of the worker itself. */
export function registerWorkerHandlers({ server, models }: WorkerServices): void {
  server.on(WorkerInfoRequest.type, () => ({
    pid: process.pid,
    version,
    node: process.version,
    flags: process.execArgv,
    cachedModels: models.files(),
  }));
}
