/**
 * Edits to a recipe's text that keep the user's formatting and comments: the quick fix "Keep this
 * layer in float" and node-name completion positions.
 */
import { applyEdits, getLocation, modify, type Edit } from 'jsonc-parser';
import type { Precision } from './schema';

export type TextEdit = Edit;

/** The edits that set `overrides[nodeId].precision` (creating `overrides` when needed). */
export function overrideEdits(text: string, nodeId: string, precision: Precision): TextEdit[] {
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return modify(text, ['overrides', nodeId], { precision }, {
    formattingOptions: { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' },
  });
}

export function setOverride(text: string, nodeId: string, precision: Precision): string {
  return applyEdits(text, overrideEdits(text, nodeId, precision));
}

/** Where a node name may be typed: an `overrides` key, or an item of an include/exclude list. */
export interface NodeNameSlot {
  kind: 'override-key' | 'list-item';
  /** Range of the string being typed (inside the quotes), when the cursor is in one. */
  offset: number;
  length: number;
}

export function nodeNameSlot(text: string, offset: number): NodeNameSlot | undefined {
  const loc = getLocation(text, offset);
  const p = loc.path;
  const range = loc.previousNode && loc.previousNode.type === 'string'
    ? { offset: loc.previousNode.offset + 1, length: Math.max(0, loc.previousNode.length - 2) }
    : { offset, length: 0 };
  if (p.length === 2 && p[0] === 'overrides' && loc.isAtPropertyKey) return { kind: 'override-key', ...range };
  const last = p[p.length - 2];
  if (typeof p[p.length - 1] === 'number' && (last === 'include' || last === 'exclude') && p.includes('options')) return { kind: 'list-item', ...range };
  return undefined;
}
