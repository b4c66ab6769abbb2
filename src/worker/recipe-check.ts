import * as path from 'node:path';
import { loadModel } from '../core/formats/onnx/io';
import { modelFacts, validateRecipe, type RecipeProblem } from '../core/recipe/validate';
import { child, lineColumn, parseRecipeText, recipeFormat } from '../core/recipe/tree';
import { recipePathProblems } from '../core/recipe/paths';
import type { RecipeCheck, RecipeParams } from './protocol';

/** A recipe's problems (its schema, its paths, its model's node names and budgets), and that model's node names for completion. */
export function checkRecipe({ file, text }: RecipeParams): RecipeCheck {
  const out: RecipeCheck = { problems: [], nodeNames: [] };
  const format = recipeFormat(file);
  // The bounded parse (recipe/tree.ts): an editor sends any text, an alias bomb included.
  const ref = child(parseRecipeText(text, format).root, 'model')?.value;
  const outside = recipePathProblems(text, format, file, 'warning');
  let facts;
  let modelProblem: RecipeProblem | undefined;
  if (ref?.type === 'string' && !outside.some((p) => p.path[0] === 'model')) {
    const modelFile = path.resolve(path.dirname(file), ref.value);
    try {
      const model = loadModel(modelFile);
      out.model = modelFile;
      facts = modelFacts(model);
      out.nodeNames = [...facts.nodeNames];
    } catch (e) {
      modelProblem = {
        severity: 'error', code: 'value', path: ['model'], message: `$.model: ${(e as Error).message}`,
        offset: ref.offset, length: ref.length, ...lineColumn(text, ref.offset),
      };
    }
  }
  out.problems = [...(modelProblem ? [modelProblem] : []), ...outside, ...validateRecipe(text, facts, format).problems];
  return out;
}
