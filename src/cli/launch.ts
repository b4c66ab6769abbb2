/**
 * How `edgewise` (bin/edgewise.js) starts the CLI bundle: compiled with V8's code cache, kept in the
 * cache folder. Compiling the 6 MB bundle was about a third of every command's start, before any
 * work (see bench:device's phase marks). The cache is named after the bundle's version (inode,
 * size, modification and change times) and Node's, and V8 itself refuses a cache made by another
 * V8 or for a source of another length; a refused or unreadable cache only means compiling as
 * before. A bundle modified in the last seconds is not cached (as with file hashes: a coarse clock
 * could hide a second write).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { cacheDir } from '../core/base/cache-dir';
import { trace } from '../core/base/trace';

const TRUST_AFTER_MS = 2000;

interface CliModule { main(argv: string[]): Promise<number> }

const hash = (parts: unknown[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);

/** `cli-WHERE-VERSION.bin`: one file per installed bundle (checkouts side by side keep their own). */
function cacheFile(bundle: string, st: fs.Stats): string {
  return path.join(cacheDir(), 'code-cache', `cli-${hash([bundle])}-${hash([process.version, process.arch, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs])}.bin`);
}

/** The bundle's exports, its compilation taken from (or, at exit, written to) the code cache. */
export function loadCli(bundle: string): CliModule {
  const st = fs.statSync(bundle);
  const source = fs.readFileSync(bundle, 'utf8');
  const file = cacheFile(bundle, st);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  trace(`launch: compiled, code cache ${!cachedData ? 'none' : script.cachedDataRejected ? 'refused' : 'used'}`);
  const m = new Module(bundle, module);
  m.filename = bundle;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  (script.runInThisContext() as (...a: unknown[]) => void).call(m.exports, m.exports, createRequire(bundle), m, bundle, path.dirname(bundle));
  m.loaded = true;
  const settled = Math.max(st.mtimeMs, st.ctimeMs) < Date.now() - TRUST_AFTER_MS;
  if ((!cachedData || script.cachedDataRejected) && settled) {
    // At exit the cache holds the functions this command compiled too, not only the top level.
    process.once('exit', () => writeCache(file, script));
  }
  return m.exports as CliModule;
}

function writeCache(file: string, script: vm.Script): void {
  try {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true });
    // The caches of this bundle's earlier builds go.
    const where = path.basename(file).split('-').slice(0, 2).join('-');
    for (const old of fs.readdirSync(dir)) if (old.startsWith(`${where}-`) && old.endsWith('.bin') && old !== path.basename(file)) fs.rmSync(path.join(dir, old), { force: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, file);
  } catch {
    // Not cached: the next command compiles again.
  }
}

/** Runs the CLI with `argv`, setting the exit code. */
export function launch(argv: string[]): void {
  loadCli(path.join(__dirname, 'cli.js')).main(argv).then((code) => { process.exitCode = code; });
}
