import * as fs from 'node:fs';

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the benchmark children of a process (this one by default), from Linux /proc. */
export function benchChildren(parentPid = process.pid): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parentPid && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('bench-child')) out.push(Number(d));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}
