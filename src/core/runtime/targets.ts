import { InputFileError, readInputText } from '../base/input-file';
import * as os from 'node:os';
import { parseSshUrl } from './devices/ssh-url';
import type { BenchmarkResult } from './types';
import { planArena } from '../formats/tflite/arena';
import { CORTEX_M, type TflmKernels, type TflmTarget } from '../formats/tflite/tflm-memory';
import { formatOf } from '../formats/open';
import { loadTflite } from '../formats/tflite/model';
import { formatBytes, formatBytesPair, formatNumberPair } from '../base/units';

/**
 * The constraints of a device a model must fit. Budgets are checked against what was measured
 * here; a target with a foreign device's budgets says whether the model fits those budgets on
 * this CPU, not how fast that device would be.
 */
export interface Target {
  name: string;
  description: string;
  /** Intra-op threads to benchmark with (the device's usable cores). */
  threads?: number;
  /** CPUs to pin the benchmark to (Linux), e.g. [0]. */
  affinity?: number[];
  /** Peak resident memory of the benchmark process, bytes. */
  ramBudgetBytes?: number;
  /** Latency budget in ms, checked against `latencyMetric` (default p95). */
  latencyBudgetMs?: number;
  latencyMetric?: 'p50' | 'p95' | 'p99';
  /** Model file size, bytes. */
  storageBudgetBytes?: number;
  /** Flash of a microcontroller: the .tflite file must fit, bytes. */
  flashBytes?: number;
  /** RAM for TFLite Micro's tensor arena (estimated by planning the model's tensors), bytes. */
  arenaBytes?: number;
  /** A device to benchmark on over SSH: `ssh://USER@HOST[:PORT]`. Absent: this machine. */
  ssh?: string;
  /** Private key file for `ssh` (else the SSH agent and ~/.ssh/id_*). Never a password. */
  identity?: string;
  /** Known hosts file for `ssh`; default ~/.ssh/known_hosts. */
  knownHosts?: string;
  /**
   * `qemu-arm64`: ARM64 builds of Node and onnxruntime under qemu-user (here, or on the `ssh`
   * device): proves a model runs and agrees on ARM; its latency is emulated, never budgeted.
   */
  runtime?: 'native' | 'qemu-arm64';
  /** Folder on the device for Node, onnxruntime, the harness and cached models; default ~/.edgewise. */
  remoteDir?: string;
  /** TFLite Micro kernels the firmware links (their scratch buffers count in the arena); default reference. */
  mcuKernels?: TflmKernels;
}

const MiB = 1024 * 1024;

export const BUILTIN_TARGETS: readonly Target[] = [
  { name: 'local-cpu', description: 'This machine\'s CPU, 1 thread, no budgets', threads: 1 },
  { name: 'local-cpu-all', description: `This machine\'s CPU, all ${os.availableParallelism?.() ?? os.cpus().length} cores, no budgets`, threads: os.availableParallelism?.() ?? os.cpus().length },
  { name: 'local', description: 'This machine\'s CPU, 1 thread, no budgets', threads: 1 },
  { name: 'qemu-arm64', description: 'ARM64 emulated on this machine (qemu-user): runs and agrees on ARM; latency is emulated', threads: 1, runtime: 'qemu-arm64' },
  {
    name: 'edge-small',
    description: 'Budgets of a small single-core board (256 MiB RAM, 100 ms p95, 16 MiB model), pinned to CPU 0',
    threads: 1, affinity: [0], ramBudgetBytes: 256 * MiB, latencyBudgetMs: 100, latencyMetric: 'p95', storageBudgetBytes: 16 * MiB,
  },
  {
    name: 'cortex-m4-256k',
    description: 'A Cortex-M4 microcontroller running TFLite Micro with CMSIS-NN kernels: 256 KiB tensor arena, 1 MiB flash (.tflite models)',
    threads: 1, arenaBytes: 256 * 1024, flashBytes: MiB, mcuKernels: 'cmsis-nn',
  },
];

/** One budget of a target beside what was measured (NaN: could not be measured for this model). */
export interface BudgetCheck {
  budget: 'ram' | 'latency' | 'storage' | 'flash' | 'arena';
  /** What was measured, in words ('peak RAM', 'p95 latency', 'model file', 'TFLite Micro arena'). */
  what: string;
  limit: number;
  measured: number;
  unit: 'bytes' | 'ms';
  /** Set when the budget is broken: one sentence for a diagnostic or the CLI. */
  message?: string;
}

export type BudgetBreak = BudgetCheck & { message: string };

/** A targets file lists a few devices; anything this large is not one. */
export const TARGETS_FILE_LIMIT = { bytes: 16 << 20, why: 'too large for a list of targets' };

/** Targets from a JSON file: an array of Target objects. */
export function loadTargets(file: string): Target[] {
  let data: unknown;
  try {
    data = JSON.parse(readInputText(file, { what: 'targets', limit: TARGETS_FILE_LIMIT }));
  } catch (e) {
    throw e instanceof InputFileError ? e : new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of targets`);
  return data.map((t, i) => checkTarget(t, `${file}: target ${i}`));
}

const NUMBERS = ['threads', 'ramBudgetBytes', 'latencyBudgetMs', 'storageBudgetBytes', 'flashBytes', 'arenaBytes'] as const;
const STRINGS = ['description', 'ssh', 'identity', 'knownHosts', 'remoteDir'] as const;

/** A target definition (from a file, a recipe or the settings), checked; `where` names it in errors. */
export function checkTarget(t: unknown, where: string): Target {
  if (typeof t !== 'object' || t === null || typeof (t as Target).name !== 'string' || !(t as Target).name) throw new Error(`${where} has no "name"`);
  const target = t as Target;
  const at = `${where.replace(/: target \d+$/, '')}: target '${target.name}'`;
  for (const k of NUMBERS) {
    const v = target[k];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0))) throw new Error(`${at}: "${k}" must be a positive number`);
  }
  for (const k of STRINGS) {
    if (target[k] !== undefined && typeof target[k] !== 'string') throw new Error(`${at}: "${k}" must be a string`);
  }
  if (target.runtime !== undefined && target.runtime !== 'native' && target.runtime !== 'qemu-arm64') throw new Error(`${at}: "runtime" must be "native" or "qemu-arm64"`);
  if (target.latencyMetric !== undefined && !['p50', 'p95', 'p99'].includes(target.latencyMetric)) throw new Error(`${at}: "latencyMetric" must be p50, p95 or p99`);
  if (target.ssh !== undefined) {
    try {
      parseSshUrl(target.ssh);
    } catch (e) {
      throw new Error(`${at}: ${(e as Error).message}`);
    }
  }
  if (target.mcuKernels !== undefined && target.mcuKernels !== 'reference' && target.mcuKernels !== 'cmsis-nn') throw new Error(`${at}: "mcuKernels" must be "reference" or "cmsis-nn"`);
  return { ...target, description: target.description ?? (target.ssh ? `${target.ssh}${target.runtime === 'qemu-arm64' ? ' (emulated arm64)' : ''}` : '') };
}

export function findTarget(name: string, extra: readonly Target[] = []): Target {
  const all = [...extra, ...BUILTIN_TARGETS];
  const t = all.find((x) => x.name === name);
  if (!t) throw new Error(`unknown target '${name}' (known: ${all.map((x) => x.name).join(', ')})`);
  return t;
}

/** Every budget of `target` the result breaks; [] when it fits. */
export function checkBudgets(result: BenchmarkResult, target: Target): BudgetBreak[] {
  return brokenBudgets(budgetChecks(result, target));
}

/** The broken ones of `checks`. */
export function brokenBudgets(checks: BudgetCheck[]): BudgetBreak[] {
  return checks.filter((c): c is BudgetBreak => c.message !== undefined);
}

/** Every budget `target` sets, beside what `result` measured; the broken ones carry their message. */
export function budgetChecks(result: BenchmarkResult, target: Target): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  if (target.ramBudgetBytes !== undefined) {
    const over = result.peakRssBytes > target.ramBudgetBytes;
    checks.push({
      budget: 'ram', what: 'peak RAM', limit: target.ramBudgetBytes, measured: result.peakRssBytes, unit: 'bytes',
      message: over ? sizeOver('peak RAM', result.peakRssBytes, `the ${target.name} budget`, target.ramBudgetBytes) : undefined,
    });
  }
  if (target.latencyBudgetMs !== undefined) {
    const metric = target.latencyMetric ?? 'p95';
    const measured = result.latency[`${metric}Ms`];
    checks.push({
      budget: 'latency', what: `${metric} latency`, limit: target.latencyBudgetMs, measured, unit: 'ms',
      message: measured > target.latencyBudgetMs ? latencyOver(`${metric} latency`, measured, target.latencyBudgetMs, `${result.threads} thread(s)`, target.name) : undefined,
    });
  }
  if (target.storageBudgetBytes !== undefined) {
    checks.push({
      budget: 'storage', what: 'model file', limit: target.storageBudgetBytes, measured: result.modelBytes, unit: 'bytes',
      message: result.modelBytes > target.storageBudgetBytes ? sizeOver('model file', result.modelBytes, `the ${target.name} budget`, target.storageBudgetBytes) : undefined,
    });
  }
  return [...checks, ...mcuBudgetChecks(result.model, result.modelBytes, target)];
}

/** The flash and arena budgets a model breaks (see mcuBudgetChecks). */
export function mcuBudgetBreaks(model: string, modelBytes: number, target: Target): BudgetBreak[] {
  return brokenBudgets(mcuBudgetChecks(model, modelBytes, target));
}

/**
 * Flash and TFLite Micro arena budgets: the file's bytes, and the arena planned from the .tflite's
 * tensors. An ONNX model cannot run on TFLite Micro, so an arena budget fails for it.
 */
export function mcuBudgetChecks(model: string, modelBytes: number, target: Target): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  if (target.flashBytes !== undefined) {
    checks.push({
      budget: 'flash', what: 'model file (flash)', limit: target.flashBytes, measured: modelBytes, unit: 'bytes',
      message: modelBytes > target.flashBytes ? sizeOver('model file', modelBytes, `the ${target.name} flash`, target.flashBytes) : undefined,
    });
  }
  if (target.arenaBytes === undefined) return checks;
  const arena = { budget: 'arena', what: 'TFLite Micro arena', limit: target.arenaBytes, unit: 'bytes' } as const;
  if (formatOf(model).id !== 'tflite') {
    checks.push({
      ...arena, measured: Number.NaN,
      message: `${target.name} runs TFLite Micro: the tensor arena is planned for .tflite models; export this model first (edgewise export MODEL --to tflite --quantize int8)`,
    });
    return checks;
  }
  const plan = planArena(loadTflite(model), tflmTarget(target));
  const peak = plan.peak;
  checks.push({
    ...arena, measured: plan.arenaBytes,
    message: plan.arenaBytes > target.arenaBytes
      ? `${sizeOver('TFLite Micro arena ~', plan.arenaBytes, `the ${target.name} budget`, target.arenaBytes)}; largest live set ${formatBytes(peak.liveBytes)} at op ${peak.op} (${peak.opName}): ${peak.tensors.slice(0, 3).map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(', ')}`
      : undefined,
  });
  return checks;
}

/** 'p95 latency 100.4 ms at 1 thread(s) is over the X budget of 100 ms', with figures that read differently. */
function latencyOver(what: string, measured: number, limit: number, threads: string, target: string): string {
  const [m, l] = formatNumberPair(measured, limit);
  return `${what} ${m} ms at ${threads} is over the ${target} budget of ${l} ms`;
}

/** 'peak RAM 300 KiB is over the X budget of 256 KiB', with sizes that read differently when they differ. */
function sizeOver(what: string, measured: number, budget: string, limit: number): string {
  const [m, l] = formatBytesPair(measured, limit);
  return `${what}${what.endsWith('~') ? '' : ' '}${m} is over ${budget} of ${l}`;
}

/** What TFLite Micro runs on for a target: a 32-bit Cortex-M with the target's kernels. */
export function tflmTarget(target: Target | undefined): TflmTarget {
  return { ...CORTEX_M, kernels: target?.mcuKernels ?? CORTEX_M.kernels };
}
