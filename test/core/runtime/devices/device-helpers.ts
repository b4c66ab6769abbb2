import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Bundles (Node, onnxruntime, harness tarballs) and device records in one cache shared by test runs. */
export function useTestCache(): string {
  process.env.EDGEWISE_CACHE_DIR ??= path.join(os.tmpdir(), 'edgewise-test-cache');
  return process.env.EDGEWISE_CACHE_DIR;
}

/**
 * Pids of the harness's processes (the relay and the child it forks, or qemu running it) whose
 * working folder is `dir`, the device folder. The device's short shell commands (a `kill`, a
 * `cat`) also run there and come and go on their own; they are not what a test looks for.
 */
export function processesIn(dir: string): number[] {
  const real = fs.realpathSync(dir);
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/cwd`) === real && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('bench-child')) out.push(Number(d));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return out;
}
