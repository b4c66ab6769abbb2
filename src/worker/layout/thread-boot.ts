/**
 * dist/layout-thread.js, what the worker starts as its layout thread: runs thread.ts
 * (dist/layout-thread-main.js, elkjs inside) compiled with V8's code cache
 * (core/base/code-cache.ts), so a new worker's first elkjs layout does not compile elkjs from
 * source again. The cache is written a few seconds after start, with what the warm-up compiled.
 */
import * as path from 'node:path';
import { loadWithCodeCache } from '../../core/base/code-cache';
import { trace } from '../../core/base/trace';

const WRITE_AFTER_MS = 4000;

const { cache } = loadWithCodeCache(path.join(__dirname, 'layout-thread-main.js'), { name: 'layout-thread', writeAfterMs: WRITE_AFTER_MS });
trace(`layout thread: compiled, code cache ${cache}`);
