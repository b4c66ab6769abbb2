/**
 * The answers a device gives: top-1 of the model's first output over a data set, from a session
 * at the benchmark's settings whose optimized graph is saved, so the kernels ONNX Runtime chose
 * there (fused ops, their domains) are listed beside them. Comparing two devices' top-1 shows
 * whether a model gives the same answers on ARM as on x86.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadModel } from '../formats/onnx/io';
import { modelInputs, npyDataset, type Dataset } from './data';
import { firstSamples } from './data-array';
import { argmaxRows, runDataset } from './infer';
import { sessionOptions } from './session';
import { BenchmarkError, type BenchmarkJob, type OutputCheck } from './types';

type Ort = typeof import('onnxruntime-node');

/** Op types of the optimized graph, with their domain when not the default one, most frequent first. */
function kernels(optimizedFile: string): { op: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const n of loadModel(optimizedFile).graph.proto.node) {
    const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return [...counts].map(([op, count]) => ({ op, count })).sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
}

export async function checkOutputs(ort: Ort, job: BenchmarkJob): Promise<OutputCheck> {
  const check = job.outputCheck!;
  let data: Dataset;
  try {
    const { data: file, count, ...preprocess } = check;
    data = firstSamples(npyDataset(modelInputs(loadModel(job.model)), file, preprocess), count);
  } catch (e) {
    throw new BenchmarkError('input', `${check.data}: ${(e as Error).message}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-check-'));
  const optimized = path.join(dir, 'optimized.onnx');
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(job.model, sessionOptions({
      threads: job.threads, optLevel: job.optLevel, executionProviders: job.executionProviders, spinning: job.spinning, optimizedModelFilePath: optimized,
    }));
    const out = session.outputNames[0];
    const top1 = new Int32Array(data.count);
    await runDataset(session, data, (outputs, start, n) => {
      const t = outputs[out] as Tensor;
      top1.set(argmaxRows(t.data as ArrayLike<number>, (t.data as ArrayLike<number>).length / n), start);
    }, { outputs: [out] });
    await session.release();
    return { data: check.data, samples: data.count, output: out, top1: Array.from(top1), kernels: kernels(optimized) };
  } catch (e) {
    if (e instanceof BenchmarkError) throw e;
    throw new BenchmarkError('model', `${job.model}: checking outputs on ${check.data} failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
