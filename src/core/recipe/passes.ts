/** The passes a recipe can name, wired to their implementations. */
import type { PassRunner } from './run';

export const RECIPE_PASSES: Record<string, PassRunner> = {};
