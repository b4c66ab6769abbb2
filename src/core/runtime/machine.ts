import * as fs from 'node:fs';
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
    os: osName(),
    int8Features: int8Features(),
  };
}

/** CPU features that decide which int8 kernels ONNX Runtime's MLAS can use (VNNI, dot product, i8mm). */
const INT8_FEATURES = ['avx2', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'amx_int8', 'asimd', 'asimddp', 'i8mm', 'sve', 'sve2'];

function int8Features(): string[] | undefined {
  try {
    const line = /^(?:flags|Features)\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (!line) return undefined;
    const have = new Set(line.trim().split(/\s+/));
    return INT8_FEATURES.filter((f) => have.has(f));
  } catch {
    return undefined;
  }
}

function osName(): string {
  const kernel = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1];
    return pretty ? `${pretty}, ${kernel}` : kernel;
  } catch {
    return kernel;
  }
}

/** The CPUs this process may run on (Linux, from /proc), or undefined where that is unknown. */
export function cpuAffinity(): number[] | undefined {
  let status: string;
  try {
    status = fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1].trim();
  if (!list) return undefined;
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}
