import * as path from 'node:path';
import { BENCH_LIMITS, runBenchJob } from '../../core/jobs/bench';
import { DEFAULT_JOB } from '../../core/runtime/benchmark';
import { loadTargets, type BudgetBreak, type Target } from '../../core/runtime/targets';
import type { BenchmarkResult, LayerProfile, OptLevel } from '../../core/runtime/types';
import { CliError, flag, num, numberIn, str, strs, type Command } from '../command';
import { dimsOption, pairs } from '../data-options';

/** Exit code when the benchmark ran but broke a budget of the target. */
export const EXIT_BUDGET = 3;

const USAGE = `usage: edgewise bench MODEL [--threads 1,2,4] [--runs N] [--warmup N] [--min-duration MS]
                      [--profile] [--input NAME=FILE.npy]... [--dim NAME=VALUE]...
                      [--target NAME] [--targets FILE.json] [--opt-level LEVEL] [--ep cpu,...]
                      [--spinning] [--json]

Measures MODEL with onnxruntime in a fresh child process per thread count, one at a time.
A .tflite model runs on TFLite's WebAssembly interpreter instead (one thread, no per-layer profile).

  --threads LIST      intra-op thread counts; a list is a sweep (default 1, or the target's)
  --runs N            timed runs (default 100); --min-duration MS keeps running until MS have passed
  --warmup N          untimed runs before timing (default 10)
  --profile           per-layer latency from ORT's profiler: at opt level 'disabled' (the model's
                      own node names) and at the chosen level (fused nodes mapped back)
  --profile-runs N    profiled runs per profiling session (default min(runs, 20))
  --input NAME=FILE   feed input NAME from a .npy file (dtype and shape must match)
  --dim NAME=VALUE    value of a symbolic dimension (unset ones are 1, with a warning)
  --target NAME       check budgets of a target (built in: local-cpu, local-cpu-all, edge-small, cortex-m4-256k);
                      --targets FILE adds targets from a JSON array
  --opt-level LEVEL   disabled | basic | extended | all (default all)
  --ep LIST           execution providers by name (default cpu; cpu is always the fallback)
  --spinning          let ORT's idle threads spin (off by default)
  --top N             layers listed in text output (default 15)
  --json              JSON on stdout: one object for one thread count, an array of them (one per
                      thread count, in the order given) for a sweep. Fields: model, threads, p50Ms,
                      p90Ms, p95Ms, p99Ms, minMs, maxMs, meanMs, stdMs, throughputPerSec, initMs,
                      firstRunMs, peakRssBytes, rssAfterLoadBytes, modelBytes, perNode [{name,
                      opType, meanUs, share}] (with --profile, the model's own nodes, slowest
                      first), perNodeOptimized [{..., originalNodes}], profile {coverage,
                      unattributedShare, ...}, profilerOverhead, budgetBreaks [...], machine, ...

Exit status: 0 ok, 1 bad input or a failed benchmark, 2 usage, ${EXIT_BUDGET} a target budget broken, 130 cancelled.`;

export const bench: Command = {
  name: 'bench',
  summary: 'Measure latency, memory and per-layer time with onnxruntime',
  usage: USAGE,
  options: {
    threads: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' }, 'min-duration': { type: 'string' },
    profile: { type: 'boolean' }, 'profile-runs': { type: 'string' }, input: { type: 'string', multiple: true },
    dim: { type: 'string', multiple: true }, target: { type: 'string' }, targets: { type: 'string' },
    'opt-level': { type: 'string' }, ep: { type: 'string' }, spinning: { type: 'boolean' }, top: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const model = path.resolve(file);
    const threadsText = str(args, 'threads');
    const inputFiles: Record<string, string> = {};
    for (const [name, f] of pairs(strs(args, 'input'), 'input')) inputFiles[name] = path.resolve(f);
    const { results, target, budgetBreaks: breaks } = await runBenchJob(model, {
      threads: threadsText !== undefined ? threadsText.split(',').map((t) => numberIn(t, '--threads', BENCH_LIMITS.threads)) : undefined,
      runs: num(args, 'runs', DEFAULT_JOB.runs, BENCH_LIMITS.runs),
      warmup: num(args, 'warmup', DEFAULT_JOB.warmup, BENCH_LIMITS.warmup),
      minDurationMs: num(args, 'min-duration', 0, BENCH_LIMITS.minDurationMs) || undefined,
      profile: flag(args, 'profile'),
      profileRuns: str(args, 'profile-runs') !== undefined ? num(args, 'profile-runs', 0, BENCH_LIMITS.profileRuns) : undefined,
      optLevel: str(args, 'opt-level') as OptLevel | undefined, executionProviders: str(args, 'ep')?.split(','), spinning: flag(args, 'spinning'),
      target: str(args, 'target'), customTargets: str(args, 'targets') ? loadTargets(path.resolve(str(args, 'targets')!)) : undefined,
      dims: dimsOption(args), inputFiles,
      signal: io.signal,
      progress: (m) => io.progress(`bench ${path.basename(model)} ${m}`),
      warn: (w) => io.err(`warning: ${w}`),
    });
    if (flag(args, 'json')) {
      const objs = results.map((r, i) => jsonResult(r, target, breaks[i]));
      io.out(JSON.stringify(objs.length === 1 ? objs[0] : objs, null, 2));
    } else {
      io.out(formatResults(results, breaks, target, num(args, 'top', 15, { min: 1, max: 10_000, integer: true })));
    }
    return breaks.some((b) => b.length > 0) ? EXIT_BUDGET : 0;
  },
};

/** The documented JSON shape: flat latency fields, perNode from the model's own node names. */
export function jsonResult(r: BenchmarkResult, target: Target | undefined, budgetBreaks: BudgetBreak[]) {
  const { samplesMs, ...latency } = r.latency;
  const summary = (p?: LayerProfile) => p && {
    optLevel: p.optLevel, runs: p.runs, droppedRuns: p.droppedRuns, runMeanMs: p.runMeanMs, ortRunMeanMs: p.ortRunMeanMs,
    coverage: p.coverage, coverageOfOrtRun: p.coverageOfOrtRun, unattributedShare: p.unattributedShare,
  };
  return {
    model: r.model, modelBytes: r.modelBytes, threads: r.threads, optLevel: r.optLevel,
    executionProviders: r.executionProviders, spinning: r.spinning, ortVersion: r.ortVersion, machine: r.machine,
    affinity: r.affinity, inputs: r.inputs, warnings: r.warnings, warmup: r.warmup, runs: samplesMs.length,
    ...latency, initMs: r.initMs, firstRunMs: r.firstRunMs,
    peakRssBytes: r.peakRssBytes, rssAfterLoadBytes: r.rssAfterLoadBytes, rssBaselineBytes: r.rssBaselineBytes,
    perNode: r.profile?.nodes.map(({ name, opType, meanUs, share }) => ({ name, opType, meanUs, share })),
    perNodeOptimized: r.profileOptimized?.nodes,
    profile: summary(r.profile), profileOptimized: summary(r.profileOptimized), profilerOverhead: r.profilerOverhead,
    target: target?.name, budgetBreaks: target ? budgetBreaks : undefined, samplesMs,
  };
}

const ms = (v: number) => (v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function formatResults(results: BenchmarkResult[], breaks: BudgetBreak[][], target: Target | undefined, top: number): string {
  const r0 = results[0];
  const lines = [
    `${r0.model}`,
    `  ${mib(r0.modelBytes)}, ${r0.executionProviders[0] === 'tflite-wasm' ? r0.ortVersion : `onnxruntime ${r0.ortVersion} (${r0.executionProviders.join(', ')}), opt level ${r0.optLevel}`}, ` +
      `${r0.machine.cpuModel} (${r0.machine.cores} cores)${r0.affinity ? `, pinned to CPU ${r0.affinity.join(',')}` : ''}`,
    `  inputs: ${r0.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join('x')}]${i.source === 'generated' ? '' : ` from ${i.source}`}`).join(', ')}`,
  ];
  results.forEach((r, i) => {
    const l = r.latency;
    lines.push(
      '',
      `threads ${r.threads}: p50 ${ms(l.p50Ms)} ms  p90 ${ms(l.p90Ms)}  p95 ${ms(l.p95Ms)}  p99 ${ms(l.p99Ms)}  ` +
        `(min ${ms(l.minMs)}, max ${ms(l.maxMs)}, mean ${ms(l.meanMs)} ± ${ms(l.stdMs)}; ${l.samplesMs.length} runs, ${l.throughputPerSec.toFixed(1)}/s)`,
      `  session ${ms(r.initMs)} ms, first run ${ms(r.firstRunMs)} ms, peak RSS ${mib(r.peakRssBytes)} ` +
        `(after load ${mib(r.rssAfterLoadBytes)}, Node alone ${mib(r.rssBaselineBytes)})`,
    );
    if (r.profilerOverhead !== undefined) lines.push(`  profiler overhead ${pct(r.profilerOverhead)} on the median run`);
    if (r.profile) lines.push(...formatProfile(r.profile, top, 'model\'s own nodes'));
    if (r.profileOptimized) lines.push(...formatProfile(r.profileOptimized, top, 'as ORT runs it'));
    if (target) {
      if (breaks[i].length === 0) lines.push(`  target ${target.name}: within every budget`);
      for (const b of breaks[i]) lines.push(`  BUDGET BROKEN (${target.name}): ${b.message}`);
    }
  });
  return lines.join('\n');
}

function formatProfile(p: LayerProfile, top: number, what: string): string[] {
  const out = [
    `  per layer, opt level ${p.optLevel} (${what}), ${p.runs} profiled runs of ${ms(p.runMeanMs)} ms${p.droppedRuns ? ` (${p.droppedRuns} preempted runs left out)` : ''}: ` +
      `kernels explain ${pct(p.coverage)} of the run (${pct(p.coverageOfOrtRun)} of ORT's ${ms(p.ortRunMeanMs)} ms), ${pct(p.unattributedShare)} unattributed`,
  ];
  const width = Math.min(48, Math.max(...p.nodes.slice(0, top).map((n) => n.name.length), 4));
  for (const n of p.nodes.slice(0, top)) {
    const orig = n.originalNodes ? `  <- ${n.originalNodes.length ? n.originalNodes.join(', ') : '(added by ORT)'}` : '';
    out.push(`    ${n.name.padEnd(width)}  ${n.opType.padEnd(16)} ${n.meanUs.toFixed(1).padStart(9)} us  ${pct(n.share).padStart(6)}${orig}`);
  }
  if (p.nodes.length > top) out.push(`    ... ${p.nodes.length - top} more`);
  return out;
}
