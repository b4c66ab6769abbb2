import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Bundles (Node, onnxruntime, harness tarballs) and device records in one cache shared by test runs. */
export function useTestCache(): string {
  process.env.EDGEWISE_CACHE_DIR ??= path.join(os.tmpdir(), 'edgewise-test-cache');
  return process.env.EDGEWISE_CACHE_DIR;
}

/** Pids of processes whose working folder is `dir` (the harness runs in the device folder). */
export function processesIn(dir: string): number[] {
  const real = fs.realpathSync(dir);
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/cwd`) === real) out.push(Number(d));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return out;
}
