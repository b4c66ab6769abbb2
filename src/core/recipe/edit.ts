/**
 * Edits to a recipe's text that keep the user's formatting and comments: the quick fix "Keep this
 * layer in float" and node-name completion positions, for JSON and (via yaml-edit.ts) YAML recipes.
 */
import { applyEdits, getLocation, modify } from 'jsonc-parser';
import { NODE_LIST_OPTIONS, type Precision } from './schema';
import { recipeTextProblem, type RecipeFormat } from './tree';
import { yamlNodeNameSlot, yamlOverrideEdits, yamlScalar, type TextEdit } from './yaml-edit';

export type { TextEdit };

/** The edits that set `overrides[nodeId].precision` (creating `overrides` when needed). */
export function overrideEdits(text: string, nodeId: string, precision: Precision, format: RecipeFormat = 'json'): TextEdit[] {
  const bound = recipeTextProblem(text, format);
  if (bound) throw new Error(bound.message);
  if (format === 'yaml') return yamlOverrideEdits(text, nodeId, precision);
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return modify(text, ['overrides', nodeId], { precision }, {
    formattingOptions: { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' },
  });
}

export function setOverride(text: string, nodeId: string, precision: Precision, format: RecipeFormat = 'json'): string {
  return applyEdits(text, overrideEdits(text, nodeId, precision, format));
}

/** Where a node name may be typed: an `overrides` key, or an item of a node list (`excludeNode`...). */
export interface NodeNameSlot {
  kind: 'override-key' | 'list-item';
  /** Range of the name being typed (inside the quotes, when it is quoted). */
  offset: number;
  length: number;
  /** True when the range is inside quotes: the name goes in as it is. */
  quoted: boolean;
  format: RecipeFormat;
}

/** What a completion of `name` inserts into the slot. */
export function nodeNameText(slot: NodeNameSlot, name: string): string {
  if (slot.quoted) return slot.format === 'json' ? JSON.stringify(name).slice(1, -1) : name;
  return slot.format === 'json' ? JSON.stringify(name) : yamlScalar(name);
}

export function nodeNameSlot(text: string, offset: number, format: RecipeFormat = 'json'): NodeNameSlot | undefined {
  // Completion runs on the extension host: a text no parser should see gets none.
  if (recipeTextProblem(text, format)) return undefined;
  if (format === 'yaml') {
    const slot = yamlNodeNameSlot(text, offset);
    return slot && { ...slot, format };
  }
  const loc = getLocation(text, offset);
  const p = loc.path;
  const range = loc.previousNode && loc.previousNode.type === 'string'
    ? { offset: loc.previousNode.offset + 1, length: Math.max(0, loc.previousNode.length - 2), quoted: true, format }
    : { offset, length: 0, quoted: false, format };
  if (p.length === 2 && p[0] === 'overrides' && loc.isAtPropertyKey) return { kind: 'override-key', ...range };
  const last = p[p.length - 2];
  if (typeof p[p.length - 1] === 'number' && NODE_LIST_OPTIONS.has(String(last)) && p.includes('options')) return { kind: 'list-item', ...range };
  return undefined;
}
