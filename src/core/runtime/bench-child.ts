/**
 * The benchmark child process (dist/bench-child.js): receives one job over IPC, measures, sends
 * progress and one result, exits. A fresh process per job keeps peak RSS the model's own and
 * lets a native crash end only this process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadModel } from '../formats/onnx/io';
import { formatOf } from '../formats/open';
import { tfliteFormat } from '../formats/tflite/descriptor';
import { timedWithEnergy } from './energy-phase';
import { checkOutputs } from './output-check';
import { measureTfliteJob } from './tflite-bench';
import { describeInputs, planInputs, type InputSpec } from './inputs';
import { cpuAffinity, machineInfo } from './machine';
import { findProfileFile, layerProfile, mapOptimizedNodes, readTrace, type NodeIO } from './profile';
import { providerList, sessionOptions } from './session';
import { latencyStats, median } from './stats';
import {
  BenchmarkError, type BenchmarkJob, type BenchmarkProgress, type BenchmarkResult, type ChildMessage,
  type LayerProfile, type OptLevel,
} from './types';
import { ipcChannel, stdioChannel, type ParentChannel } from './child-channel';
import { relayStdio } from './stdio-relay';

type Ort = typeof import('onnxruntime-node');
type Feeds = Record<string, Tensor>;

const PROFILE_WARMUP = 2;

// Node IPC when forked; JSON lines on stdio only under qemu-user (see the entry at the end).
let channel: ParentChannel;

function send(msg: ChildMessage): Promise<void> {
  return channel.send(msg);
}

function progress(job: BenchmarkJob, p: Omit<BenchmarkProgress, 'threads' | 'pid'>): void {
  void send({ type: 'progress', progress: { ...p, threads: job.threads, pid: process.pid } });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim()).find(Boolean) ?? 'unknown error';
}

async function createSession(ort: Ort, job: BenchmarkJob, extra: { optLevel?: OptLevel; profileFilePrefix?: string; optimizedModelFilePath?: string } = {}): Promise<InferenceSession> {
  try {
    return await ort.InferenceSession.create(job.model, sessionOptions({
      threads: job.threads, interOpThreads: job.interOpThreads, optLevel: extra.optLevel ?? job.optLevel,
      executionProviders: job.executionProviders, spinning: job.spinning,
      profileFilePrefix: extra.profileFilePrefix, optimizedModelFilePath: extra.optimizedModelFilePath,
    }));
  } catch (e) {
    const eps = providerList(job.executionProviders);
    // With another provider asked for, the failure is usually the device, not the model.
    const what = eps.length > 1 ? `onnxruntime cannot create a session with providers ${eps.join(', ')}` : 'onnxruntime cannot load it';
    throw new BenchmarkError('model', `${job.model}: ${what}: ${firstLine(e)}`);
  }
}

async function timedRun(session: InferenceSession, feeds: Feeds, model: string): Promise<number> {
  const t0 = performance.now();
  try {
    await session.run(feeds);
  } catch (e) {
    throw new BenchmarkError('model', `${model}: onnxruntime failed to run it: ${firstLine(e)}`);
  }
  return performance.now() - t0;
}

async function runLoop(job: BenchmarkJob, session: InferenceSession, feeds: Feeds, phase: 'warmup' | 'runs', count: number, minMs = 0): Promise<number[]> {
  const samples: number[] = [];
  const start = performance.now();
  // With a time to fill, the number of runs is not known in advance: at least `count`, until `minMs` have passed.
  const planned = (now: number) => (minMs > 0 ? { atLeast: count, minMs, elapsedMs: now - start } : { total: count });
  // A phase reports when it starts (a fast phase still shows up; bench:device times the start of the timed runs).
  progress(job, { phase, done: 0, ...planned(start) });
  let lastReport = start;
  while (samples.length < count || performance.now() - start < minMs) {
    samples.push(await timedRun(session, feeds, job.model));
    const now = performance.now();
    if (now - lastReport > 200) {
      lastReport = now;
      progress(job, { phase, done: samples.length, ...planned(now) });
    }
  }
  progress(job, { phase, done: samples.length, ...planned(performance.now()) });
  return samples;
}

/**
 * Profiles `runs` runs (after a short warm-up) in a fresh session with ORT's profiler on. With
 * `compare`, a plain session at the same level runs alternately with it, so the profiler's
 * overhead is measured under the same load (a noisy machine drifts between separate loops).
 */
async function profiledRuns(ort: Ort, job: BenchmarkJob, feeds: Feeds, dir: string, optLevel: OptLevel, opts: { optimizedModelFilePath?: string; compare?: boolean } = {}): Promise<{ profile: LayerProfile; overhead?: number }> {
  const prefix = path.join(dir, `profile-${optLevel}`);
  const session = await createSession(ort, job, { optLevel, profileFilePrefix: prefix, optimizedModelFilePath: opts.optimizedModelFilePath });
  const plain = opts.compare ? await createSession(ort, job, { optLevel }) : undefined;
  const runs = job.profileRuns ?? Math.max(1, Math.min(job.runs, 20));
  const phase = opts.optimizedModelFilePath ? 'profile-optimized' : 'profile';
  const profiled: number[] = [];
  const unprofiled: number[] = [];
  let lastReport = 0;
  for (let i = 0; i < PROFILE_WARMUP + runs; i++) {
    // Alternate which goes first, so cache warmth from the other session favours neither.
    const plainFirst = plain && i % 2 === 1;
    const u0 = plainFirst ? await timedRun(plain, feeds, job.model) : 0;
    const t = await timedRun(session, feeds, job.model);
    const u = plain && !plainFirst ? await timedRun(plain, feeds, job.model) : u0;
    if (i >= PROFILE_WARMUP) { profiled.push(t); unprofiled.push(u); }
    if (i === 0 || performance.now() - lastReport > 250) {
      lastReport = performance.now();
      progress(job, { phase, done: i + 1, total: PROFILE_WARMUP + runs });
    }
  }
  session.endProfiling();
  await session.release();
  await plain?.release();
  return {
    profile: layerProfile(readTrace(findProfileFile(prefix)), profiled, optLevel),
    overhead: plain ? median(profiled) / median(unprofiled) - 1 : undefined,
  };
}

function nodeIO(file: string): { nodes: NodeIO[]; inputs: string[] } {
  const model = loadModel(file);
  const g = model.graph.proto;
  return {
    nodes: g.node.map((n) => ({ name: n.name, opType: n.opType, inputs: n.input, outputs: n.output })),
    inputs: [...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name)],
  };
}

/** The CPUs the child is pinned to, when that is fewer than the machine has. */
function pinnedCpus(): number[] | undefined {
  const cpus = cpuAffinity();
  return cpus && cpus.length < os.cpus().length ? cpus : undefined;
}

export async function measure(ort: Ort, job: BenchmarkJob): Promise<BenchmarkResult> {
  const rssBaselineBytes = process.memoryUsage().rss;
  const modelBytes = fs.statSync(job.model).size;
  progress(job, { phase: 'load' });
  const t0 = performance.now();
  const session = await createSession(ort, job);
  const initMs = performance.now() - t0;
  const rssAfterLoadBytes = process.memoryUsage().rss;

  const specs: InputSpec[] = session.inputMetadata.map((m) => {
    if (!m.isTensor) throw new BenchmarkError('input', `${job.model}: input '${m.name}' is not a tensor; only tensor inputs can be benchmarked`);
    return { name: m.name, dtype: m.type, shape: m.shape };
  });
  const plan = planInputs(specs, job.dims, job.inputFiles);
  const feeds: Feeds = Object.fromEntries(plan.inputs.map((i) => [i.name, new ort.Tensor(i.dtype as Tensor.Type, i.data as Tensor.DataType, i.shape)]));

  progress(job, { phase: 'first-run' });
  const firstRunMs = await timedRun(session, feeds, job.model);
  await runLoop(job, session, feeds, 'warmup', job.warmup);
  const { samples, energy } = await timedWithEnergy(job.energy, () => runLoop(job, session, feeds, 'runs', job.runs, job.minDurationMs));
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  await session.release();

  const result: BenchmarkResult = {
    model: job.model, modelBytes, threads: job.threads, optLevel: job.optLevel,
    executionProviders: providerList(job.executionProviders), spinning: job.spinning,
    ortVersion: ort.env.versions.node ?? ort.env.versions.common, machine: machineInfo(), affinity: pinnedCpus(),
    inputs: describeInputs(plan.inputs), warnings: plan.warnings, warmup: job.warmup,
    initMs, firstRunMs, latency: latencyStats(samples), peakRssBytes, rssAfterLoadBytes, rssBaselineBytes, energy,
  };
  if (job.profile) await addProfiles(ort, job, feeds, result);
  if (job.outputCheck) result.outputCheck = await checkOutputs(ort, job);
  return result;
}

async function addProfiles(ort: Ort, job: BenchmarkJob, feeds: Feeds, result: BenchmarkResult): Promise<void> {
  const dir = job.scratchDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-profile-'));
  try {
    if (!job.layersOnly || job.optLevel === 'disabled') {
      const own = await profiledRuns(ort, job, feeds, dir, 'disabled', { compare: job.optLevel === 'disabled' && !job.layersOnly });
      result.profile = own.profile;
      result.profilerOverhead = own.overhead;
    }
    if (job.optLevel !== 'disabled') {
      const optimizedFile = path.join(dir, 'optimized.onnx');
      const opt = await profiledRuns(ort, job, feeds, dir, job.optLevel, { optimizedModelFilePath: optimizedFile, compare: !job.layersOnly });
      const original = nodeIO(job.model);
      const mapping = mapOptimizedNodes(original.nodes, nodeIO(optimizedFile).nodes, original.inputs);
      for (const n of opt.profile.nodes) n.originalNodes = mapping.get(n.name) ?? [];
      result.profileOptimized = opt.profile;
      result.profilerOverhead = opt.overhead;
    }
  } finally {
    if (!job.scratchDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const msg = await channel.receive();
  if (msg.type === 'probe') {
    const ort = require('onnxruntime-node') as Ort;
    await send({ type: 'facts', facts: { machine: machineInfo(), ortVersion: ort.env.versions.node ?? ort.env.versions.common } });
    process.exit(0);
  }
  const job = msg.job;
  try {
    // .tflite files run on TFLite's WebAssembly interpreter; everything else on onnxruntime.
    const result = formatOf(job.model) === tfliteFormat
      ? await measureTfliteJob(job, (p) => progress(job, p))
      : await measure(require('onnxruntime-node') as Ort, job);
    await send({ type: 'result', result });
  } catch (e) {
    const kind = e instanceof BenchmarkError ? e.kind : 'internal';
    await send({ type: 'error', kind, message: e instanceof BenchmarkError ? e.message : `${job.model}: ${firstLine(e)}` });
  }
  process.exit(0);
}

/**
 * Started through a device's shell (`--stdio`), this process relays to a forked copy of itself, so
 * the timed process is the one that runs locally. Under qemu-user (`--in-process`) a fork could
 * not start the arm64 Node, and an emulator's latency is never compared, so it measures itself.
 */
if (require.main === module) {
  const stdio = process.argv.includes('--stdio');
  if (stdio && !process.argv.includes('--in-process')) {
    relayStdio(__filename);
  } else {
    channel = stdio ? stdioChannel() : ipcChannel();
    void main();
  }
}
