import type { Model } from '../formats/onnx/model';
import type { Dataset } from './data';
import { throwIfCancelled } from '../base/cancel';
import { stepSession, type SharedSession } from './ort-session';
import { spreadOf } from './stats';

export interface QuickLatency {
  p50Ms: number;
  /** Run-to-run spread: the interquartile range of the runs, ms. */
  spreadMs: number;
  runs: number;
  threads: number;
}

/**
 * A quick in-process latency: a few warm-up runs, then the median of up to `runs` runs of one
 * batch, stopping after `budgetMs`. Not a benchmark (that runs in its own process): a sanity figure.
 */
export async function quickLatency(
  model: string | Model | SharedSession, data: Dataset, options: { threads?: number; runs?: number; budgetMs?: number; signal?: AbortSignal } = {},
): Promise<QuickLatency> {
  const threads = options.threads ?? 1;
  const { session, release } = await stepSession(model, { threads });
  try {
    const feeds = data.batch(0, Math.min(data.maxBatch, data.count, data.fixedBatch ? data.maxBatch : 1));
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const times: number[] = [];
    const deadline = performance.now() + (options.budgetMs ?? 3000);
    while (times.length < (options.runs ?? 30) && (times.length < 5 || performance.now() < deadline)) {
      throwIfCancelled(options.signal);
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50Ms: times[Math.floor(times.length / 2)], spreadMs: spreadOf(times), runs: times.length, threads };
  } finally {
    await release();
  }
}
