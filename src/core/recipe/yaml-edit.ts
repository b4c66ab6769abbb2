/**
 * Edits to a YAML recipe that touch only the lines they must: the override goes in as new lines
 * (or replaces one scalar), so the user's comments, quoting and layout elsewhere stay as written.
 * Node-name completion finds its place from the indentation of the lines above the cursor, since
 * a half-typed key does not parse as the mapping it will become.
 */
import { isMap, isPair, isScalar, parseDocument, stringify, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { NODE_LIST_OPTIONS, type Precision } from './schema';

export interface TextEdit { offset: number; length: number; content: string }

/** A string as YAML writes it: plain when it can be, quoted when it must be. */
export function yamlScalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function findPair(map: YAMLMap, key: string): Pair<YamlNode, YamlNode | null> | undefined {
  return map.items.find((p): p is Pair<YamlNode, YamlNode | null> => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** Start of the line after the one holding `offset - 1` (the last character of a value). */
function nextLineStart(text: string, end: number): number {
  const nl = text.indexOf('\n', Math.max(0, end - 1));
  return nl < 0 ? text.length : nl + 1;
}

/** The document's indentation step: the first indented line's indentation, else two spaces. */
function indentUnit(text: string): number {
  const m = /^( +)[^\s#]/m.exec(text);
  return m ? m[1].length : 2;
}

/** The edits that set `overrides[nodeId].precision` in a YAML recipe, creating what is missing. */
export function yamlOverrideEdits(text: string, nodeId: string, precision: Precision): TextEdit[] {
  const doc = parseDocument(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = ' '.repeat(indentUnit(text));
  const key = yamlScalar(nodeId);
  const root = doc.contents;
  // Appended lines must start on a line of their own.
  const lines = (at: number, body: string[]): TextEdit => {
    const lead = at === text.length && text.length > 0 && !text.endsWith('\n') ? eol : '';
    return { offset: at, length: 0, content: lead + body.join(eol) + eol };
  };
  if (!root || (isScalar(root) && root.value === null)) {
    return [lines(text.length, ['overrides:', `${unit}${key}:`, `${unit}${unit}precision: ${precision}`])];
  }
  if (!isMap(root)) throw new Error('the recipe is not a mapping of settings');
  if (root.flow) {
    if (doc.errors.length) throw new Error('the recipe has syntax errors; fix them first');
    doc.setIn(['overrides', nodeId, 'precision'], precision);
    return [{ offset: 0, length: text.length, content: doc.toString() }];
  }
  const pair = findPair(root, 'overrides');
  const rootIndent = ' '.repeat(columnOf(text, root.range![0]));
  if (!pair) {
    return [lines(nextLineStart(text, root.range![1]), [`${rootIndent}overrides:`, `${rootIndent}${unit}${key}:`, `${rootIndent}${unit}${unit}precision: ${precision}`])];
  }
  const value = pair.value;
  const flowEntry = `${key}: { precision: ${precision} }`;
  if (!value || (isScalar(value) && value.value === null)) {
    // `overrides:` with nothing (or null) after it: the entry goes on the lines below.
    const keyEnd = (pair.key as YamlNode).range![1];
    const ind = rootIndent + unit;
    const edits = [lines(nextLineStart(text, keyEnd + 1), [`${ind}${key}:`, `${ind}${unit}precision: ${precision}`])];
    if (value?.range && value.range[1] > value.range[0]) edits.unshift({ offset: value.range[0], length: value.range[1] - value.range[0], content: '' });
    return edits;
  }
  if (!isMap(value)) return [{ offset: value.range![0], length: value.range![1] - value.range![0], content: `{ ${flowEntry} }` }];
  const existing = findPair(value, nodeId);
  if (existing) return setPrecision(text, existing, precision, eol);
  if (value.flow) {
    const last = value.items[value.items.length - 1] as Pair<YamlNode, YamlNode | null> | undefined;
    if (!last) return [{ offset: value.range![0], length: value.range![1] - value.range![0], content: `{ ${flowEntry} }` }];
    const end = (last.value ?? last.key).range![1];
    return [{ offset: end, length: 0, content: `, ${flowEntry}` }];
  }
  const ind = ' '.repeat(columnOf(text, (value.items[0].key as YamlNode).range![0]));
  const nested = value.items.map((p) => (isPair(p) && isMap(p.value) && !p.value.flow ? columnOf(text, ((p.value.items[0] as Pair<YamlNode>).key).range![0]) - ind.length : 0)).find((n) => n > 0);
  const step = nested ? ' '.repeat(nested) : unit;
  return [lines(nextLineStart(text, value.range![1]), [`${ind}${key}:`, `${ind}${step}precision: ${precision}`])];
}

/** The node already has an entry: set (or add) its `precision`. */
function setPrecision(text: string, entry: Pair<YamlNode, YamlNode | null>, precision: Precision, eol: string): TextEdit[] {
  const v = entry.value;
  if (v && isMap(v)) {
    const p = findPair(v, 'precision');
    if (p?.value?.range) return [{ offset: p.value.range[0], length: p.value.range[1] - p.value.range[0], content: precision }];
    const last = v.items[v.items.length - 1] as Pair<YamlNode, YamlNode | null> | undefined;
    if (v.flow || !last) {
      if (!last) return [{ offset: v.range![0], length: v.range![1] - v.range![0], content: `{ precision: ${precision} }` }];
      return [{ offset: (last.value ?? last.key).range![1], length: 0, content: `, precision: ${precision}` }];
    }
    const ind = ' '.repeat(columnOf(text, last.key.range![0]));
    const at = nextLineStart(text, v.range![1]);
    const lead = at === text.length && !text.endsWith('\n') ? eol : '';
    return [{ offset: at, length: 0, content: `${lead}${ind}precision: ${precision}${eol}` }];
  }
  if (v?.range && v.range[1] > v.range[0]) return [{ offset: v.range[0], length: v.range[1] - v.range[0], content: `{ precision: ${precision} }` }];
  // `name:` with nothing after it.
  return [{ offset: text.indexOf(':', entry.key.range![1]) + 1, length: 0, content: ` { precision: ${precision} }` }];
}

export function setYamlOverride(text: string, nodeId: string, precision: Precision): string {
  let out = text;
  for (const e of [...yamlOverrideEdits(text, nodeId, precision)].sort((a, b) => b.offset - a.offset)) {
    out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  }
  return out;
}

interface LineShape {
  indent: number;
  dash: boolean;
  /** Column and name of the key on the line (after `- `), if it has one. */
  keyCol: number;
  key?: string;
  /** True when the key's value starts on a later line. */
  opens: boolean;
}

function lineShape(line: string): LineShape | undefined {
  const m = /^( *)(- +)?([^]*)$/.exec(line)!;
  const rest = m[3];
  if (!m[2] && (rest === '' || rest.startsWith('#'))) return undefined;
  const indent = m[1].length;
  const keyCol = indent + (m[2]?.length ?? 0);
  const k = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"][^#]*?)\s*:(?:\s+(.*))?$/.exec(rest);
  if (!k) return { indent, dash: !!m[2], keyCol, opens: false };
  const raw = k[1];
  const key = raw.startsWith('"') ? JSON.parse(raw) as string : raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw;
  const after = (k[2] ?? '').trim();
  return { indent, dash: !!m[2], keyCol, key, opens: after === '' || after.startsWith('#') };
}

/**
 * The keys above a line, outermost first ('-' for a sequence item), from indentation alone.
 * `col` is where the current entry starts; `item` says whether it is a `- ` sequence item.
 */
function pathAbove(lines: string[], row: number, col: number, item: boolean): string[] | undefined {
  const path: string[] = [];
  for (let r = row - 1; r >= 0 && !(col === 0 && !item); r--) {
    const s = lineShape(lines[r]);
    if (!s) continue;
    if (item) {
      if (s.dash && s.indent === col) continue;
      if (s.indent > col) continue;
    } else {
      if (s.dash && s.indent < col && s.keyCol === col) { path.unshift('-'); item = true; col = s.indent; continue; }
      if (s.keyCol >= col) continue;
    }
    if (!s.key || !s.opens) return undefined;
    path.unshift(s.key);
    if (s.dash) { path.unshift('-'); item = true; col = s.indent; } else { item = false; col = s.keyCol; }
  }
  return path;
}

export interface YamlNameSlot {
  kind: 'override-key' | 'list-item';
  offset: number;
  length: number;
  /** True when the name is typed inside quotes (insert it as is); else it is written as a YAML scalar. */
  quoted: boolean;
}

/** Where a node name is being typed in a YAML recipe: an `overrides` key or an item of a node list (`excludeNode`...). */
export function yamlNodeNameSlot(text: string, offset: number): YamlNameSlot | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const lines = text.slice(0, lineStart).split(/\r?\n/);
  const row = lines.length - 1;
  const word = (start: number, quoted: boolean) => {
    let end = offset;
    while (end < text.length && !/[\s:"',\]}#]/.test(text[end])) end++;
    return { offset: start, length: end - start, quoted };
  };
  const listKey = (path: string[] | undefined, key: string) => NODE_LIST_OPTIONS.has(key) && !!path?.includes('options');
  // excludeNode: [a, "b|
  const flow = /^( *)(- +)?(\w+) *: *\[(?:[^\]]*,)? *(["']?)([^,\]"']*)$/.exec(before);
  if (flow) {
    const col = flow[1].length + (flow[2]?.length ?? 0);
    const path = flow[2] ? [...(pathAbove(lines, row, flow[1].length, true) ?? []), '-'] : pathAbove(lines, row, col, false);
    return listKey(path, flow[3]) ? { kind: 'list-item', ...word(offset - flow[5].length, !!flow[4]) } : undefined;
  }
  // - name|
  const dash = /^( *)- +(["']?)([^:"'#]*)$/.exec(before);
  if (dash) {
    const path = pathAbove(lines, row, dash[1].length, true);
    return path && listKey(path.slice(0, -1), path[path.length - 1]) ? { kind: 'list-item', ...word(offset - dash[3].length, !!dash[2]) } : undefined;
  }
  // name| as a key under overrides
  const key = /^( +)(["']?)([^:"'#\s]*)$/.exec(before);
  if (key) {
    const path = pathAbove(lines, row, key[1].length, false);
    return path?.length === 1 && path[0] === 'overrides' ? { kind: 'override-key', ...word(offset - key[3].length, !!key[2]) } : undefined;
  }
  return undefined;
}
