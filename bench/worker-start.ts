/**
 * A cold worker's part of a cold open (issue 21): a new worker process (dist/worker.js) is forked
 * and asked at once for the open's answer (edgewise/openView), as the graph editor does. Per
 * start: when the worker was ready and when its answer arrived (from the fork), and the CPU time
 * its threads had used by then (Linux /proc schedstat). The CPU time is what a busy 2-core
 * machine multiplies into wall time, so it compares builds even when other work runs; the wall
 * figures are printed with the load. The code cache is primed first (as after a first session).
 * --reference DIR: another build's dist/, started alternately in the same run.
 *
 *   npx tsx bench/worker-start.ts [MODEL] [--runs N] [--reference DIR]
 *
 * Default model: test/fixtures/fmnist_mobilenet.onnx.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatDuration } from '../src/core/base/units';
import { WorkerClient } from '../src/extension/worker-client';
import { OpenViewRequest } from '../src/worker/protocol';

const ROOT = path.resolve(__dirname, '..');

interface Start { readyMs: number; answeredMs: number; cpuMs: number; mainCpuMs: number }

function parseArgs(argv: string[]): { model: string; runs: number; builds: string[] } {
  let model = path.join(ROOT, 'test/fixtures/fmnist_mobilenet.onnx');
  let runs = 15;
  const builds = [path.join(ROOT, 'dist')];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--reference') builds.push(path.resolve(argv[++i]));
    else if (argv[i].startsWith('--')) throw new Error(`unknown option ${argv[i]}`);
    else model = path.resolve(argv[i]);
  }
  return { model, runs, builds };
}

/** CPU time of the process's threads (all, and the main one), ms. */
function cpuOf(pid: number): { all: number; main: number } {
  let all = 0;
  let main = 0;
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    const ns = Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    all += ns;
    if (t === String(pid)) main = ns;
  }
  return { all: all / 1e6, main: main / 1e6 };
}

async function coldStart(dist: string, model: string): Promise<Start> {
  const worker = new WorkerClient({ workerPath: path.join(dist, 'worker.js') });
  const t0 = performance.timeOrigin + performance.now();
  try {
    const opened = await worker.request(OpenViewRequest.type, { file: model });
    const answeredMs = performance.timeOrigin + performance.now() - t0;
    const cpu = cpuOf(worker.pid!);
    return { readyMs: opened.timing.readyAt - t0, answeredMs, cpuMs: cpu.all, mainCpuMs: cpu.main };
  } finally {
    worker.dispose();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const load = (): string => os.loadavg().map((x) => x.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const { model, runs, builds } = parseArgs(process.argv.slice(2));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-worker-start-'));
  process.env.EDGEWISE_CACHE_DIR = cache;
  const loadBefore = load();
  try {
    // Prime: a worker that opens the model and lives until it has written its code cache (worker/boot.ts: after 4 s).
    for (const dist of builds) {
      const w = new WorkerClient({ workerPath: path.join(dist, 'worker.js') });
      await w.request(OpenViewRequest.type, { file: model });
      await new Promise((r) => setTimeout(r, 4500));
      w.dispose();
    }
    const starts = builds.map((): Start[] => []);
    for (let i = 0; i < runs; i++) {
      for (const [b, dist] of builds.entries()) {
        starts[b].push(await coldStart(dist, model));
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    console.log(`Cold worker start to the open's answer, ${path.basename(model)}, medians of ${runs} (load average before ${loadBefore}, after ${load()}; ${os.cpus().length} cores)\n`);
    console.log('| build | ready (wall) | answered (wall) | CPU to the answer, all threads | of which the main thread |');
    console.log('|---|---|---|---|---|');
    for (const [b, dist] of builds.entries()) {
      const s = starts[b];
      const m = (k: keyof Start) => formatDuration(median(s.map((x) => x[k])));
      console.log(`| ${b === 0 ? 'this build' : `reference ${dist}`} | ${m('readyMs')} | ${m('answeredMs')} | ${m('cpuMs')} | ${m('mainCpuMs')} |`);
    }
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
