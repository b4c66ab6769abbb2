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
  readonly strings: FrontCoded;
}

export function stringTable(): StringTable {
  const index = new Map<string, number>();
  const strings: FrontCoded = [];
  let previous = '';
  return {
    strings,
    id(text: string): number {
      let i = index.get(text);
      if (i === undefined) {
        i = index.size;
        index.set(text, i);
        const max = Math.min(previous.length, text.length);
        let k = 0;
        while (k < max && previous.charCodeAt(k) === text.charCodeAt(k)) k++;
        strings.push(k, text.slice(k));
        previous = text;
      }
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
