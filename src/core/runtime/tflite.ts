import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type * as LiteRt from '@litertjs/core';
import { loadTflite, type TfliteModel } from '../tflite/model';
import { tfliteRuntimeBlockers, tfliteRuntimeMessage } from '../tflite/runtime-support';

/** Input/output data LiteRT.js accepts (float32, int32, uint8 tensors). */
export type TfliteData = Float32Array | Int32Array | Uint8Array;

export interface TfliteIo {
  /** The tensor's name in the model (as the graph view shows it). */
  name: string;
  dtype: 'float32' | 'int32' | 'uint8';
  /** Concrete shape the model runs with (dynamic dimensions pinned to the stored size, usually 1). */
  shape: number[];
}

/** Thrown for a model LiteRT.js cannot run; the message is the one-line CLI message. */
export class TfliteRuntimeUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfliteRuntimeUnsupported';
  }
}

let runtime: Promise<{ lrt: typeof LiteRt; log: string[] }> | undefined;

/**
 * Loads LiteRT.js (WebAssembly, from the package's own wasm/ folder: nothing is fetched). It is
 * written for browsers and loads its Emscripten script through `importScripts` or a <script>
 * tag; Node gets an `importScripts` that runs the script here with Node's require. The runtime's
 * log lines are kept (for error messages) instead of printed.
 */
function loadRuntime(): Promise<{ lrt: typeof LiteRt; log: string[] }> {
  return (runtime ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lrt = require('@litertjs/core') as typeof LiteRt;
    const wasmDir = path.join(path.dirname(require.resolve('@litertjs/core/package.json')), 'wasm');
    const log: string[] = [];
    const keep = (line: string) => { log.push(line); if (log.length > 50) log.shift(); };
    const g = globalThis as Record<string, unknown>;
    g.self ??= globalThis;
    g.Module = { print: keep, printErr: keep };
    g.importScripts = (url: string) => {
      const file = url.startsWith('file:') ? new URL(url).pathname : url;
      const factory = vm.runInThisContext(
        `(function (require, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\nreturn ModuleFactory;})`,
        { filename: file },
      ) as (r: NodeRequire, f: string, d: string) => unknown;
      g.ModuleFactory = factory(require, file, path.dirname(file));
    };
    // There is no WebGPU in Node: the runtime warns once while creating its environment; keep that quiet.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => keep(args.map(String).join(' '));
    try {
      await lrt.loadLiteRt(wasmDir + path.sep);
    } finally {
      console.warn = warn;
      delete g.importScripts;
    }
    return { lrt, log };
  })());
}

/** One compiled .tflite model on LiteRT.js's CPU (XNNPACK) accelerator. */
export class TfliteSession {
  private constructor(
    readonly file: string,
    readonly inputs: TfliteIo[],
    readonly outputs: TfliteIo[],
    private readonly lrt: typeof LiteRt,
    private readonly compiled: LiteRt.CompiledModel,
  ) {}

  /**
   * Throws TfliteRuntimeUnsupported (one line) for models LiteRT.js cannot run; `skipChecks`
   * tries anyway (a newer LiteRT.js may lift a limit), and reports the runtime's own error.
   */
  static async create(file: string, options: { skipChecks?: boolean } = {}): Promise<TfliteSession> {
    const model = loadTflite(file);
    const blockers = options.skipChecks ? [] : tfliteRuntimeBlockers(model);
    if (blockers.length > 0) throw new TfliteRuntimeUnsupported(tfliteRuntimeMessage(model.file, blockers));
    const { lrt, log } = await loadRuntime();
    const main = model.subgraphs[0];
    const io = (i: number): TfliteIo => ({ name: main.tensors[i].name, dtype: main.tensors[i].dtype as TfliteIo['dtype'], shape: main.tensors[i].shape });
    const before = log.length;
    try {
      const compiled = await lrt.loadAndCompile(pinnedBytes(model), { accelerator: 'wasm' });
      return new TfliteSession(model.file, main.inputs.map(io), main.outputs.map(io), lrt, compiled);
    } catch (e) {
      throw new TfliteRuntimeUnsupported(`${model.file}: LiteRT.js could not load the model: ${runtimeError(e, log.slice(before))}`);
    }
  }

  /** Runs once; inputs in the order of `inputs`, outputs in the order of `outputs`. */
  async run(feeds: TfliteData[]): Promise<TfliteData[]> {
    if (feeds.length !== this.inputs.length) throw new Error(`${this.file}: expects ${this.inputs.length} inputs, got ${feeds.length}`);
    const tensors = feeds.map((data, k) => new this.lrt.Tensor(data as LiteRt.TypedArray, this.inputs[k].shape));
    try {
      const results = await this.compiled.run(tensors);
      try {
        return results.map((t) => t.toTypedArray().slice() as TfliteData);
      } finally {
        for (const t of results) t.delete();
      }
    } finally {
      for (const t of tensors) t.delete();
    }
  }

  dispose(): void {
    this.compiled.delete();
  }
}

/**
 * The model bytes with -1 (dynamic) dimensions of input/output shape signatures replaced by the
 * stored shape: LiteRT.js has no way to resize an input, and rejects a [1, 1] tensor for [-1, 1].
 * A copy: the file's bytes are not changed.
 */
function pinnedBytes(model: TfliteModel): Uint8Array {
  const main = model.subgraphs[0];
  const whole = model.readRange(0, model.fileBytes);
  let copy: Uint8Array | null = null;
  for (const i of [...main.inputs, ...main.outputs]) {
    const t = main.tensors[i];
    if (!t.shapeSignature || t.shapeSignatureAt === null || !t.shapeSignature.some((d) => d < 0)) continue;
    copy ??= whole.slice();
    const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
    t.shapeSignature.forEach((d, k) => { if (d < 0) view.setInt32(t.shapeSignatureAt! + 4 * k, Math.max(t.shape[k] ?? 1, 1), true); });
  }
  return copy ?? whole;
}

function runtimeError(e: unknown, log: string[]): string {
  const errors = log.filter((l) => l.startsWith('ERROR')).map((l) => l.replace(/^ERROR: (\[[^\]]*\] )?/, ''));
  const unique = [...new Set(errors)];
  const own = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return unique.length ? `${unique.slice(0, 2).join('; ')} (${own})` : own;
}
