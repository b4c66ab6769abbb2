/**
 * dist/worker.js, what the extension forks: runs the worker (dist/worker-main.js, main.ts) compiled
 * with V8's code cache (core/base/code-cache.ts). Compiling the 3 MB bundle was most of a cold
 * worker's start, which a user opening a first model waits for. The cache is written a few seconds
 * after start (the worker lives long), with what the first open compiled.
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { loadWithCodeCache } from '../core/base/code-cache';
import { trace } from '../core/base/trace';
import { v8TieringFlags, V8_FLAGS_SET } from '../core/base/v8-tiering';

/** Late enough for a first open to have compiled its functions, early enough to be written in most sessions. */
const WRITE_AFTER_MS = 4000;

// Set here, before the bundle is compiled, not on the command line: under any V8 flag given at
// start Node refuses its own built-ins' code cache and compiles them (about 20 ms of a cold start).
const flags = v8TieringFlags(process.versions.v8);
for (const flag of flags) v8.setFlagsFromString(flag);
(globalThis as { [V8_FLAGS_SET]?: string[] })[V8_FLAGS_SET] = flags;

const { cache } = loadWithCodeCache(path.join(__dirname, 'worker-main.js'), { name: 'worker', writeAfterMs: WRITE_AFTER_MS });
trace(`worker: compiled, code cache ${cache}`);
