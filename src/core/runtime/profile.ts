import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LayerProfile, NodeLatency, OptLevel } from './types';

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

/**
 * Mean kernel time per node over the last `runs` model runs of the trace (earlier runs are
 * warm-up), as a share of `runMeanMs`, the wall time of a profiled run measured by the caller.
 */
export function layerProfile(events: readonly TraceEvent[], runs: number, runMeanMs: number, optLevel: OptLevel): LayerProfile {
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  if (modelRuns.length < runs) throw new Error(`the profile holds ${modelRuns.length} runs, expected at least ${runs}`);
  const kept = modelRuns.slice(modelRuns.length - runs);
  const from = kept[0].ts;
  const ortRunMeanMs = kept.reduce((a, e) => a + e.dur, 0) / runs / 1000;
  const totals = new Map<string, { opType: string; us: number }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith(KERNEL) || e.ts < from) continue;
    const name = e.name.slice(0, -KERNEL.length);
    const t = totals.get(name) ?? { opType: e.args?.op_name ?? '', us: 0 };
    t.us += e.dur;
    totals.set(name, t);
  }
  const runUs = runMeanMs * 1000;
  const nodes: NodeLatency[] = [...totals].map(([name, t]) => ({ name, opType: t.opType, meanUs: t.us / runs, share: t.us / runs / runUs }))
    .sort((a, b) => b.meanUs - a.meanUs);
  const kernelUs = nodes.reduce((a, n) => a + n.meanUs, 0);
  const coverage = kernelUs / runUs;
  return { optLevel, runs, runMeanMs, ortRunMeanMs, coverage, coverageOfOrtRun: kernelUs / (ortRunMeanMs * 1000), unattributedShare: 1 - coverage, nodes };
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
 * ('/1/Relu_output_0_nchwc'), or keeps the name; it renames the tensors in between. A node
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
    const seed = byName.get(opt.name) ?? byName.get(opt.name.replace(/^fused /, '')) ?? producer.get(opt.name.replace(/_nchwc$/, ''));
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
