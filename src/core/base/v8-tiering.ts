/**
 * V8's tiering thresholds 15 times the defaults, for the processes that run a burst of code once
 * per model: the worker (worker/boot.ts) and its layout process
 * (worker/layout/snapshot-blob.ts). Opening a model runs the decoder's and the view graph's code
 * once over every node, and a first screen's layout runs elkjs's very large functions: at V8's
 * default thresholds much of that turns hot enough for the optimising compilers, whose compiling
 * on V8's background threads (and deoptimising, on little type feedback) took more CPU than the
 * work itself, on the 2 cores the page loads on. PP-OCRv4 rec opened second: 80-110 ms of it
 * besides 50-80 ms on the worker's main thread in Node 20, 60-80 ms of Maglev in Node 24; npm run
 * bench:open, 6 runs each with and without: a warm open's first frame 300 instead of 364 ms on
 * PP-OCRv4 rec, 208 instead of 274 on the CNN. A long job's loops still reach the optimising
 * tiers. The worker sets them itself as it starts (worker/boot.ts, v8.setFlagsFromString), before
 * it compiles its bundle: given on its command line, any V8 flag made Node refuse its own code
 * cache of its built-in modules (about 20 ms more to start a worker, a cold open's). The layout
 * process gets them on its command line: a snapshot starts only with the flags it was built with.
 *
 * The flags' names depend on V8's version; these are those of V8 10.2 and 11.3 (Node 18 and 20)
 * and of 12.4 to 14.1 (Node 22 to 25), read from `node --v8-options`; V8 11.8 (Node 21) has
 * neither.
 */

/** The flags for a runtime whose V8 is `v8` (`process.versions.v8`); none where the names are not known. */
export function v8TieringFlags(v8: string): string[] {
  const [major, minor] = v8.split('.').map(Number);
  const version = major * 100 + minor;
  if (!Number.isFinite(version)) return [];
  if (version <= 1103) return ['--interrupt-budget=1000000'];
  if (version >= 1204) return ['--invocation-count-for-maglev=6000', '--invocation-count-for-turbofan=45000'];
  return [];
}

/** Where the worker keeps the flags it set (globalThis[V8_FLAGS_SET]), for its workerInfo. */
export const V8_FLAGS_SET = Symbol.for('edgewise.v8FlagsSet');
