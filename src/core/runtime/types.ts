/**
 * What a benchmark is asked to do and what it measured. Plain JSON, so it crosses the child
 * process, the worker protocol and `edgewise bench --json` unchanged; formatting lives in callers.
 */
import type { EnergyOptions } from './devices/energy/source';

export type OptLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** One benchmark of one model at one thread count, run in its own child process. */
export interface BenchmarkJob {
  /** Absolute path of the model file. */
  model: string;
  threads: number;
  /** Inter-op threads (only used by the parallel execution mode); default 1. */
  interOpThreads?: number;
  warmup: number;
  runs: number;
  /** Keep running past `runs` until this much time has passed in the timed loop. */
  minDurationMs?: number;
  optLevel: OptLevel;
  /** Execution providers by name, in order of preference ('cpu' is always the fallback). */
  executionProviders: string[];
  /** Let ORT's worker threads spin while idle (off by default: it hurts when others are busy). */
  spinning: boolean;
  /** Symbolic dimension values ({batch: 4}); unknown ones default to 1 with a warning. */
  dims: Record<string, number>;
  /** Input name -> .npy file; inputs not listed are generated. */
  inputFiles: Record<string, string>;
  /** Per-layer latency from ORT's profiler, in extra sessions after the timed runs. */
  profile: boolean;
  /** Runs per profiling session (after 2 warm-up runs); default min(runs, 20). */
  profileRuns?: number;
  /**
   * With `profile`: only the per-layer times at the job's level, without the extra profile at
   * level 'disabled' and without measuring the profiler's overhead (a third of the profiling work).
   */
  layersOnly?: boolean;
  /** Folder for profiler traces and the optimized model; removed afterwards. Default: a temp dir. */
  scratchDir?: string;
  /** Measure energy per inference (where the device has a readable power source). Absent: not measured. */
  energy?: EnergyOptions;
  /** After timing: top-1 of the first output over this data, and the kernels ORT chose (see OutputCheck). */
  /** Read as every command reads a .npy file (runtime/data-array.ts Preprocess, `count` first samples). */
  outputCheck?: { data: string; count?: number; scale?: number; mean?: number[]; std?: number[]; layout?: 'NCHW' | 'NHWC' };
}

/** The answers the model gave where it ran: compared across devices (x64 against arm64). */
export interface OutputCheck {
  /** The .npy data file (on this machine). */
  data: string;
  samples: number;
  /** The output scored. */
  output: string;
  /** Index of the largest value of the output, per sample. */
  top1: number[];
  /** Op types of the graph ORT ran after its optimizations ('com.microsoft.QLinearConv'), with counts. */
  kernels: { op: string; count: number }[];
}

export interface LatencyStats {
  /** Each timed run, in ms, in order. */
  samplesMs: number[];
  minMs: number;
  meanMs: number;
  stdMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Inferences per second from the mean. */
  throughputPerSec: number;
}

/** Mean time of one node per run, from the profiler. */
export interface NodeLatency {
  /** The node's name as ORT reports it. */
  name: string;
  opType: string;
  /** Mean kernel time per run, microseconds. */
  meanUs: number;
  /** Median kernel time per run: unlike the mean, not moved by a preemption inside one kernel. */
  medianUs?: number;
  /** Run-to-run spread of the node's kernel time per run: the interquartile range (analysis/noise.ts). */
  spreadUs?: number;
  /** meanUs divided by the profiled run's mean wall time. */
  share: number;
  /** For fused/optimized nodes: the model's own nodes it stands for ([] when ORT added it). */
  originalNodes?: string[];
}

export interface LayerProfile {
  optLevel: OptLevel;
  /** Profiled runs the figures average over. */
  runs: number;
  /** Runs left out for taking over twice the median (the process was preempted). */
  droppedRuns: number;
  /** Mean wall time of the profiled runs (measured in JS around session.run), ms. */
  runMeanMs: number;
  /** Median wall time of the profiled runs, ms. */
  runMedianMs?: number;
  /** Mean duration of ORT's own `model_run` events: the run without the JS binding around it, ms. */
  ortRunMeanMs: number;
  /** Sum of per-node means divided by runMeanMs. */
  coverage: number;
  /** Sum of per-node means divided by ortRunMeanMs (how much of ORT's run the kernels explain). */
  coverageOfOrtRun: number;
  /** 1 - coverage: time outside node kernels (JS binding, executor, copies). */
  unattributedShare: number;
  /** Slowest first. */
  nodes: NodeLatency[];
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemBytes: number;
  platform: string;
  arch: string;
  nodeVersion: string;
  /** Operating system and kernel ('Debian GNU/Linux 12 (bookworm), Linux 6.1.0'). */
  os?: string;
  /** CPU features that decide ORT's int8 kernels (x86: avx2, avx512_vnni...; ARM: asimddp, i8mm...). */
  int8Features?: string[];
}

export interface InputDescription {
  name: string;
  dtype: string;
  shape: number[];
  source: 'generated' | string;
}

export interface BenchmarkResult {
  model: string;
  modelBytes: number;
  threads: number;
  optLevel: OptLevel;
  executionProviders: string[];
  spinning: boolean;
  ortVersion: string;
  machine: MachineInfo;
  /** CPUs the child ran on as the OS reports them, when fewer than the machine's (a target's affinity). */
  affinity?: number[];
  inputs: InputDescription[];
  warnings: string[];
  warmup: number;
  /** Session creation time, ms. */
  initMs: number;
  firstRunMs: number;
  latency: LatencyStats;
  /** Peak resident set of the child process up to the end of the timed runs (profiling excluded). */
  peakRssBytes: number;
  /** Resident set right after the session was created. */
  rssAfterLoadBytes: number;
  /** Resident set of the child before loading anything (Node itself). */
  rssBaselineBytes: number;
  /** At optimization level 'disabled': the model's own node names. */
  profile?: LayerProfile;
  /** At the benchmark's own level, with fused nodes mapped back to the model's nodes. */
  profileOptimized?: LayerProfile;
  /** Profiled over unprofiled median run time minus 1, same level, runs alternating in one process. */
  profilerOverhead?: number;
  /** With `outputCheck`: the answers and kernels. */
  outputCheck?: OutputCheck;
  /** Joules per inference over the timed runs, or why they could not be measured. Absent: not asked. */
  energy?: EnergyReport;
  /** Where it ran, when not on this machine directly (a device over SSH, the emulated ARM64 device). */
  device?: DeviceRun;
}

/** Energy per inference, measured, or the reason there is no figure (never an estimate). */
export type EnergyReport =
  | { available: false; reason: string }
  | {
    available: true;
    /** What was read: 'RAPL package-0 (powercap)', 'INA3221 VDD_IN', ... */
    source: string;
    /** Joules per inference above the idle baseline. */
    joulesPerInference: number;
    /** Joules per inference including the idle power. */
    grossJoulesPerInference: number;
    /** Power while idle (before the timed runs) and during them, watts. */
    idleWatts: number;
    activeWatts: number;
    /** Duration of the measured runs, s, and their number. */
    seconds: number;
    inferences: number;
  };

export interface DeviceRun {
  /** The target's name. */
  target: string;
  /** 'ssh://pi@10.0.0.7', or 'this machine'. */
  address: string;
  /** Run under qemu-user: the latency is emulated, not a device's. */
  emulated: boolean;
}

export interface BenchmarkProgress {
  phase: 'connect' | 'upload' | 'load' | 'first-run' | 'warmup' | 'runs' | 'profile' | 'profile-optimized';
  /** Work done and planned in this phase: runs, or bytes for 'upload'. No `total` when the phase runs until a time has passed. */
  done?: number;
  total?: number;
  /** A phase that runs until a time has passed (bench --min-duration): at least `atLeast` runs and `minMs`, `elapsedMs` so far. */
  atLeast?: number;
  minMs?: number;
  elapsedMs?: number;
  threads: number;
  /** Process id of the child doing the work. */
  pid: number;
}

/** Why a benchmark ended without a result; `kind` lets callers word it or map it to an exit code. */
export type BenchmarkErrorKind = 'model' | 'input' | 'crash' | 'cancelled' | 'internal';

export class BenchmarkError extends Error {
  constructor(readonly kind: BenchmarkErrorKind, message: string) {
    super(message);
    this.name = 'BenchmarkError';
  }
}

/** What a device's harness reports about where it runs (`edgewise device setup`, the Targets view). */
export interface DeviceFacts {
  machine: MachineInfo;
  ortVersion: string;
}

/** Messages from the child to its parent. */
export type ChildMessage =
  | { type: 'progress'; progress: BenchmarkProgress }
  | { type: 'facts'; facts: DeviceFacts }
  | { type: 'result'; result: BenchmarkResult }
  | { type: 'error'; kind: BenchmarkErrorKind; message: string };

/** Messages from the parent to the child. */
export type ParentMessage = { type: 'run'; job: BenchmarkJob } | { type: 'probe' };
