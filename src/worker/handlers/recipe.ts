import { lazyModule } from '../../core/base/lazy';
import { ValidateRecipeRequest } from '../protocol';
import type { WorkerServices } from '../services';

/** The recipe's schema and readers (yaml, jsonc), loaded on the first check. */
const checkRecipe = lazyModule(() => (require('../recipe-check') as typeof import('../recipe-check')).checkRecipe);

/**
 * A recipe's check, answered by a start handler: the extension asks for it as soon as a recipe is
 * open in an editor, as VS Code restores one at start beside a model's graph, and as a job handler
 * its request loaded every job module (ONNX Runtime, the passes) alongside that graph's open.
 */
export function registerRecipeHandlers({ server }: WorkerServices): void {
  server.on(ValidateRecipeRequest.type, (params) => checkRecipe()(params));
}
