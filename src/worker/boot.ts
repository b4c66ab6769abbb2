/**
 * dist/worker.js, what the extension forks: runs the worker (dist/worker-main.js, main.ts) compiled
 * with V8's code cache (core/base/code-cache.ts). Compiling the 3 MB bundle was most of a cold
 * worker's start, which a user opening a first model waits for. The cache is written a few seconds
 * after start (the worker lives long), with what the first open compiled.
 */
import * as path from 'node:path';
import { loadWithCodeCache } from '../core/base/code-cache';
import { trace } from '../core/base/trace';

/** Late enough for a first open to have compiled its functions, early enough to be written in most sessions. */
const WRITE_AFTER_MS = 4000;

const { cache } = loadWithCodeCache(path.join(__dirname, 'worker-main.js'), { name: 'worker', writeAfterMs: WRITE_AFTER_MS });
trace(`worker: compiled, code cache ${cache}`);
