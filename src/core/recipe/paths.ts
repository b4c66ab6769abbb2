/**
 * The files a recipe names (its model, output, data, labels, a distill pass's teacher) stay inside the recipe's folder:
 * a recipe is a file anyone can hand over, so `output: ../x.onnx`, an absolute path or a link
 * that leads out must not quietly read or write elsewhere. `edgewise run --allow-outside` lets a
 * user who means it do so; the editor flags such paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { child, lineColumn, parseRecipeText, type RecipeFormat, type TreeNode } from './tree';
import { pathText, type JsonPath, type RecipeProblem } from './validate';

/** Recipe keys whose value is a file path ('*': every item of an array); `output` is written, the others are read. */
export const RECIPE_PATH_KEYS: readonly JsonPath[] = [
  ['model'], ['output'], ['data', 'inputs'], ['data', 'labels'], ['eval', 'inputs'], ['eval', 'labels'], ['passes', '*', 'options', 'teacher'],
];

/**
 * Problems of the recipe's paths that leave its folder (`severity` 'error' where they stop a run,
 * 'warning' in the editor). Paths that are not strings are the validator's business.
 */
export function recipePathProblems(text: string, format: RecipeFormat, recipeFile: string, severity: RecipeProblem['severity']): RecipeProblem[] {
  const root = parseRecipeText(text, format).root;
  const dir = path.dirname(path.resolve(recipeFile));
  const out: RecipeProblem[] = [];
  for (const { node, at } of RECIPE_PATH_KEYS.flatMap((keys) => nodesAt(root, keys, []))) {
    if (node.type !== 'string') continue;
    const why = outsideFolder(dir, node.value as string, at[0] === 'output');
    if (!why) continue;
    out.push({
      severity, code: 'value', path: at, offset: node.offset, length: node.length, ...lineColumn(text, node.offset),
      message: `${pathText(at)}: '${node.value}' ${why}; edgewise run refuses it unless given --allow-outside`,
    });
  }
  return out;
}

/** The nodes at `keys` below `node`, with their concrete paths ('*' expands to each array item). */
function nodesAt(node: TreeNode | undefined, keys: JsonPath, at: JsonPath): { node: TreeNode; at: JsonPath }[] {
  if (!node) return [];
  if (!keys.length) return [{ node, at }];
  const [k, ...rest] = keys;
  if (k === '*') return node.type === 'array' ? (node.children ?? []).flatMap((item, i) => nodesAt(item, rest, [...at, i])) : [];
  return nodesAt(child(node, k as string)?.value, rest, [...at, k]);
}

/**
 * Why `value` (from the recipe in `dir`) is not inside `dir`: an absolute path, a path that
 * climbs out, or a link (the file, or for an output its folder) whose real place is outside.
 */
export function outsideFolder(dir: string, value: string, output: boolean): string | undefined {
  if (path.isAbsolute(value)) return "is an absolute path, outside the recipe's folder";
  const file = path.resolve(dir, value);
  if (!isInside(dir, file)) return "leaves the recipe's folder";
  const realDir = realOrSelf(dir);
  const real = realOrUndefined(file) ?? (output ? realOrUndefined(path.dirname(file)) : undefined);
  if (real !== undefined && !isInside(realDir, real) && real !== realDir) return `is a link to '${real}', outside the recipe's folder`;
  return undefined;
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function realOrUndefined(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

function realOrSelf(p: string): string {
  return realOrUndefined(p) ?? p;
}
