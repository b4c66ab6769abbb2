import * as os from 'node:os';
import type { MachineInfo } from './types';

/** The machine a benchmark ran on, as the OS reports it. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    totalMemBytes: os.totalmem(),
    platform: os.platform(),
    arch: os.arch(),
    nodeVersion: process.versions.node,
  };
}
