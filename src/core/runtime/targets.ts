import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseSshUrl } from './devices/ssh-url';
import type { BenchmarkResult } from './types';

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
];

export interface BudgetBreak {
  budget: 'ram' | 'latency' | 'storage';
  limit: number;
  measured: number;
  unit: 'bytes' | 'ms';
  /** One sentence for a diagnostic or the CLI. */
  message: string;
}

/** Targets from a JSON file: an array of Target objects. */
export function loadTargets(file: string): Target[] {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message})`}`);
  }
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of targets`);
  return data.map((t, i) => checkTarget(t, `${file}: target ${i}`));
}

const NUMBERS = ['threads', 'ramBudgetBytes', 'latencyBudgetMs', 'storageBudgetBytes'] as const;
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
  const breaks: BudgetBreak[] = [];
  const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
  if (target.ramBudgetBytes !== undefined && result.peakRssBytes > target.ramBudgetBytes) {
    breaks.push({
      budget: 'ram', limit: target.ramBudgetBytes, measured: result.peakRssBytes, unit: 'bytes',
      message: `peak RAM ${mib(result.peakRssBytes)} is over the ${target.name} budget of ${mib(target.ramBudgetBytes)}`,
    });
  }
  if (target.latencyBudgetMs !== undefined) {
    const metric = target.latencyMetric ?? 'p95';
    const measured = result.latency[`${metric}Ms`];
    if (measured > target.latencyBudgetMs) {
      breaks.push({
        budget: 'latency', limit: target.latencyBudgetMs, measured, unit: 'ms',
        message: `${metric} latency ${measured.toFixed(2)} ms at ${result.threads} thread(s) is over the ${target.name} budget of ${target.latencyBudgetMs} ms`,
      });
    }
  }
  if (target.storageBudgetBytes !== undefined && result.modelBytes > target.storageBudgetBytes) {
    breaks.push({
      budget: 'storage', limit: target.storageBudgetBytes, measured: result.modelBytes, unit: 'bytes',
      message: `model file ${mib(result.modelBytes)} is over the ${target.name} budget of ${mib(target.storageBudgetBytes)}`,
    });
  }
  return breaks;
}
