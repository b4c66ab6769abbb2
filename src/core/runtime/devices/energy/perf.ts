/**
 * `perf stat -a -e power/energy-pkg/`: the package energy counter through perf, where the
 * kernel exposes the `power` PMU (/sys/bus/event_source/devices/power/events/energy-pkg) but
 * powercap is absent or closed. perf runs system-wide until stopped with SIGINT and prints the
 * joules as CSV (`-x,`) on stderr; it takes care of the counter's wrap itself.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { findBinary, sysPath, type EnergyOptions, type Probe } from './source';

const EVENT = 'power/energy-pkg/';

/** Joules from perf's CSV output (`12.34,Joules,power/energy-pkg/,1000519837,100.00,,`). */
export function parsePerfCsv(stderr: string): number {
  for (const line of stderr.split('\n')) {
    const f = line.split(',');
    if (f[2]?.trim() === EVENT || f[3]?.trim() === EVENT) {
      const value = Number(f[0]);
      if (!Number.isFinite(value)) throw new Error(`perf could not count ${EVENT}: ${f[0]}`);
      return value;
    }
  }
  throw new Error(`perf printed no ${EVENT} count: ${stderr.trim().split('\n').pop() ?? ''}`);
}

export function probePerf(options: EnergyOptions): Probe {
  if (!fs.existsSync(sysPath(options, 'sys/bus/event_source/devices/power/events/energy-pkg'))) {
    return { reason: 'no perf power/energy-pkg event' };
  }
  const perf = findBinary('perf', options);
  if (!perf) return { reason: 'the power/energy-pkg event exists but perf is not installed (apt-get install linux-perf)' };
  try {
    const paranoid = Number(fs.readFileSync(sysPath(options, 'proc/sys/kernel/perf_event_paranoid'), 'utf8'));
    if (paranoid > 0 && process.getuid?.() !== 0) return { reason: `perf power events need root or kernel.perf_event_paranoid <= 0 (it is ${paranoid})` };
  } catch {
    // No such setting: let perf decide.
  }
  return {
    source: {
      name: 'perf power/energy-pkg',
      async start() {
        const child = spawn(perf, ['stat', '-a', '-x,', '-e', EVENT], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
        const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
        // perf counts from when it has opened the event; give it that moment.
        await new Promise((r) => setTimeout(r, 50));
        return async () => {
          child.kill('SIGINT');
          await exited;
          return parsePerfCsv(stderr);
        };
      },
    },
  };
}
