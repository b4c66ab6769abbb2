/**
 * TFLite figures: how long Edgewise takes to open a .tflite (decode + summary + view graph), and
 * the TFLite WebAssembly interpreter's load time and per-run latency (one thread, XNNPACK).
 *
 *   npx tsx bench/tflite.ts [model.tflite ...]   (default: every model in ../shared/fixtures/tflite)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TfliteRuntimeUnsupported, TfliteSession, type TfliteData } from '../src/core/runtime/tflite';
import { TfliteReader } from '../src/core/tflite/reader';

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

function zeros(dtype: string, n: number): TfliteData {
  switch (dtype) {
    case 'int8': return new Int8Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'float64': return new Float64Array(n);
    default: return new Float32Array(n);
  }
}

async function main(): Promise<void> {
  const files = process.argv.slice(2).length ? process.argv.slice(2) : defaultModels();
  console.log('model | KB | ops | open+summary+view ms (median of 20) | interpreter load ms (the first includes loading the runtime) | run ms (median, n runs)');
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
      const t0 = performance.now();
      const session = await TfliteSession.create(file);
      compile = (performance.now() - t0).toFixed(1);
      const feeds: TfliteData[] = session.inputs.map((i) => zeros(i.dtype, i.shape.reduce((a, b) => a * b, 1)));
      for (let i = 0; i < 5; i++) await session.run(feeds);
      // 200 runs, or fewer for slow models (at least 20, about 5 s).
      const samples: number[] = [];
      const start = performance.now();
      while (samples.length < 200 && (samples.length < 20 || performance.now() - start < 5000)) {
        const t = performance.now();
        await session.run(feeds);
        samples.push(performance.now() - t);
      }
      run = `${median(samples).toFixed(3)} (n=${samples.length})`;
      session.dispose();
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
