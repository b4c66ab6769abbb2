/** Latency and peak RAM for recipe budgets: a short benchmark in a fresh child process. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import { saveModel } from '../formats/onnx/io';
import { DEFAULT_JOB, runBenchmark } from '../runtime/benchmark';

/** Few runs so `edgewise run` stays quick; the benchmark command gives the careful figure. */
export const RECIPE_BENCH = { warmup: 5, runs: 30 };

export async function measureModel(model: Model, file: string): Promise<{ latencyMs: number; ramBytes: number }> {
  let target = file;
  let tmp: string | undefined;
  if (!fs.existsSync(file)) {
    // A dry run has no output file; the child loads the model from disk.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-recipe-'));
    target = saveModel(model, path.join(tmp, 'model.onnx')).file;
  }
  try {
    const r = await runBenchmark({ ...DEFAULT_JOB, ...RECIPE_BENCH, model: path.resolve(target) });
    return { latencyMs: r.latency.p50Ms, ramBytes: r.peakRssBytes };
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
