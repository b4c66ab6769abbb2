import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/cli.js when it is missing or older than src/, so `npx mocha` alone works. */
export function ensureCliBuilt(): void {
  if (fs.existsSync(CLI) && fs.statSync(CLI).mtimeMs >= newestSource(path.join(ROOT, 'src'))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

export interface CliResult {
  code: number | null; stdout: string; stderr: string; timedOut: boolean;
  /** Wall time from spawn to exit, ms. */
  ms: number;
  /** The CLI process's id. */
  pid: number;
  /** Peak resident memory of the CLI process, MiB (undefined when it did not exit normally). */
  peakRssMiB?: number;
}

const PEAK_RSS = path.join(ROOT, 'test/helpers/peak-rss.cjs');

/** Runs `node dist/cli.js ARGS` with a time limit, measuring its wall time and peak memory. */
export function runCli(args: string[], timeoutMs = 30_000): CliResult {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ew-rss-')), 'kib');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', PEAK_RSS, CLI, ...args], {
    encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, EDGEWISE_DEBUG: '', EDGEWISE_PEAK_RSS_FILE: rssFile },
  });
  const ms = performance.now() - t0;
  const kib = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) : undefined;
  fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
  return {
    code: r.status, stdout: r.stdout, stderr: r.stderr, ms, pid: r.pid, peakRssMiB: kib === undefined ? undefined : kib / 1024,
    timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
  };
}
