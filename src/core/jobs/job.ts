/**
 * The contract every job follows. A job is one user action (quantize, prune, mixed precision; next
 * analyze, bench, eval, compare; later train, finetune, distill, export, device bench, release...)
 * that the CLI, the worker and recipes all run the same way, as one exported function:
 *
 *   export async function runFooJob(input: string, options: FooJobOptions): Promise<FooJobResult>
 *
 * in `src/core/jobs/<action>.ts`. A job may use every core layer below it (formats, passes,
 * runtime, analysis...; scripts/check-imports.ts enforces the order), never src/worker,
 * src/extension, src/cli or vscode.
 *
 * 1. Options: one typed object `FooJobOptions extends JobHooks` (plus `OutputOptions` when it
 *    writes a file). Everything but the hooks is plain JSON, so the worker's request parameters are
 *    `Omit<FooJobOptions, keyof JobHooks>` and a recipe passes the same names as the CLI: never a
 *    hand copy. Defaults live in the job, not in its callers.
 * 2. Check before working: option values, the input (open it), data and labels, and the output
 *    (`resolveOutput`), all before the first long step. A problem is an Error whose one-line message
 *    names the file and the problem; the CLI prints it, the worker returns it, nothing crashes.
 * 3. Progress: `progress?.(message, fraction?, count?)`: a short line for people ('calibration
 *    40/100 samples'), when known the fraction of the whole job done, in [0, 1], and for a
 *    countable step its count (`counter` in base/progress.ts makes all three), from which the CLI
 *    draws a bar with rate and time left (src/cli/progress.ts). Throttle calls from hot loops
 *    (`throttled` in runtime/throttle.ts). `warn?.(message)` for things the user should
 *    know that do not stop the job (also return them in the result).
 * 4. Cancellation: pass `signal` down to every step that takes one and call
 *    `throwIfCancelled(signal)` between steps; a cancelled job ends with `CancelledError` (the one
 *    class, defined in base/cancel.ts so lower layers throw it too: the CLI exits 130, the worker
 *    answers "cancelled"). A step that reports an abort its own way (BenchmarkError 'cancelled')
 *    is turned into CancelledError by the job. Heavy native work runs in a child process that is
 *    killed on abort (runtime/benchmark.ts does this).
 * 5. Output: decide the path with `resolveOutput` first (default: a sibling of the input,
 *    `model.<tag>.onnx`, with the job's tag in OUTPUT_TAGS so the extension can suggest the same
 *    name; never the input; the folder exists and is writable; an existing file only with
 *    `force`), write it atomically (temp file + rename: `atomicWrite`, or the format's saver such
 *    as `saveModel`), and wrap the steps after the write in `removeOnFailure`, so a failed or
 *    cancelled job leaves nothing behind.
 * 6. Result: plain data (sizes, reports, findings), never formatted text: the CLI formats it, the
 *    extension shows it, a recipe checks budgets on it.
 * 7. Record: export the job through `recordedJob` (runs/record.ts) with what its record should say
 *    (the files it reads and writes, keyed by their options; its figures): every run, from any
 *    caller, then leaves one record in `.edgewise/runs/` that `edgewise runs` and the Runs view read.
 *
 * Then: a CLI command in src/cli/commands/ that parses arguments into the options and prints the
 * result; a worker request in src/worker/protocol.ts with a handler that calls the job.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export { CancelledError, throwIfCancelled } from '../base/cancel';
export { atomicWrite } from '../base/atomic-file';
import { fileIdentity, sameFile } from '../base/file-identity';

export type { Progress, ProgressCount } from '../base/progress';
import type { Progress } from '../base/progress';

/** What every job takes besides its own options; the caller's, never sent over the wire. */
export interface JobHooks {
  /** Aborting ends the job with CancelledError, leaving no output behind. */
  signal?: AbortSignal;
  progress?: Progress;
  /** Something the user should know that does not stop the job. */
  warn?: (message: string) => void;
}

/** Options of a job that writes a file next to its input. */
export interface OutputOptions {
  /** Output path; default `resolveOutput`'s sibling of the input. */
  out?: string;
  /** Replace an existing output file (never the input). */
  force?: boolean;
}

/** The tag in each model-writing job's default output name (`model.<tag>.onnx`); quantize uses its mode. Add yours. */
export const OUTPUT_TAGS = { prune: 'pruned', mixedPrecision: 'static', recipe: 'edge', flAggregate: 'fedavg', finetune: 'finetuned', distill: 'distilled', edit: 'edited' } as const;

/** The default output next to the input: `model.onnx` + 'int8' -> `model.int8.onnx` (`ext` for a conversion: '.tflite'). */
export function siblingPath(input: string, tag: string, ext?: string): string {
  const own = path.extname(input);
  return path.join(path.dirname(input), `${path.basename(input, own)}.${tag}${ext ?? (own || '.onnx')}`);
}

/** What `resolveOutput` checks besides the output options. */
export interface OutputCheck extends OutputOptions {
  /** The job's tag in the default name (`model.<tag>.onnx`). */
  tag: string;
  /** The output's extension when it differs from the input's ('.tflite'). */
  ext?: string;
  /**
   * Every other file the job reads: the input's external data, data, labels. The output never
   * replaces one of them, nor the input, even with `force`.
   */
  reads?: readonly (string | undefined)[];
  /** Files the job writes beside the output (an ONNX model's external data file), checked the same way. */
  companions?: (output: string) => string[];
}

/**
 * Where a job will write, checked before any work: `out`, else the sibling with `tag`. Fails when
 * the output (or a companion) is the input or a file the job reads, compared by identity (device
 * and inode, or real path for a file not yet written, so links and `dir/../` spellings are caught)
 * whatever `force` says; when its folder is missing or not writable; or when it exists and `force`
 * is not set.
 */
export function resolveOutput(input: string, o: OutputCheck): string {
  const file = path.resolve(o.out ?? siblingPath(input, o.tag, o.ext));
  const protectedFiles = [input, ...(o.reads ?? [])].filter((f): f is string => !!f).map((f) => fileIdentity(path.resolve(f)));
  for (const target of [file, ...(o.companions?.(file) ?? [])]) {
    const id = fileIdentity(target);
    const hit = protectedFiles.find((p) => sameFile(p, id));
    if (hit) {
      const what = hit.file === path.resolve(input) ? 'the input model' : `'${hit.file}', which this job reads`;
      throw new Error(`${file}: ${target === file ? 'is' : `would write '${target}', which is`} ${what}; choose another output path`);
    }
  }
  checkOutputFolder(path.dirname(file), { forFile: file });
  if (fs.existsSync(file) && !o.force) throw new Error(`${file}: already exists; pass --force to replace it or choose another --out`);
  return file;
}

/**
 * The folder a job writes into, checked before any work: it is a folder (not a file, nor a path
 * under one) and a file can be created in it. The check creates and removes a probe file, so it
 * sees what the write will see: modes, read-only mounts, immutable folders, and a root user whom
 * modes do not stop. `create`: the folder may not exist yet (the job makes it); its nearest
 * existing parent is checked instead. The message names `forFile` (the output) when given.
 */
export function checkOutputFolder(dir: string, o: { forFile?: string; create?: boolean } = {}): void {
  const abs = path.resolve(dir);
  const name = o.forFile ?? abs;
  let existing = abs;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) throw new Error(`${name}: '${existing}' is a file, not a folder`);
  if (existing !== abs && !o.create) throw new Error(`${name}: the output folder '${abs}' does not exist`);
  const probe = path.join(existing, `.edgewise-write-check.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
  } catch (e) {
    throw new Error(`${name}: the output folder '${existing}' is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  fs.rmSync(probe, { force: true });
}

/**
 * Runs the steps that follow writing `files` (evaluation, timing...); if they fail or are
 * cancelled, removes those files (undefined entries skipped) before rethrowing, so the job
 * leaves nothing behind.
 */
export async function removeOnFailure<T>(files: readonly (string | undefined)[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    for (const f of files) if (f) fs.rmSync(f, { force: true, recursive: true });
    throw e;
  }
}
