import type { ModelCache } from './model-cache';
import type { WorkerServer } from './server';

/** What every handler module receives: the server to register on and the shared state. */
export interface WorkerServices {
  server: WorkerServer;
  models: ModelCache;
}
