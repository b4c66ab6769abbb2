import { readInputText } from '../base/input-file';
import { RECIPE_LIMITS } from './tree';

/** A recipe file's text: a regular file of at most RECIPE_LIMITS.chars bytes (base/input-file.ts). */
export function readRecipeText(file: string): string {
  return readInputText(file, { what: 'recipe', limit: { bytes: RECIPE_LIMITS.chars, why: `past the ${RECIPE_LIMITS.chars} bytes a recipe may have` } });
}
