/**
 * One syntax tree for recipes whatever their format: JSON (with comments) and YAML parse into the
 * same nodes with character offsets, so one validator serves both and problems carry positions.
 * The shape is jsonc-parser's `Node`, which a JSON recipe's tree already is.
 */
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';

export type RecipeFormat = 'json' | 'yaml';

export interface TreeNode {
  type: 'object' | 'array' | 'property' | 'string' | 'number' | 'boolean' | 'null';
  /** Character range of the node's text. */
  offset: number;
  length: number;
  /** A scalar's value (typed as jsonc-parser types it, so its trees are TreeNodes). */
  value?: any;
  /** An object's properties (each [key, value]) or an array's items. */
  children?: TreeNode[];
}

export interface SyntaxProblem {
  message: string;
  offset: number;
  length: number;
  severity: 'error' | 'warning';
}

export interface ParsedRecipe {
  root?: TreeNode;
  syntax: SyntaxProblem[];
}

/** `edgewise.yaml` / `.yml` are YAML; everything else (edgewise.json) is JSON with comments. */
export function recipeFormat(file: string): RecipeFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
}

/**
 * Bounds that keep parsing a recipe proportional to its text, whoever sends it (the editor sends
 * its text as soon as a recipe opens, trusted workspace or not): its size, how deep it nests,
 * how many values it stands for once YAML aliases are expanded, and how many aliases are expanded.
 */
export const RECIPE_LIMITS = { chars: 1 << 20, depth: 64, values: 100_000, aliases: 1_000 } as const;

export function parseRecipeText(text: string, format: RecipeFormat): ParsedRecipe {
  const bound = recipeTextProblem(text, format);
  if (bound) return { syntax: [bound] };
  return format === 'yaml' ? parseYaml(text) : parseJson(text);
}

/**
 * Why a recipe's text is refused before any parser sees it (too long, or nested deeper than
 * RECIPE_LIMITS.depth), or undefined. One linear scan; JSON's depth is exact, YAML's an upper
 * bound (indentation levels, inline indicators and open flow brackets) checked at twice the
 * limit, the exact depth being checked again on the parsed tree.
 */
export function recipeTextProblem(text: string, format: RecipeFormat): SyntaxProblem | undefined {
  if (text.length > RECIPE_LIMITS.chars) {
    return { severity: 'error', message: `the recipe is ${text.length} characters long; recipes are limited to ${RECIPE_LIMITS.chars}`, offset: RECIPE_LIMITS.chars, length: 1 };
  }
  const deep = format === 'yaml' ? yamlDepthBound(text, 2 * RECIPE_LIMITS.depth) : jsonDepth(text, RECIPE_LIMITS.depth);
  if (deep === undefined) return undefined;
  return { severity: 'error', message: `the recipe nests more than ${RECIPE_LIMITS.depth} levels deep`, offset: deep, length: 1 };
}

/** Offset where a JSON text (with comments) opens its (limit+1)-th nested level, or undefined. */
function jsonDepth(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '[' || c === '{') {
      if (++depth > limit) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/**
 * Offset of the line where a YAML text may nest deeper than `limit`, or undefined. Per line:
 * the open block indentation levels, plus the block indicators on the line ('- ', '? ', ': '),
 * plus the open flow collections. Quotes and brackets count only where a node may start.
 */
function yamlDepthBound(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote = '';
  let lineStart = 0;
  while (lineStart < text.length) {
    let end = text.indexOf('\n', lineStart);
    if (end < 0) end = text.length;
    let i = lineStart;
    while (i < end && text[i] === ' ') i++;
    if (!quote && flow === 0 && i < end && text[i] !== '#' && text[i] !== '\r') {
      while (indents.length > 0 && indents[indents.length - 1] >= i - lineStart) indents.pop();
      indents.push(i - lineStart);
    }
    let inline = 0;
    let nodeStart = true;
    for (; i < end; i++) {
      const c = text[i];
      if (quote) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && text[i + 1] === "'") i++;
          else quote = '';
        }
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') continue;
      if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]))) break;
      const spaced = i + 1 >= end || /\s/.test(text[i + 1]);
      if ((c === '-' || c === '?' || c === ':') && spaced) {
        if (flow === 0) inline++;
        nodeStart = true;
        continue;
      }
      if (c === ',' && flow > 0) { nodeStart = true; continue; }
      if (nodeStart && (c === '"' || c === "'")) { quote = c; nodeStart = false; continue; }
      if ((nodeStart || flow > 0) && (c === '[' || c === '{')) {
        flow++;
        if (indents.length + inline + flow > limit) return i;
        nodeStart = true;
        continue;
      }
      if (flow > 0 && (c === ']' || c === '}')) { flow--; nodeStart = false; continue; }
      nodeStart = false;
    }
    if (indents.length + inline + flow > limit) return lineStart;
    lineStart = end + 1;
  }
  return undefined;
}

function parseJson(text: string): ParsedRecipe {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return {
    root,
    syntax: errors.map((e) => ({ severity: 'error', message: `syntax error: ${printParseErrorCode(e.error)}`, offset: e.offset, length: Math.max(1, e.length) })),
  };
}

function parseYaml(text: string): ParsedRecipe {
  const doc = parseDocument(text, { prettyErrors: false });
  const syntax: SyntaxProblem[] = [...doc.errors, ...doc.warnings].map((e) => ({
    severity: doc.errors.includes(e) ? 'error' : 'warning',
    message: `syntax error: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    offset: e.pos[0],
    length: Math.max(1, e.pos[1] - e.pos[0]),
  }));
  if (!doc.contents) return { root: { type: 'null', offset: 0, length: 0, value: null }, syntax };
  const budget: YamlBudget = { values: 0, aliases: 0 };
  try {
    return { root: fromYaml(doc.contents, doc, text, 0, budget), syntax };
  } catch (e) {
    if (!(e instanceof RecipeTooLarge)) throw e;
    return { syntax: [...syntax, { severity: 'error', message: e.message, offset: e.offset, length: e.length }] };
  }
}

function range(node: YamlNode): { offset: number; length: number } {
  const [start, end] = node.range ?? [0, 0];
  return { offset: start, length: end - start };
}

/** What expanding a YAML document has used so far, against RECIPE_LIMITS. */
interface YamlBudget { values: number; aliases: number }

class RecipeTooLarge extends Error {
  constructor(message: string, readonly offset: number, readonly length: number) {
    super(message);
  }
}

function fromYaml(node: YamlNode | null, doc: Document, text: string, level: number, budget: YamlBudget): TreeNode {
  if (!node) return { type: 'null', offset: 0, length: 0, value: null };
  const at = range(node);
  if (++budget.values > RECIPE_LIMITS.values) {
    throw new RecipeTooLarge(`the recipe stands for more than ${RECIPE_LIMITS.values} values once its aliases are expanded`, at.offset, Math.max(1, at.length));
  }
  if (level > RECIPE_LIMITS.depth) throw new RecipeTooLarge(`the recipe nests more than ${RECIPE_LIMITS.depth} levels deep`, at.offset, Math.max(1, at.length));
  // An alias stands for the anchored node; positions stay at the alias so problems point where it is used.
  if (isAlias(node)) {
    if (++budget.aliases > RECIPE_LIMITS.aliases) {
      throw new RecipeTooLarge(`the recipe expands more than ${RECIPE_LIMITS.aliases} aliases`, at.offset, Math.max(1, at.length));
    }
    const target = node.resolve(doc);
    budget.values--; // the alias itself is not a value; its target is
    return { ...(target ? fromYaml(target, doc, text, level, budget) : { type: 'null', value: null }), ...at };
  }
  if (isMap(node)) {
    const children = node.items.filter(isPair).map((pair): TreeNode => {
      const k = pair.key as YamlNode | null;
      // A key is a name; a complex key (a mapping used as a key) is named by its text.
      const kr = k ? range(k) : { offset: 0, length: 0 };
      const key: TreeNode = { type: 'string', value: k && isScalar(k) ? String(k.value) : text.slice(kr.offset, kr.offset + kr.length), ...kr };
      const v = pair.value as YamlNode | null;
      // `key:` with nothing after it is null, placed just after the key.
      const value = v ? fromYaml(v, doc, text, level + 1, budget) : { type: 'null' as const, offset: key.offset + key.length, length: 0, value: null };
      return { type: 'property', offset: key.offset, length: value.offset + value.length - key.offset, children: [key, value] };
    });
    return { type: 'object', ...at, children };
  }
  if (isSeq(node)) return { type: 'array', ...at, children: node.items.map((i) => fromYaml(i as YamlNode, doc, text, level + 1, budget)) };
  if (isScalar(node)) {
    const v = node.value;
    const type = v === null || v === undefined ? 'null' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
    return { type, ...at, value: type === 'string' ? String(v) : v ?? null };
  }
  return { type: 'null', ...at, value: null };
}

/** The value of `key` in an object node. */
export function child(node: TreeNode | undefined, key: string): { key: TreeNode; value: TreeNode } | undefined {
  for (const p of node?.type === 'object' ? node.children ?? [] : []) {
    if (p.children?.[0]?.value === key && p.children[1]) return { key: p.children[0], value: p.children[1] };
  }
  return undefined;
}

/** The plain data a tree stands for. */
export function treeValue(node: TreeNode): unknown {
  switch (node.type) {
    case 'object': return Object.fromEntries((node.children ?? []).filter((p) => p.children?.length === 2).map((p) => [p.children![0].value, treeValue(p.children![1])]));
    case 'array': return (node.children ?? []).map(treeValue);
    default: return node.value;
  }
}

/** 0-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) };
}
