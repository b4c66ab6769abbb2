/** `edgewise diff` and "Compare Models...": two models' graphs matched node by node and classified. */
import * as path from 'node:path';
import { diffModels } from '../analysis/diff/diff';
import type { ModelDiff } from '../analysis/diff/types';
import { openModel } from '../formats/open';
import type { OpenModel } from './inspect';
import { throwIfCancelled, type JobHooks } from './job';

export type { ModelDiff, NodeDiff, DiffStatus, WeightDiff } from '../analysis/diff/types';

/** Diff options (the job contract: jobs/job.ts). */
export interface DiffJobOptions extends JobHooks {
  /** Match by node and value names first (default true); false matches by graph structure alone. */
  names?: boolean;
}

/** Reads A and B (any formats) and diffs their main graphs; weights are compared in place, nothing is written. */
export async function runDiffJob(a: string, b: string, o: DiffJobOptions = {}, open: OpenModel = openModel): Promise<ModelDiff> {
  o.progress?.('reading models', 0);
  const left = { file: path.resolve(a), reader: open(a) };
  const right = { file: path.resolve(b), reader: open(b) };
  throwIfCancelled(o.signal);
  return diffModels(left, right, { names: o.names, signal: o.signal, progress: o.progress });
}
