/**
 * A model's peak RSS from its newest recorded benchmark (`.edgewise/runs/`: `edgewise bench` in a
 * terminal, or Benchmark Model in an earlier window), for the inspector and the memory overlay's
 * message when no benchmark ran in this window. A record counts only while the model's content is
 * what the benchmark measured (its SHA-256, hashed streamed and remembered per file version).
 */
import * as path from 'node:path';
import { fileSha256 } from '../core/base/file-hash';
import type { MeasuredPeakRss } from '../../webview/messages';
import type { RunNode } from './runs-view';

/** The benchmarked model of a bench record: its path on this machine and its hash then. */
function benchedModel(run: RunNode): { file: string; sha256: string } | undefined {
  const r = run.record;
  if (r.kind !== 'bench' || r.status !== 'ok' || r.metrics.peakRssBytes === undefined) return undefined;
  const f = r.inputs.find((i) => i.role === 'input');
  return f && { file: path.resolve(run.root, f.path), sha256: f.sha256 };
}

/** The newest record's figure (runs: newest first), or undefined when none measured this content. */
export async function recordedPeakRss(runs: readonly RunNode[], file: string): Promise<MeasuredPeakRss | undefined> {
  const target = path.resolve(file);
  const mine = runs.filter((run) => benchedModel(run)?.file === target);
  if (!mine.length) return undefined;
  let sha256: string;
  try {
    sha256 = await fileSha256(target);
  } catch {
    return undefined;
  }
  const hit = mine.find((run) => benchedModel(run)!.sha256 === sha256);
  if (!hit) return undefined;
  const r = hit.record;
  const when = r.startedAt.slice(0, 16).replace('T', ' ');
  return { bytes: r.metrics.peakRssBytes!, how: `recorded benchmark of ${when} UTC on ${r.target} (run ${r.id})` };
}
