/**
 * The layout cache on disk: the Layouter's group layouts by shape key, kept across restarts of
 * VS Code in the extension's storage so a model opened again (or any model sharing its blocks)
 * is drawn without elkjs. A file written by another version of the layout rules or of elkjs is
 * ignored, as is one that cannot be read; it is rewritten atomically after layouts that added
 * entries.
 */
import * as fs from 'node:fs';
import { atomicWrite } from '../../core/base/atomic-file';
import { BASE_OPTIONS, LAYOUT_VERSION } from '../../core/graph/layout/elk-layout';
import type { Relative } from '../../core/graph/layout/relative';
import { version as elkVersion } from 'elkjs/package.json';

/** What a cache file must carry to be used: the rules and the engine that made its layouts. */
export const CACHE_STAMP = `layout ${LAYOUT_VERSION}; elkjs ${elkVersion}; ${JSON.stringify(BASE_OPTIONS)}`;

interface CacheFile {
  stamp: string;
  entries: [string, Relative][];
}

/** The entries of a cache file, or none when it is missing, unreadable or from other rules. */
export function readLayoutCache(file: string, stamp = CACHE_STAMP): [string, Relative][] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const data = JSON.parse(text) as CacheFile;
    return data.stamp === stamp && Array.isArray(data.entries) ? data.entries : [];
  } catch {
    return [];
  }
}

/** Writes the entries (temp file + rename: a reader never sees half a file). */
export function writeLayoutCache(file: string, entries: [string, Relative][], stamp = CACHE_STAMP): void {
  const body: CacheFile = { stamp, entries };
  atomicWrite(file, [Buffer.from(JSON.stringify(body))]);
}
