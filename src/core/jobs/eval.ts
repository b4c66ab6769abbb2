/** `edgewise eval`: a model over a data set, top-1/top-5 with labels (ONNX in ORT, TFLite in its interpreter). */
import * as path from 'node:path';
import { evaluateModel, type EvalResult } from '../analysis/accuracy';
import { evaluateTflite, tfliteInputSpecs } from '../analysis/tflite-eval';
import { loadModel } from '../formats/onnx/io';
import { formatOf } from '../formats/open';
import { tfliteFormat } from '../formats/tflite/descriptor';
import { loadDataset, loadDatasetFor, type DataOptions } from '../runtime/data';
import type { JobHooks } from './job';
import { counter } from '../base/progress';

/** Eval options (the job contract: jobs/job.ts); the data options are the CLI's (`--scale` is `scale`). */
export interface EvalJobOptions extends DataOptions, JobHooks {
  /** Samples (.npy, a folder of .npy files or images); random with a warning when absent. */
  data?: string;
  /** Integer labels, one per sample (.npy or text): top-1/top-5. */
  labels?: string;
  /** ONNX Runtime intra-op threads (default 1). */
  threads?: number;
}

export type EvalJobResult = EvalResult;

export async function runEvalJob(input: string, o: EvalJobOptions): Promise<EvalJobResult> {
  const progress = counter(o.progress, 'evaluating', 'samples', (share) => share);
  if (formatOf(input) === tfliteFormat) {
    // TFLite's WebAssembly interpreter, one sample per run (see src/core/analysis/tflite-eval.ts).
    const data = await loadDatasetFor(tfliteInputSpecs(input), input, o.data, o, o.labels);
    return evaluateTflite(path.resolve(input), data, data.labels, { signal: o.signal, progress });
  }
  const model = loadModel(input);
  const data = await loadDataset(model, o.data, o, o.labels);
  return evaluateModel(model.label, data, data.labels, { threads: o.threads ?? 1, signal: o.signal, progress });
}
