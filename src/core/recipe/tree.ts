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

export function parseRecipeText(text: string, format: RecipeFormat): ParsedRecipe {
  return format === 'yaml' ? parseYaml(text) : parseJson(text);
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
  const root = doc.contents ? fromYaml(doc.contents, doc, text) : { type: 'null' as const, offset: 0, length: 0, value: null };
  return { root, syntax };
}

function range(node: YamlNode): { offset: number; length: number } {
  const [start, end] = node.range ?? [0, 0];
  return { offset: start, length: end - start };
}

function fromYaml(node: YamlNode | null, doc: Document, text: string, depth = 0): TreeNode {
  if (!node) return { type: 'null', offset: 0, length: 0, value: null };
  // An alias stands for the anchored node; positions stay at the alias so problems point where it is used.
  if (isAlias(node)) {
    const target = depth < 50 ? node.resolve(doc) : undefined;
    return { ...(target ? fromYaml(target, doc, text, depth + 1) : { type: 'null', value: null }), ...range(node) };
  }
  if (isMap(node)) {
    const children = node.items.filter(isPair).map((pair): TreeNode => {
      const k = pair.key as YamlNode | null;
      // A key is a name; a complex key (a mapping used as a key) is named by its text.
      const at = k ? range(k) : { offset: 0, length: 0 };
      const key: TreeNode = { type: 'string', value: k && isScalar(k) ? String(k.value) : text.slice(at.offset, at.offset + at.length), ...at };
      const v = pair.value as YamlNode | null;
      // `key:` with nothing after it is null, placed just after the key.
      const value = v ? fromYaml(v, doc, text, depth) : { type: 'null' as const, offset: key.offset + key.length, length: 0, value: null };
      return { type: 'property', offset: key.offset, length: value.offset + value.length - key.offset, children: [key, value] };
    });
    return { type: 'object', ...range(node), children };
  }
  if (isSeq(node)) return { type: 'array', ...range(node), children: node.items.map((i) => fromYaml(i as YamlNode, doc, text, depth)) };
  if (isScalar(node)) {
    const v = node.value;
    const type = v === null || v === undefined ? 'null' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
    return { type, ...range(node), value: type === 'string' ? String(v) : v ?? null };
  }
  return { type: 'null', ...range(node), value: null };
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
