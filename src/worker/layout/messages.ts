/** Messages between the worker process's main thread (client.ts) and its layout server (server.ts, in a thread or a process). */
import type { Direction, LayoutGroup, LayoutResult } from '../../core/graph/layout/types';

export interface LayoutThreadData {
  /** Where the layout cache lives across restarts; none: in memory only. */
  cacheFile?: string;
  /** Warm elkjs up as soon as it has loaded, unless a layout is waiting. */
  warmUp?: boolean;
}

/** The worker's layout data from its arguments (worker-client.ts `args`: --layout-cache=FILE). */
export function layoutDataOf(argv: string[]): LayoutThreadData {
  const arg = argv.find((a) => a.startsWith('--layout-cache='));
  return { cacheFile: arg?.slice('--layout-cache='.length) };
}

/** The layout process's LayoutThreadData, as JSON: a process started from a snapshot has no workerData. */
export const LAYOUT_DATA_ENV = 'EDGEWISE_LAYOUT_DATA';

export type ToLayoutThread =
  | { id: number; root: LayoutGroup; direction: Direction }
  /** A cancelled layout: drop it when its turn comes, or stop it before its next group. */
  | { skip: number };

export type FromLayoutThread =
  /** elkjs has loaded and the server takes requests (epoch ms). */
  | { ready: number }
  | { id: number; result: LayoutResult }
  | { id: number; error: string }
  /** A `skip` reached it: dropped from the queue, or stopped between two groups. */
  | { id: number; cancelled: true }
  /** elkjs is compiled: the warm-up layout took `warm` ms (-1: it failed; 0: skipped, a layout was waiting). */
  | { warm: number; error?: string }
  /** elkjs has set itself up with a small layout of its own (prepared, no layout waiting), in `primed` ms. */
  | { primed: number };
