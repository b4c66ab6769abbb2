import * as os from 'node:os';
import type { MachineInfo } from './types';

/** The machine a benchmark ran on, as the OS reports it. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    // Logical CPUs of the machine (availableParallelism would report a taskset pin instead).
    cores: cpus.length,
    totalMemBytes: os.totalmem(),
    platform: os.platform(),
    arch: os.arch(),
    nodeVersion: process.versions.node,
  };
}
