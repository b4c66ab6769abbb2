/**
 * The layout cache on disk: the Layouter's group layouts by shape key, kept across restarts of
 * VS Code in the extension's storage so a model opened again (or any model sharing its blocks)
 * is drawn without elkjs. A file written by another version of the layout rules or of elkjs is
 * ignored, as is one that cannot be read; it is rewritten atomically after layouts that added
 * entries.
 *
 * The file is read when the layout thread starts, before its first layout: one line per entry
 * (the key and the layout as JSON, a tab between), the layouts kept as text until a layout uses
 * them. A full cache (the Layouter's 5,000 entries, 12 MB) parsed as one JSON document held a new
 * thread's first layout 90-140 ms; split into lines, 16-32 ms (scratch, load 6).
 */
import * as fs from 'node:fs';
import { atomicWrite } from '../../core/base/atomic-file';
import { BASE_OPTIONS, LAYOUT_VERSION, type CachedLayout } from '../../core/graph/layout/elk-layout';
import { version as elkVersion } from 'elkjs/package.json';

/** What a cache file must carry to be used: the rules and the engine that made its layouts. */
export const CACHE_STAMP = `layout ${LAYOUT_VERSION}; elkjs ${elkVersion}; ${JSON.stringify(BASE_OPTIONS)}`;

/** The entries of a cache file (layouts as JSON text), or none when it is missing, unreadable or from other rules. */
export function readLayoutCache(file: string, stamp = CACHE_STAMP): [string, string][] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  if (lines[0] !== JSON.stringify(stamp)) return [];
  const entries: [string, string][] = [];
  try {
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const tab = line.indexOf('\t');
      if (tab < 0) return [];
      entries.push([JSON.parse(line.slice(0, tab)) as string, line.slice(tab + 1)]);
    }
  } catch {
    return [];
  }
  return entries;
}

/** Writes the entries (temp file + rename: a reader never sees half a file); layouts still as text are written as they are. */
export function writeLayoutCache(file: string, entries: [string, CachedLayout][], stamp = CACHE_STAMP): void {
  const lines = [JSON.stringify(stamp)];
  for (const [key, layout] of entries) lines.push(`${JSON.stringify(key)}\t${typeof layout === 'string' ? layout : JSON.stringify(layout)}`);
  atomicWrite(file, [Buffer.from(lines.join('\n'))]);
}
