import type { DataOptions } from '../runtime/data-array';
import type { RecipeData } from './schema';

/** The recipe's data section as the options every command reads data with (the same names). */
export function recipeDataOptions(d: RecipeData): DataOptions {
  return { scale: d.scale, mean: d.mean, std: d.std, layout: d.layout, resize: d.resize, batch: d.batch ?? 100, count: d.count };
}
