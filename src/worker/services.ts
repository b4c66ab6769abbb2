import type { LayoutThread } from './layout/client';
import type { EditSessions } from './edit-sessions';
import type { ModelCache } from './model-cache';
import type { WorkerServer } from './server';

/** What every handler module receives: the server to register on and the shared state. */
export interface WorkerServices {
  server: WorkerServer;
  models: ModelCache;
  /** The graph editors' edit sessions (edits, undo/redo, save). */
  edits: EditSessions;
  /** elkjs's layout server, started at the first view that needs it (main.ts). */
  layout: LayoutThread;
  /** When the worker was ready to answer (epoch ms). */
  readyAt: number;
}
