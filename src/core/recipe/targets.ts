/** The `targets:` of a recipe: the fleet `edgewise bench` measures the recipe's model on. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecipeTargets } from '../runtime/devices/catalog';
import { checkTarget, type Target } from '../runtime/targets';
import { readRecipeText } from './read';
import { parseRecipeText, recipeFormat, treeValue } from './tree';

const RECIPE_NAMES = ['edgewise.json', 'edgewise.yaml', 'edgewise.yml'];

/** The `targets:` of the recipe in `dir`, if there is one with targets. */
export function recipeTargets(dir: string): RecipeTargets | undefined {
  const file = RECIPE_NAMES.map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
  if (!file) return undefined;
  const parsed = parseRecipeText(readRecipeText(file), recipeFormat(file));
  const value = parsed.root ? treeValue(parsed.root) as { targets?: Record<string, Partial<Target> | null> } : undefined;
  const targets = value?.targets;
  if (!targets || typeof targets !== 'object' || Array.isArray(targets)) return undefined;
  const names = Object.keys(targets);
  const defined = names
    .filter((n) => targets[n] && Object.keys(targets[n]!).length > 0)
    .map((n) => checkTarget({ ...targets[n], name: n }, `${file}: targets.${n}`));
  return { file, names, defined };
}
