/**
 * The string table of the packed messages to the webview (packed.ts, layout/packed-result.ts):
 * each string once, numbered in the order first seen, stored as pairs [characters shared with the
 * previous string, the rest] since names come in runs ('/encoder/layers.1/Add',
 * '/encoder/layers.1/Add_output_0'). Shared with the webview.
 */
export type FrontCoded = (number | string)[];

export interface StringTable {
  /** The string's number, added when new. */
  id(text: string): number;
  /**
   * A new number for a string that `id` never asks for (a node's id, unique in its graph),
   * without a lookup. Met before or again, it is stored once more: that costs only its bytes.
   */
  append(text: string): number;
  /** A new number for a string met for the first time (a node's output), which `id` then gives. */
  define(text: string): number;
  readonly strings: FrontCoded;
}

export function stringTable(): StringTable {
  const index = new Map<string, number>();
  const strings: FrontCoded = [];
  let previous = '';
  let count = 0;
  const append = (text: string): number => {
    const max = Math.min(previous.length, text.length);
    let k = 0;
    while (k < max && previous.charCodeAt(k) === text.charCodeAt(k)) k++;
    strings.push(k, text.slice(k));
    previous = text;
    return count++;
  };
  return {
    strings,
    append,
    define(text: string): number {
      const i = append(text);
      index.set(text, i);
      return i;
    },
    id(text: string): number {
      let i = index.get(text);
      if (i === undefined) index.set(text, (i = append(text)));
      return i;
    },
  };
}

/** The strings of a table, by number. */
export function readStringTable(strings: FrontCoded): string[] {
  const table: string[] = [];
  let previous = '';
  for (let i = 0; i < strings.length; i += 2) {
    const k = strings[i] as number;
    previous = (k ? previous.slice(0, k) : '') + (strings[i + 1] as string);
    table.push(previous);
  }
  return table;
}
