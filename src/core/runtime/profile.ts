import * as fs from 'node:fs';
import * as path from 'node:path';
import { median, spreadOf } from './stats';
import type { LayerProfile, NodeLatency, OptLevel } from './types';
import { shareOf } from '../base/bounded';

/** One event of ORT's Chrome-trace profile (the fields Edgewise reads). */
export interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; provider?: string };
}

/**
 * The trace ORT wrote for `profileFilePrefix` (it appends `_<timestamp>.json`; Node's
 * endProfiling() does not return the name). The newest match wins.
 */
export function findProfileFile(prefix: string): string {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix) + '_';
  const matches = fs.readdirSync(dir)
    .filter((f) => f.startsWith(base) && f.endsWith('.json'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (matches.length === 0) throw new Error(`no profile file '${base}*.json' in ${dir}`);
  return matches[0];
}

export function readTrace(file: string): TraceEvent[] {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TraceEvent[];
}

const KERNEL = '_kernel_time';

/** Runs slower than this multiple of the median run are dropped as preemption (a shared machine). */
const OUTLIER = 2;

/**
 * Mean kernel time per node over the last `wallMs.length` model runs of the trace (earlier runs
 * are warm-up), as a share of the wall time of those runs measured by the caller around
 * session.run (`wallMs[i]` is run i). Runs over twice the median wall time are left out of every
 * figure, so a preemption between kernels does not count as unattributed time.
 */
export function layerProfile(events: readonly TraceEvent[], wallMs: readonly number[], optLevel: OptLevel): LayerProfile {
  const runs = wallMs.length;
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  if (modelRuns.length < runs) throw new Error(`the profile holds ${modelRuns.length} runs, expected at least ${runs}`);
  const windows = modelRuns.slice(modelRuns.length - runs);
  const limit = OUTLIER * median(wallMs);
  const keep = wallMs.map((w) => w <= limit);
  const kept = keep.filter(Boolean).length;
  const totals = new Map<string, { opType: string; us: number; perRun: number[] }>();
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith(KERNEL) && e.ts >= windows[0].ts).sort((a, b) => a.ts - b.ts);
  let w = 0;
  for (const e of kernels) {
    while (w < windows.length - 1 && e.ts >= windows[w + 1].ts) w++;
    if (!keep[w]) continue;
    const name = e.name.slice(0, -KERNEL.length);
    const t = totals.get(name) ?? { opType: e.args?.op_name ?? '', us: 0, perRun: new Array<number>(runs).fill(0) };
    t.us += e.dur;
    t.perRun[w] += e.dur;
    totals.set(name, t);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const runMeanMs = mean(wallMs.filter((_, i) => keep[i]));
  const ortRunMeanMs = mean(windows.filter((_, i) => keep[i]).map((e) => e.dur)) / 1000;
  const runUs = runMeanMs * 1000;
  const nodes: NodeLatency[] = [...totals].map(([name, t]) => ({
    name, opType: t.opType, meanUs: t.us / kept, share: shareOf(t.us / kept, runUs), medianUs: median(t.perRun.filter((_, i) => keep[i])),
    spreadUs: spreadOf(t.perRun.filter((_, i) => keep[i])),
  }))
    .sort((a, b) => b.meanUs - a.meanUs);
  const kernelUs = nodes.reduce((a, n) => a + n.meanUs, 0);
  const coverage = shareOf(kernelUs, runUs);
  return {
    optLevel, runs: kept, droppedRuns: runs - kept, runMeanMs, runMedianMs: median(wallMs.filter((_, i) => keep[i])), ortRunMeanMs, coverage,
    coverageOfOrtRun: shareOf(kernelUs, ortRunMeanMs * 1000), unattributedShare: 1 - coverage, nodes,
  };
}

/** A node reduced to what the mapping needs. */
export interface NodeIO {
  name: string;
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
}

/**
 * Which of the model's own nodes each node of ORT's optimized graph stands for. ORT names a fused
 * node after one of the originals ('fused /7/Gemm'), an NCHWc node after an original tensor
 * ('/1/Relu_output_0_nchwc'), extends one ('/m/MatMul/MatMulAddFusion'), or keeps the name; it renames the tensors in between. A node
 * claims the original it is named after, or else the producers of the original tensors it
 * outputs, then walks back through original tensors that vanished from the optimized graph (they
 * were fused away). Nodes ORT added (layout reorders) map to [].
 */
export function mapOptimizedNodes(original: readonly NodeIO[], optimized: readonly NodeIO[], graphInputs: readonly string[] = []): Map<string, string[]> {
  const byName = new Map(original.filter((n) => n.name).map((n) => [n.name, n]));
  const producer = new Map<string, NodeIO>();
  for (const n of original) for (const o of n.outputs) producer.set(o, n);
  const present = new Set<string>(graphInputs);
  for (const n of optimized) for (const t of [...n.inputs, ...n.outputs]) present.add(t);
  // 'X/MatMulAddFusion', 'X_token_3': the longest original name the node's name extends.
  const byPrefix = (name: string): NodeIO | undefined => {
    for (let k = name.length - 1; k > 0; k--) {
      if (name[k] !== '/' && name[k] !== '_') continue;
      const n = byName.get(name.slice(0, k));
      if (n) return n;
    }
    return undefined;
  };
  const claimed = new Map<NodeIO, string>();
  const result = new Map<string, string[]>(optimized.map((n) => [n.name, []]));

  const claim = (opt: NodeIO, seed: NodeIO) => {
    const stack = [seed];
    while (stack.length) {
      const n = stack.pop()!;
      if (claimed.has(n)) continue;
      claimed.set(n, opt.name);
      result.get(opt.name)!.push(n.name);
      for (const i of n.inputs) {
        const p = producer.get(i);
        if (p && !present.has(i) && !claimed.has(p)) stack.push(p);
      }
    }
  };
  // Pass 1: by name, the strongest evidence.
  for (const opt of optimized) {
    const seed = byName.get(opt.name) ?? byName.get(opt.name.replace(/^fused /, '')) ?? producer.get(opt.name.replace(/_nchwc$/, '')) ?? byPrefix(opt.name);
    if (seed && !claimed.has(seed)) claim(opt, seed);
  }
  // Pass 2: by the original tensors a node still outputs.
  for (const opt of optimized) {
    for (const o of opt.outputs) {
      const p = producer.get(o);
      if (p && !claimed.has(p)) claim(opt, p);
    }
  }
  return result;
}
