import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { loadTflite } from '../formats/tflite/model';
import { TFLITE_RUNTIME, tfliteRuntimeMessage, tfliteRuntimePlan } from '../formats/tflite/runtime-support';

/** Element data of one input or output. */
export type TfliteData = Int8Array | Uint8Array | Int16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface TfliteIo {
  name: string;
  dtype: string;
  shape: number[];
}

/** Thrown for a model the runtime cannot run; the message is the one-line CLI message. */
export class TfliteRuntimeUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfliteRuntimeUnsupported';
  }
}

/** The slice of the TFLite Web API (tflite_web_api_client) Edgewise uses. */
interface WebTensorInfo { name: string; dataType: string; shape: string; data(): TfliteData }
interface WebModelRunner {
  getInputs(): WebTensorInfo[];
  getOutputs(): WebTensorInfo[];
  infer(): boolean;
  cleanUp(): void;
}
interface WebApi {
  tflite_web_api: { setWasmPath(path: string): void };
  TFLiteWebModelRunner: { create(model: ArrayBuffer, options: { numThreads?: number; enableProfiling?: boolean }): Promise<WebModelRunner> };
}

interface Runtime { api: WebApi; log: string[] }

let runtime: Promise<Runtime> | undefined;

/**
 * Loads TensorFlow Lite's WebAssembly build (the TFLite Web API inside `@tensorflow/tfjs-tflite`,
 * XNNPACK on the CPU; its wasm files ship in the package: nothing is fetched). It is written for
 * browsers; in Node it gets, for the time of loading only: `self`/`location` as a Web Worker has
 * them, an `importScripts` that runs the Emscripten script with the wasm bytes read from disk, and
 * no `MessageChannel` so that it picks its single-threaded build (its threads need Web Workers).
 * The runtime's log lines are kept for error messages instead of printed.
 */
async function loadRuntime(): Promise<Runtime> {
  const wasmDir = runtimeDir() + path.sep;
  const log: string[] = [];
  const keep = (line: string) => { log.push(line); if (log.length > 200) log.shift(); };
  const g = globalThis as Record<string, unknown>;
  const saved = { self: g.self, location: g.location, MessageChannel: g.MessageChannel };
  g.self = globalThis;
  g.location = { origin: 'file://', href: `file://${wasmDir}` };
  g.MessageChannel = undefined;
  g.importScripts = (url: string) => {
    const file = url.startsWith('file:') ? new URL(url).pathname : url;
    const factory = vm.runInThisContext(`(function () {${fs.readFileSync(file, 'utf8')}\nreturn tflite_web_api_ModuleFactory;})`, { filename: file })() as (m: object) => unknown;
    const wasmBinary = fs.readFileSync(file.replace(/\.js$/, '.wasm'));
    g.tflite_web_api_ModuleFactory = (moduleArg: object) => factory(Object.assign(moduleArg, { wasmBinary, print: keep, printErr: keep }));
  };
  try {
    const client = path.join(wasmDir, 'tflite_web_api_client.js');
    const exportsObject: { tfweb?: WebApi } = {};
    vm.runInThisContext(`(function (exports) {${fs.readFileSync(client, 'utf8')}\n})`, { filename: client }).call(globalThis, exportsObject);
    const api = exportsObject.tfweb ?? (g.tfweb as WebApi | undefined);
    if (!api) throw new Error(`${client} did not define the TFLite Web API`);
    api.tflite_web_api.setWasmPath(wasmDir);
    // The first create() loads the Emscripten module, which needs the shims above; an empty model
    // is refused only after that, so this loads the runtime and nothing else.
    await api.TFLiteWebModelRunner.create(new ArrayBuffer(0), { numThreads: 1 }).catch(() => undefined);
    return { api, log };
  } finally {
    delete g.importScripts;
    delete g.tflite_web_api_ModuleFactory;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete g[k];
      else g[k] = v;
    }
  }
}

/** dist/tflite next to the bundles (scripts/build.mjs copies it), else the package's wasm/ (tests, tsx). */
function runtimeDir(): string {
  const bundled = path.join(__dirname, 'tflite');
  if (fs.existsSync(path.join(bundled, 'tflite_web_api_client.js'))) return bundled;
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

/** One model on TFLite's WebAssembly interpreter (single-threaded, XNNPACK). */
export class TfliteSession {
  private constructor(
    readonly file: string,
    readonly inputs: TfliteIo[],
    readonly outputs: TfliteIo[],
    /** What was changed in the copy the interpreter runs (see tfliteRuntimePlan). */
    readonly warnings: string[],
    private readonly runner: WebModelRunner,
  ) {}

  /**
   * Throws TfliteRuntimeUnsupported (one line) for models the runtime cannot run; `skipChecks`
   * tries anyway and reports the runtime's own error.
   */
  static async create(file: string, options: { skipChecks?: boolean } = {}): Promise<TfliteSession> {
    const model = loadTflite(file);
    const plan = options.skipChecks ? { blockers: [], repairs: [], warnings: [] } : tfliteRuntimePlan(model);
    if (plan.blockers.length > 0) throw new TfliteRuntimeUnsupported(tfliteRuntimeMessage(model.file, plan.blockers));
    const rt = await (runtime ??= loadRuntime().catch((e) => { runtime = undefined; throw e; }));
    // The interpreter takes its own copy of the bytes; repairs go into that copy, never the file.
    const bytes = model.readRange(0, model.fileBytes);
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const view = new DataView(copy);
    for (const r of plan.repairs) view.setInt32(r.at, r.value, true);
    const before = rt.log.length;
    let runner: WebModelRunner;
    try {
      runner = await rt.api.TFLiteWebModelRunner.create(copy, { numThreads: 1 });
    } catch (e) {
      throw new TfliteRuntimeUnsupported(`${model.file}: ${TFLITE_RUNTIME} could not load the model: ${runtimeError(e, rt.log.slice(before))}`);
    }
    const io = (t: WebTensorInfo): TfliteIo => ({ name: t.name, dtype: t.dataType, shape: t.shape.split(',').filter((d) => d !== '').map(Number) });
    return new TfliteSession(model.file, runner.getInputs().map(io), runner.getOutputs().map(io), plan.warnings, runner);
  }

  /** Runs once; inputs in the order of `inputs`, outputs (copies) in the order of `outputs`. */
  async run(feeds: TfliteData[]): Promise<TfliteData[]> {
    const targets = this.runner.getInputs();
    if (feeds.length !== targets.length) throw new Error(`${this.file}: expects ${targets.length} inputs, got ${feeds.length}`);
    feeds.forEach((data, k) => {
      const view = targets[k].data();
      if (data.constructor !== view.constructor || data.length !== view.length) {
        throw new Error(`${this.file}: input '${targets[k].name}' takes ${view.length} ${targets[k].dataType} values, got ${data.length} (${data.constructor.name})`);
      }
      view.set(data as never);
    });
    if (!this.runner.infer()) throw new Error(`${this.file}: the TFLite interpreter failed to run the model`);
    return this.runner.getOutputs().map((t) => t.data().slice());
  }

  dispose(): void {
    this.runner.cleanUp();
  }
}

function runtimeError(e: unknown, log: string[]): string {
  const errors = [...new Set(log.filter((l) => l.startsWith('ERROR')).map((l) => l.replace(/^ERROR: /, '')))];
  const own = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return errors.length ? `${errors.slice(0, 2).join('; ')} (${own})` : own;
}
