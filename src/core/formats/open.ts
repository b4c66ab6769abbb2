import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelFormat, ModelReader } from './format';
import { FALLBACK_FORMAT, FORMATS } from './registry';
import { readInputHead } from '../base/input-file';

/** Bytes of a file that `ModelFormat.sniff` sees. */
export const HEAD_BYTES = 16;

/**
 * The format of the model at `file`: a folder by its extension; a file by its signature, then by
 * its extension; else FALLBACK_FORMAT, whose reader names the problem. Reads at most HEAD_BYTES.
 */
export function formatOf(file: string): ModelFormat {
  const abs = path.resolve(file);
  const ext = path.extname(abs).toLowerCase();
  let isFolder = false;
  try {
    isFolder = fs.statSync(abs).isDirectory();
  } catch {
    // Missing or unreadable: the extension decides, and the reader reports the problem.
  }
  if (isFolder) return FORMATS.find((f) => f.folderExtensions?.includes(ext)) ?? FALLBACK_FORMAT;
  const head = readHead(abs);
  return FORMATS.find((f) => f.sniff?.(head)) ?? FORMATS.find((f) => f.fileExtensions.includes(ext)) ?? FALLBACK_FORMAT;
}

/** Opens a model (a file, or a folder for folder formats) with the reader of its format. */
export function openModel(file: string): ModelReader {
  const abs = modelRoot(file);
  return formatOf(abs).open(abs);
}

/**
 * The path a model is opened and cached by: for a file inside a folder model (an .mlpackage's
 * Manifest.json, say) the folder, else the path itself (absolute).
 */
export function modelRoot(file: string): string {
  const abs = path.resolve(file);
  const folderExts = FORMATS.flatMap((f) => f.folderExtensions ?? []);
  for (let dir = abs; ; dir = path.dirname(dir)) {
    if (folderExts.includes(path.extname(dir).toLowerCase())) return dir;
    if (path.dirname(dir) === dir) return abs;
  }
}

/**
 * A string that changes when the model changes: mtime and size of a file; for a folder model,
 * the newest mtime, total size and count of the files inside it.
 */
export function modelStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    if (!st.isDirectory()) return `${st.mtimeMs}:${st.size}`;
    let newest = st.mtimeMs, bytes = 0, count = 0;
    for (const e of fs.readdirSync(file, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const s = fs.statSync(path.join(e.parentPath, e.name));
      newest = Math.max(newest, s.mtimeMs);
      bytes += s.size;
      count++;
    }
    return `${newest}:${bytes}:${count}`;
  } catch {
    return 'missing'; // openModel reports the real problem
  }
}

/** The first bytes of a regular file; none for anything else (its reader then names the problem). */
function readHead(file: string): Uint8Array {
  try {
    return readInputHead(file, HEAD_BYTES).head;
  } catch {
    return new Uint8Array(0);
  }
}
