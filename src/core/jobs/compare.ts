/** `edgewise compare`: two models on the same data, output by output, with file sizes and a quick p50. */
import * as fs from 'node:fs';
import { compareModels, type CompareResult } from '../analysis/accuracy';
import { loadModel } from '../formats/onnx/io';
import { loadDataset, type DataOptions } from '../runtime/data';
import { quickLatency } from '../runtime/quick-bench';
import { openSession, type SharedSession } from '../runtime/ort-session';
import { throwIfCancelled, type JobHooks } from './job';
import { counter } from '../base/progress';
import { compareTimes, type LatencyVerdict } from '../analysis/noise';

/** Compare options (the job contract: jobs/job.ts); the data options are the CLI's. */
export interface CompareJobOptions extends DataOptions, JobHooks {
  /** Samples both models run on; random with a warning when absent. */
  data?: string;
  labels?: string;
  /** ONNX Runtime intra-op threads (default 1). */
  threads?: number;
  /** Skip the quick in-process p50 of each model. */
  skipLatency?: boolean;
}

export interface CompareJobResult extends CompareResult {
  fileBytes: { a: number; b: number };
  /** Quick p50s, and B against A by the one noise rule (analysis/noise.ts) with the least difference that counts, ms. */
  latency?: { aP50Ms: number; bP50Ms: number; threads: number; note: string; verdict: LatencyVerdict; noiseMs: number };
}

/** Runs A (the reference) and B on the same inputs and compares every output they share. */
export async function runCompareJob(a: string, b: string, o: CompareJobOptions): Promise<CompareJobResult> {
  const ma = loadModel(a);
  loadModel(b);
  const data = await loadDataset(ma, o.data, o, o.labels);
  const threads = o.threads ?? 1;
  // One session per model for the comparison and the timing (SharedSession in runtime/ort-session.ts).
  let sa: SharedSession | undefined;
  let sb: SharedSession | undefined;
  try {
    sa = { label: a, session: await openSession(a, { threads }) };
    sb = { label: b, session: await openSession(b, { threads }) };
    const r = await compareModels(sa, sb, data, data.labels, { threads, signal: o.signal, progress: counter(o.progress, 'comparing', 'samples', (share) => share) });
    const fileBytes = { a: fs.statSync(a).size, b: fs.statSync(b).size };
    let latency: CompareJobResult['latency'];
    if (!o.skipLatency) {
      throwIfCancelled(o.signal);
      const la = await quickLatency(sa, data, { threads, signal: o.signal });
      const lb = await quickLatency(sb, data, { threads, signal: o.signal });
      const { verdict, noise } = compareTimes({ median: lb.p50Ms, spread: lb.spreadMs }, { median: la.p50Ms, spread: la.spreadMs });
      latency = { aP50Ms: la.p50Ms, bP50Ms: lb.p50Ms, threads, note: 'quick in-process median', verdict, noiseMs: noise };
    }
    return { ...r, fileBytes, latency };
  } finally {
    await sa?.session.release();
    await sb?.session.release();
  }
}
