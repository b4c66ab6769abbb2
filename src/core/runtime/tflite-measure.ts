import { performance } from 'node:perf_hooks';
import { TfliteSession, type TfliteData, type TfliteIo } from './tflite';

/** What a timed run of a .tflite measured (the bench child maps it onto its BenchmarkResult). */
export interface TfliteMeasurement {
  inputs: TfliteIo[];
  /** Changes made to the copy the interpreter runs (see tfliteRuntimePlan). */
  warnings: string[];
  /** Loading the model into the interpreter (the first call also loads the runtime), ms. */
  initMs: number;
  firstRunMs: number;
  /** Each timed run, ms, in order. */
  samplesMs: number[];
}

export interface TfliteMeasureOptions {
  warmup: number;
  runs: number;
  /** Keep running past `runs` until this much time has passed in the timed loop. */
  minDurationMs?: number;
  /** Input data in the order of the model's inputs, or made from them; generated (seeded) when absent. */
  feeds?: TfliteData[] | ((inputs: TfliteIo[]) => TfliteData[]);
  signal?: AbortSignal;
  /** Runs the timed loop (a benchmark wraps it to measure energy around it). */
  timedLoop?: (loop: () => Promise<number[]>) => Promise<number[]>;
  /** Called when loading is done and before the first run. */
  onPhase?: (phase: 'first-run' | 'warmup' | 'runs') => void;
  /** Called after each timed run with the runs done and the time spent in the timed loop so far. */
  onRun?: (done: number, elapsedMs: number) => void;
}

export async function measureTflite(file: string, options: TfliteMeasureOptions): Promise<TfliteMeasurement> {
  const t0 = performance.now();
  const session = await TfliteSession.create(file);
  const initMs = performance.now() - t0;
  try {
    const feeds = typeof options.feeds === 'function' ? options.feeds(session.inputs) : (options.feeds ?? generatedFeeds(session.inputs));
    const timed = async () => {
      const t = performance.now();
      await session.run(feeds);
      return performance.now() - t;
    };
    options.onPhase?.('first-run');
    const firstRunMs = await timed();
    options.onPhase?.('warmup');
    for (let i = 0; i < options.warmup; i++) await timed();
    options.onPhase?.('runs');
    const loop = async () => {
      const samples: number[] = [];
      const start = performance.now();
      while (samples.length < options.runs || performance.now() - start < (options.minDurationMs ?? 0)) {
        if (options.signal?.aborted) throw new Error(`${file}: cancelled`);
        samples.push(await timed());
        options.onRun?.(samples.length, performance.now() - start);
      }
      return samples;
    };
    const samplesMs = options.timedLoop ? await options.timedLoop(loop) : await loop();
    return { inputs: session.inputs, warnings: session.warnings, initMs, firstRunMs, samplesMs };
  } finally {
    session.dispose();
  }
}

/** Seeded data in each input's range: the full range of 8-bit types, small values otherwise. */
export function generatedFeeds(inputs: TfliteIo[], seed = 1): TfliteData[] {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return inputs.map((io) => {
    const n = io.shape.reduce((a, d) => a * Math.max(d, 1), 1);
    switch (io.dtype) {
      case 'int8': return Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128);
      case 'uint8': return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      case 'int16': return Int16Array.from({ length: n }, () => Math.floor(rand() * 2048) - 1024);
      case 'int32': return Int32Array.from({ length: n }, () => Math.floor(rand() * 16));
      case 'uint32': return Uint32Array.from({ length: n }, () => Math.floor(rand() * 16));
      case 'float64': return Float64Array.from({ length: n }, rand);
      case 'float32': return Float32Array.from({ length: n }, rand);
      default: throw new Error(`input '${io.name}' is ${io.dtype}: no generated data for it`);
    }
  });
}
