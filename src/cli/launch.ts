/**
 * How `edgewise` (bin/edgewise.js) starts the CLI bundle: compiled with V8's code cache
 * (core/base/code-cache.ts). Compiling the 6 MB bundle was about a third of every command's start,
 * before any work (see bench:device's phase marks).
 */
import * as path from 'node:path';
import { loadWithCodeCache } from '../core/base/code-cache';
import { trace } from '../core/base/trace';

interface CliModule { main(argv: string[]): Promise<number> }

/** The bundle's exports, its compilation taken from (or, at exit, written to) the code cache. */
export function loadCli(bundle: string): CliModule {
  const loaded = loadWithCodeCache<CliModule>(bundle, { name: 'cli' });
  trace(`launch: compiled, code cache ${loaded.cache}`);
  return loaded.exports;
}

/** Runs the CLI with `argv`, setting the exit code. */
export function launch(argv: string[]): void {
  loadCli(path.join(__dirname, 'cli.js')).main(argv).then((code) => { process.exitCode = code; });
}
