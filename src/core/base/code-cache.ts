/**
 * Loading a CommonJS bundle with V8's code cache, kept in the cache folder: compiling a bundle of
 * megabytes is a large part of a process's start (the CLI's 6 MB dist/cli.js, the worker's
 * dist/worker-main.js). The cache is named after the bundle's version (inode, size, modification
 * and change times) and Node's, and V8 itself refuses a cache made by another V8 or for a source of
 * another length; a refused or unreadable cache only means compiling as before (and writing it
 * again). A bundle modified in the last seconds is not cached (as with file hashes: a coarse clock
 * could hide a second write). The bundle must have no import(): vm.Script has no module loader on
 * Node 20 (scripts/build.mjs turns them into require).
 */
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { bundleCacheFile, removeOlderBuilds, settledBundle } from './bundle-cache';

/** What happened to the cache when the bundle was compiled. */
export type CodeCacheUse = 'none' | 'refused' | 'used';

export interface CodeCacheOptions {
  /** The cache file's prefix ('cli', 'worker'): one file per bundle and installed copy. */
  name: string;
  /**
   * When to write a missing or refused cache: at exit (default), or this many ms after the
   * bundle ran (for a long-lived process; at exit if it ends sooner). Either way the cache holds
   * the functions the process compiled by then, not only the top level.
   */
  writeAfterMs?: number;
}

export interface LoadedBundle<T> {
  exports: T;
  cache: CodeCacheUse;
  /** The cache file this bundle uses. */
  file: string;
}

/** `NAME-WHERE-VERSION.bin` (bundle-cache.ts): checkouts side by side keep their own. */
export function codeCacheFile(name: string, bundle: string, st: fs.Stats = fs.statSync(bundle)): string {
  return bundleCacheFile('code-cache', name, bundle, '.bin', st);
}

/** Runs `bundle` as a CommonJS module, its compilation taken from (or written to) the code cache. */
export function loadWithCodeCache<T>(bundle: string, options: CodeCacheOptions): LoadedBundle<T> {
  const st = fs.statSync(bundle);
  const bytes = fs.readFileSync(bundle);
  // Our bundles are ASCII (scripts/build.mjs): read as Latin-1, the same text without UTF-8 decoding.
  const source = typeof isAscii === 'function' && isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const file = codeCacheFile(options.name, bundle, st);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const cache: CodeCacheUse = !cachedData ? 'none' : script.cachedDataRejected ? 'refused' : 'used';
  if (cache !== 'used' && settledBundle(st)) scheduleWrite(file, script, options.writeAfterMs);
  const m = new Module(bundle, module);
  m.filename = bundle;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  (script.runInThisContext() as (...a: unknown[]) => void).call(m.exports, m.exports, createRequire(bundle), m, bundle, path.dirname(bundle));
  m.loaded = true;
  return { exports: m.exports as T, cache, file };
}

function scheduleWrite(file: string, script: vm.Script, afterMs: number | undefined): void {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    clearTimeout(timer);
    writeCache(file, script);
  };
  const timer = afterMs === undefined ? undefined : setTimeout(write, afterMs);
  timer?.unref();
  process.once('exit', write);
}

function writeCache(file: string, script: vm.Script): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The caches of this bundle's earlier builds go.
    removeOlderBuilds(file);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, file);
  } catch {
    // Not cached: the next start compiles again.
  }
}
