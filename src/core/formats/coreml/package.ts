import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreMLFormatError } from './errors';
import { InputFileError, readInputText } from '../../base/input-file';

/** Where a Core ML model's pieces are on disk. */
export interface CoreMLLocation {
  /** What the user opened: an .mlmodel file, an .mlpackage or .mlmodelc folder. */
  root: string;
  container: 'mlmodel' | 'mlpackage' | 'mlmodelc';
  /** The protobuf specification (absent for a compiled folder). */
  specFile?: string;
  /** The folder `@model_path` in MIL blob references resolves to. */
  modelPath: string;
}

/** The .mlpackage/.mlmodelc folder a path is inside of (its Manifest.json, say), if any. */
function packageRootOf(p: string): string | undefined {
  const parts = path.resolve(p).split(path.sep);
  for (let i = parts.length - 1; i > 0; i--) if (/\.(mlpackage|mlmodelc)$/i.test(parts[i])) return parts.slice(0, i + 1).join(path.sep);
  return undefined;
}

/**
 * Resolves what the user opened to the model's files. An .mlpackage's root model is found through
 * Manifest.json's `rootModelIdentifier`; every path must stay inside the package (no `..`,
 * no absolute paths, no symlinks that lead out).
 */
export function locateCoreML(input: string): CoreMLLocation {
  const abs = path.resolve(input);
  const inside = packageRootOf(abs);
  const root = inside ?? abs;
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (e) {
    throw new CoreMLFormatError(root, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot be read (${String(e)})`);
  }
  if (/\.mlmodelc$/i.test(root)) {
    if (!st.isDirectory()) throw new CoreMLFormatError(root, 'a compiled model (.mlmodelc) must be a folder');
    return { root, container: 'mlmodelc', modelPath: root };
  }
  if (st.isDirectory()) {
    const specFile = rootModelOfPackage(root);
    return { root, container: 'mlpackage', specFile, modelPath: path.dirname(specFile) };
  }
  return { root, container: 'mlmodel', specFile: root, modelPath: path.dirname(root) };
}

/** A Manifest.json lists a few items; anything this large is not one. */
const MANIFEST_LIMIT = 16 << 20;

interface Manifest {
  rootModelIdentifier?: unknown;
  itemInfoEntries?: Record<string, { path?: unknown; name?: unknown }>;
}

function rootModelOfPackage(pkg: string): string {
  const manifestFile = path.join(pkg, 'Manifest.json');
  let text: string;
  try {
    text = readInputText(manifestFile, { what: 'manifest', limit: { bytes: MANIFEST_LIMIT, why: 'too large for a package manifest' } });
  } catch (e) {
    if (e instanceof InputFileError && e.problem !== 'no such file') throw new CoreMLFormatError(manifestFile, e.problem);
    throw new CoreMLFormatError(pkg, 'has no Manifest.json: not an .mlpackage (or an incomplete copy of one)');
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new CoreMLFormatError(manifestFile, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const id = manifest.rootModelIdentifier;
  if (typeof id !== 'string' || !id) throw new CoreMLFormatError(manifestFile, 'has no rootModelIdentifier');
  const entry = manifest.itemInfoEntries?.[id];
  if (!entry || typeof entry.path !== 'string' || !entry.path) {
    throw new CoreMLFormatError(manifestFile, `rootModelIdentifier '${id}' names no item with a path in itemInfoEntries`);
  }
  // Item paths are relative to the package's Data folder.
  if (path.isAbsolute(entry.path)) throw new CoreMLFormatError(manifestFile, `the root model path '${entry.path}' leaves the package: only paths inside ${path.basename(pkg)} are read`);
  return insidePackage(pkg, path.join('Data', entry.path), manifestFile, 'the root model');
}

/**
 * `relative` resolved inside `folder`; throws when it is absolute, climbs out with '..', is
 * missing, or is a symlink whose target lies outside the folder.
 */
export function insidePackage(folder: string, relative: string, referrer: string, what: string): string {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw new CoreMLFormatError(referrer, `${what} path '${relative}' leaves the package: only paths inside ${path.basename(folder)} are read`);
  }
  const target = path.join(folder, relative);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    throw new CoreMLFormatError(referrer, `${what} '${relative}' does not exist in ${path.basename(folder)}`);
  }
  const realFolder = fs.realpathSync(folder);
  if (real !== realFolder && !real.startsWith(realFolder + path.sep)) {
    throw new CoreMLFormatError(referrer, `${what} '${relative}' is a link to '${real}', outside the package: not read`);
  }
  if (!fs.statSync(real).isFile()) throw new CoreMLFormatError(referrer, `${what} '${relative}' is not a file`);
  return target;
}
