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
  /** The layout thread, started with the worker so elkjs is compiled before the first layout. */
  layout: LayoutThread;
  /** When the worker was ready to answer (epoch ms). */
  readyAt: number;
  /** A view is being opened (the worker no longer warms elkjs up on its own: main.ts). */
  opening: () => void;
}
