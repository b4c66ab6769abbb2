import { lazyModule } from '../../core/base/lazy';
import { TargetListRequest } from '../protocol';
import type { WorkerServices } from '../services';

/** The catalog and the recipe's readers (yaml, jsonc), loaded on the first list. */
const listTargets = lazyModule(() => (require('../target-list') as typeof import('../target-list')).listTargets);

/**
 * The Targets view's list, answered by a start handler: the view asks for it as soon as the
 * Edgewise sidebar shows, often while a first model opens, and as a job handler its request loaded
 * every job module (ONNX Runtime, the passes) alongside that open.
 */
export function registerTargetHandlers({ server }: WorkerServices): void {
  server.on(TargetListRequest.type, (params) => listTargets()(params));
}
