/**
 * TFLite figures: how long Edgewise takes to open a .tflite (decode + summary + view graph), and
 * the TFLite WebAssembly interpreter's load time and per-run latency (one thread, XNNPACK).
 *
 *   npx tsx bench/tflite.ts [model.tflite ...]   (default: every model in ../shared/fixtures/tflite)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TfliteRuntimeUnsupported } from '../src/core/runtime/tflite';
import { measureTflite } from '../src/core/runtime/tflite-measure';
import { TfliteReader } from '../src/core/formats/tflite/reader';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function defaultModels(): string[] {
  const root = path.resolve(__dirname, '..');
  for (const dir of [path.resolve(root, '../shared/fixtures/tflite'), path.resolve(root, '../../shared/fixtures/tflite')]) {
    if (fs.existsSync(dir)) return fs.readdirSync(dir).filter((f) => f.endsWith('.tflite')).sort().map((f) => path.join(dir, f));
  }
  throw new Error('no models given and ../shared/fixtures/tflite not found beside the clone');
}

async function main(): Promise<void> {
  const files = process.argv.slice(2).length ? process.argv.slice(2) : defaultModels();
  console.log('model | KB | ops | open+summary+view ms (median of 20) | interpreter load ms (the first includes loading the runtime) | run ms (median of n; generated inputs)');
  for (const file of files) {
    const times: number[] = [];
    let ops = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const reader = TfliteReader.open(file);
      ops = reader.summary().nodes;
      reader.viewGraph();
      times.push(performance.now() - t0);
    }
    let compile = '-', run = '-';
    try {
      // 200 runs, or fewer for slow models (at least 20, about 5 s).
      const m = await measureTflite(file, { warmup: 5, runs: 20, minDurationMs: 0 });
      const more = m.samplesMs.length < 200 && median(m.samplesMs) * 200 > 5000
        ? m.samplesMs
        : (await measureTflite(file, { warmup: 5, runs: 200 })).samplesMs;
      compile = m.initMs.toFixed(1);
      run = `${median(more).toFixed(3)} (n=${more.length})`;
    } catch (e) {
      if (!(e instanceof TfliteRuntimeUnsupported)) throw e;
      run = `not runnable: ${e.message.split(': ').slice(1).join(': ')}`;
    }
    const kb = (fs.statSync(file).size / 1024).toFixed(0);
    console.log(`${path.basename(file)} | ${kb} | ${ops} | ${median(times).toFixed(2)} | ${compile} | ${run}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
