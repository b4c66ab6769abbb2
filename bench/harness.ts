/**
 * Honest numbers: is the p50 that `edgewise bench` reports the p50 of a bare session.run loop?
 * For each model, alternates many short rounds of (edgewise benchmark child, bare loop in a fresh
 * process) under the same conditions (this machine is shared and its load drifts: short
 * alternating rounds and the median of per-round ratios cancel most of that), then one profiled edgewise run for the profiler's overhead and the
 * per-layer coverage.
 *
 *   npm run bench:harness -- [MODEL...] [--rounds N] [--runs N]
 *
 * Default models: test/fixtures/fmnist_cnn.onnx, bench/models/resnet18.onnx,
 * bench/models/mobilenet_v2.onnx (make them with `/usr/bin/python3 bench/models/make_models.py`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_JOB, runBenchmark } from '../src/core/runtime/benchmark';
import { median } from '../src/core/runtime/stats';

const ROOT = path.resolve(__dirname, '..');
const { values, positionals } = parseArgs({ options: { rounds: { type: 'string' }, runs: { type: 'string' } }, allowPositionals: true });
const rounds = Number(values.rounds ?? 20);
const runs = Number(values.runs ?? 20);
const warmup = 10;
const models = positionals.length ? positionals.map((m) => path.resolve(m)) : [
  path.join(ROOT, 'test/fixtures/fmnist_cnn.onnx'),
  path.join(ROOT, 'bench/models/resnet18.onnx'),
  path.join(ROOT, 'bench/models/mobilenet_v2.onnx'),
];

// Measure the bundle the CLI runs, not the TypeScript source.
const childScript = path.join(ROOT, 'dist/bench-child.js');
if (!fs.existsSync(childScript)) throw new Error(`${childScript} is missing: run npm run build`);

/** 95% interval of the median of `xs` by bootstrap resampling (seeded, so reruns agree). */
function bootstrapMedian(xs: number[], draws = 2000): [number, number] {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const meds: number[] = [];
  for (let d = 0; d < draws; d++) meds.push(median(xs.map(() => xs[Math.floor(rand() * xs.length)])));
  meds.sort((a, b) => a - b);
  return [meds[Math.floor(draws * 0.025)], meds[Math.floor(draws * 0.975)]];
}

const load = () => os.loadavg().map((v) => v.toFixed(1)).join(' ');

const spread = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / median(xs);
const f = (v: number, d = 3) => v.toFixed(d);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function bareLoop(model: string): number {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'bare-loop.cjs'), model, String(warmup), String(runs)], { encoding: 'utf8' });
  return (JSON.parse(out) as { p50Ms: number }).p50Ms;
}

async function main(): Promise<void> {
  console.log(`harness: ${rounds} alternating rounds per model, ${warmup} warm-up + ${runs} runs each, 1 thread, opt level all, spinning off`);
  console.log(`machine: ${os.cpus()[0]?.model}, ${os.cpus().length} CPUs, load average ${load()} (1/5/15 min)`);
  for (const model of models) {
    if (!fs.existsSync(model)) {
      console.log(`\n${model}: missing (make it with /usr/bin/python3 bench/models/make_models.py, or pass a path)`);
      continue;
    }
    const job = { ...DEFAULT_JOB, model, warmup, runs };
    const ours: number[] = [];
    const bare: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first so drift in the machine's load does not favour one.
      if (r % 2 === 0) {
        ours.push((await runBenchmark(job, { childScript })).latency.p50Ms);
        bare.push(bareLoop(model));
      } else {
        bare.push(bareLoop(model));
        ours.push((await runBenchmark(job, { childScript })).latency.p50Ms);
      }
    }
    const profiled = await runBenchmark({ ...job, runs: 20, profile: true, profileRuns: 50 }, { childScript });
    const ratios = ours.map((v, i) => v / bare[i]);
    const ratio = median(ratios);
    console.log(`\n${path.basename(model)}`);
    console.log(`  p50 edgewise bench  ${ours.map((v) => f(v)).join(', ')} ms  (median ${f(median(ours))}, spread ${pct(spread(ours))})`);
    console.log(`  p50 bare run loop   ${bare.map((v) => f(v)).join(', ')} ms  (median ${f(median(bare))}, spread ${pct(spread(bare))})`);
    console.log(`  per-round ratios    ${ratios.map((v) => f(v)).join(', ')}`);
    const [lo, hi] = bootstrapMedian(ratios);
    console.log(`  RATIO edgewise/bare ${f(ratio)} (median of per-round ratios; 95% interval ${f(lo)}-${f(hi)}), ` +
      `${f(median(ours) / median(bare))} ratio of medians, ${f(Math.min(...ours) / Math.min(...bare))} ratio of best rounds ` +
      `(${Math.abs(ratio - 1) <= 0.03 ? 'within' : 'OUTSIDE'} 3%)`);
    console.log(`  load average now    ${load()}`);
    console.log(`  profiler overhead   ${pct(profiled.profilerOverhead ?? NaN)} on the median run (opt level all, profiled and plain sessions alternating run by run)`);
    for (const p of [profiled.profile!, profiled.profileOptimized!]) {
      console.log(`  per-layer coverage  opt ${p.optLevel.padEnd(8)} ${p.nodes.length} nodes: kernels ${pct(p.coverage)} of the wall-clock run ` +
        `(${f(p.runMeanMs)} ms), ${pct(p.coverageOfOrtRun)} of ORT's model_run (${f(p.ortRunMeanMs)} ms); unattributed ${pct(p.unattributedShare)}`);
    }
    const mapped = profiled.profileOptimized!.nodes.filter((n) => n.originalNodes!.length > 0).length;
    console.log(`  fused names mapped  ${mapped}/${profiled.profileOptimized!.nodes.length} optimized nodes to the model's own nodes`);
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
