import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_LIMITS, runBenchJob } from '../../core/jobs/bench';
import { runFleetJob } from '../../core/jobs/devices';
import { DEFAULT_JOB } from '../../core/runtime/benchmark';
import { knownTargets, resolveTarget } from '../../core/runtime/devices/catalog';
import { recipeTargets } from '../../core/recipe/targets';
import { loadTargets, type Target } from '../../core/runtime/targets';
import type { BenchmarkJob, OptLevel } from '../../core/runtime/types';
import { deviceErrors } from '../device-errors';
import { CliError, flag, num, numberIn, str, strs, type Command, type ParsedArgs } from '../command';
import { DATA_OPTIONS, dataOptions, dataUsage, dimsOption, pairs } from '../data-options';

/** How --check's data is read: the shared data options a .npy file takes (the benchmark itself uses generated inputs). */
const { scale, mean, std, layout, count } = DATA_OPTIONS;
const CHECK_DATA_OPTIONS = { scale, mean, std, layout, count };
import { formatFleet, formatResults, jsonFleet, jsonResult } from './bench-output';
import { prefixed } from '../../core/base/progress';
import { valueRecord } from '../../core/graph/types';

/** Exit code when the benchmark ran but broke a budget of the target. */
export const EXIT_BUDGET = 3;

const USAGE = `usage: edgewise bench MODEL [--threads 1,2,4] [--runs N] [--warmup N] [--min-duration MS]
                      [--profile] [--input NAME=FILE.npy]... [--dim NAME=VALUE]...
                      [--target NAME|ssh://USER@HOST[:PORT]] [--targets A,B,C] [--target-file FILE.json]
                      [--identity FILE] [--known-hosts FILE] [--check DATA.npy [--count N] [--scale S]...]
                      [--opt-level LEVEL] [--ep cpu,...] [--spinning] [--json]

Measures MODEL with onnxruntime in a fresh child process per thread count, one at a time, on this
machine or on a device: over SSH (after 'edgewise device setup'), or the emulated ARM64 device
'qemu-arm64'. A .tflite model runs on TFLite's WebAssembly interpreter (one thread, no per-layer
profile). Energy per inference is measured where the device has a readable power source.

  --threads LIST      intra-op thread counts; a list is a sweep (default 1, or the target's)
  --runs N            timed runs (default 100); --min-duration MS keeps running until MS have passed
  --warmup N          untimed runs before timing (default 10)
  --profile           per-layer latency from ORT's profiler: at opt level 'disabled' (the model's
                      own node names) and at the chosen level (fused nodes mapped back)
  --profile-runs N    profiled runs per profiling session (default min(runs, 20))
  --input NAME=FILE   feed input NAME from a .npy file (dtype and shape must match)
  --dim NAME=VALUE    value of a symbolic dimension (unset ones are 1, with a warning)
  --target NAME|URL   where to run and whose budgets to check (built in: local-cpu, local, local-cpu-all,
                      edge-small, cortex-m4-256k, qemu-arm64; yours from --target-file, the recipe's 'targets:', or
                      'edgewise device add'), or a device as ssh://USER@HOST[:PORT]
  --targets A,B,C     the fleet table: each target in turn; the slowest real device decides. Without
                      --target(s), the 'targets:' of the recipe next to MODEL (edgewise.yaml/.json)
  --target-file FILE  adds targets from a JSON array
  --identity FILE     private key for ssh:// targets (default: the SSH agent, ~/.ssh/id_*)
  --known-hosts FILE  known hosts for ssh:// targets (default ~/.ssh/known_hosts)
  --check DATA.npy    also run DATA through the model on each target: top-1 agreement with the first
                      target and the kernels ORT ran there; read as every command reads data:
${dataUsage(CHECK_DATA_OPTIONS, { indent: '                        ', header: false })}
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
                      unattributedShare, ...}, profilerOverhead, budgetBreaks [...], machine, energy
                      ({available, joulesPerInference, source} or {available: false, reason}),
                      device {target, address, emulated}, ... With --targets: {model, verdict,
                      slowest, targets: [{target, emulated, error, agreement, results: [...]}]}

Exit status: 0 ok, 1 bad input or a failed benchmark, 2 usage, ${EXIT_BUDGET} a target budget broken, 130 cancelled.`;

export const bench: Command = {
  name: 'bench',
  usage: USAGE,
  options: {
    threads: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' }, 'min-duration': { type: 'string' },
    profile: { type: 'boolean' }, 'profile-runs': { type: 'string' }, input: { type: 'string', multiple: true },
    dim: { type: 'string', multiple: true }, target: { type: 'string' }, targets: { type: 'string' }, 'target-file': { type: 'string' },
    identity: { type: 'string' }, 'known-hosts': { type: 'string' }, check: { type: 'string' }, ...CHECK_DATA_OPTIONS,
    'opt-level': { type: 'string' }, ep: { type: 'string' }, spinning: { type: 'boolean' }, top: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const model = path.resolve(file);
    const { target, fleet } = chooseTargets(args, model);
    const threadsText = str(args, 'threads');
    const threads = threadsText !== undefined ? threadsText.split(',').map((t) => numberIn(t, '--threads', BENCH_LIMITS.threads)) : undefined;
    const inputFiles = valueRecord<string>();
    for (const [name, f] of pairs(strs(args, 'input'), 'input')) inputFiles[name] = path.resolve(f);
    const options = {
      threads,
      runs: num(args, 'runs', DEFAULT_JOB.runs, BENCH_LIMITS.runs),
      warmup: num(args, 'warmup', DEFAULT_JOB.warmup, BENCH_LIMITS.warmup),
      minDurationMs: num(args, 'min-duration', 0, BENCH_LIMITS.minDurationMs) || undefined,
      profile: flag(args, 'profile'),
      profileRuns: str(args, 'profile-runs') !== undefined ? num(args, 'profile-runs', 0, BENCH_LIMITS.profileRuns) : undefined,
      dims: dimsOption(args), inputFiles, check: checkOption(args), signal: io.signal,
    };
    if (fleet) {
      const report = await deviceErrors(() => runFleetJob(model, { ...options, targets: fleet, progress: prefixed(io.progress, `bench ${path.basename(model)} on `) }));
      for (const e of report.entries) for (const r of e.results) for (const w of r.warnings) io.err(`warning: ${e.target}: ${w}`);
      io.out(flag(args, 'json') ? JSON.stringify(jsonFleet(report, fleet), null, 2) : formatFleet(report, fleet));
      return report.verdict === 'error' ? 1 : report.verdict === 'fail' ? EXIT_BUDGET : 0;
    }
    const on = target && target.name !== 'local-cpu' ? ` on ${target.name}` : '';
    const { results, budgets, budgetBreaks: breaks } = await deviceErrors(() => runBenchJob(model, {
      ...options, optLevel: str(args, 'opt-level') as OptLevel | undefined, executionProviders: str(args, 'ep')?.split(','), spinning: flag(args, 'spinning'),
      target: target?.name, customTargets: target && [target],
      progress: prefixed(io.progress, `bench ${path.basename(model)}${on} `),
      warn: (w) => io.err(`warning: ${w}`),
    }));
    if (flag(args, 'json')) {
      const objs = results.map((r, i) => jsonResult(r, target, breaks[i]));
      io.out(JSON.stringify(objs.length === 1 ? objs[0] : objs, null, 2));
    } else {
      io.out(formatResults(results, budgets, target, num(args, 'top', 15, { min: 1, max: 10_000, integer: true })));
    }
    return breaks.some((b) => b.length > 0) ? EXIT_BUDGET : 0;
  },
};

/** Which target, or which fleet: --targets, else --target, else the recipe's `targets:` (a fleet), else this machine. */
function chooseTargets(args: ParsedArgs, model: string): { target?: Target; fleet?: Target[] } {
  try {
    const recipe = recipeTargets(path.dirname(model));
    const known = knownTargets({ file: str(args, 'target-file') ? loadTargets(path.resolve(str(args, 'target-file')!)) : [], recipe });
    const ssh = { identity: str(args, 'identity'), knownHosts: str(args, 'known-hosts') };
    const list = str(args, 'targets')?.split(',').map((t) => t.trim()).filter(Boolean);
    const file = list?.find((n) => n.endsWith('.json'));
    if (file) throw new Error(`--targets takes target names (--targets pi4,qemu-arm64,local); a file of targets goes in --target-file ${file}`);
    if (list?.length) return { fleet: list.map((n) => resolveTarget(n, known, ssh)) };
    const one = str(args, 'target');
    if (one) return { target: resolveTarget(one, known, ssh) };
    if (recipe?.names.length) return { fleet: recipe.names.map((n) => resolveTarget(n, known, ssh)) };
    return {};
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
}

function checkOption(args: ParsedArgs): BenchmarkJob['outputCheck'] {
  const data = str(args, 'check');
  const { scale, mean, std, layout, count } = dataOptions(args, () => {});
  if (!data) {
    const given = Object.keys(CHECK_DATA_OPTIONS).find((k) => args.values[k] !== undefined);
    if (given) throw new CliError(`--${given} is for the data of --check; give --check DATA.npy`, 2);
    return undefined;
  }
  const abs = path.resolve(data);
  if (!fs.existsSync(abs)) throw new CliError(`${abs}: no such file (--check)`);
  return { data: abs, scale, mean, std, layout, count };
}
