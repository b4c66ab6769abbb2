/**
 * What latency-aware mixed precision needs: each layer's INT8 gain from per-layer profiles of the
 * float and the all-INT8 model (per-kernel medians, as `analyze --latency` measures them), and a
 * clock that times a candidate model in a fresh benchmark process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import { saveModel } from '../formats/onnx/io';
import { DEFAULT_JOB, runBenchmark } from '../runtime/benchmark';
import type { LayerQuantizer } from './quantizer';
import type { MixedPrecisionOptions } from './mixed-precision';
import { profilePair } from './pair-latency';
import { timed } from './noise';

export interface LatencyProbe extends Required<Pick<MixedPrecisionOptions, 'latency' | 'latencyOf'>> {
  /** Removes the candidates' temp files. */
  dispose(): void;
}

export async function latencyProbe(
  model: Model, quantizer: LayerQuantizer, options: { signal?: AbortSignal; progress?: (message: string) => void } = {},
): Promise<LatencyProbe> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-mixed-'));
  let n = 0;
  const save = (m: Model) => saveModel(m, path.join(dir, `candidate-${n++}.onnx`)).file;
  try {
    const layers = new Set(quantizer.layers);
    const all = await quantizer.build(layers);
    options.progress?.('profiling the float and the all-INT8 model per layer');
    const pair = await profilePair(model, all.model, { signal: options.signal, useFiles: false });
    return {
      latency: pair.gains.filter((g) => layers.has(g.layer)),
      latencyOf: async (m) => timed((await runBenchmark({ ...DEFAULT_JOB, runs: 40, warmup: 5, model: save(m) }, { signal: options.signal })).latency.samplesMs),
      dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
