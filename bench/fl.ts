/**
 * npm run bench:fl -- federated learning on the real Fashion-MNIST (Debian's dataset-fashion-mnist).
 *
 * 1. Accuracy: the fixture CNN with 30% of its channels pruned is the starting model; `fl simulate`
 *    splits the train images among 20 clients with Dirichlet(0.3) and runs FedAvg rounds (clients in
 *    child processes over HTTP on loopback); the reference in the same run is centralized fine-tuning
 *    (`edgewise finetune`, the same optimizer, learning rate, batch size and number of sample
 *    gradients) on the same images. Prints the curve, time per round, bytes per client per round.
 * 2. Server memory against the number of clients: an `fl serve` process takes one round of N
 *    uploads (random deltas) for growing N; its peak RSS beside the bytes of all deltas.
 *
 * Options: --rounds R (30) --clients-per-round K (10) --train-samples N (60000) --skip-accuracy --skip-memory
 * Run it on an otherwise idle machine; the load is printed with the figures.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateModel } from '../src/core/analysis/accuracy';
import { loadModel } from '../src/core/formats/onnx/io';
import { ArrayDataset, batchLimit, modelInputs } from '../src/core/runtime/data';
import { encodeNpy } from '../src/core/runtime/npy';
import { ServerConnection } from '../src/fl/client/connection';
import { encodeDelta, deltaByteLength } from '../src/fl/delta';
import { modelWeights, weightShapes } from '../src/fl/weights';
import { fashionMnistSplit, type RawImages } from './fashion-mnist';

const root = path.resolve(__dirname, '..');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const verdicts: [string, string, boolean][] = [];
const verdict = (t: string, m: string, ok: boolean) => verdicts.push([t, m, ok]);

function cli(args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as Record<string, unknown>;
}

function writeSplit(dir: string, name: string, s: RawImages, count = s.count): { data: string; labels: string } {
  const data = path.join(dir, `${name}.npy`);
  const labels = path.join(dir, `${name}_labels.npy`);
  fs.writeFileSync(data, encodeNpy({ dtype: 'uint8', shape: [count, 28, 28], data: s.pixels.subarray(0, count * 784) }));
  fs.writeFileSync(labels, encodeNpy({ dtype: 'int64', shape: [count], data: BigInt64Array.from(s.labels.subarray(0, count), BigInt) }));
  return { data, labels };
}

async function top1(file: string, test: RawImages): Promise<number> {
  const model = loadModel(file);
  const specs = modelInputs(model);
  const data = new ArrayDataset('fashion-mnist t10k', test.count, false, batchLimit(specs, 500), [{ spec: specs[0], sample: [1, 28, 28], data: Float32Array.from(test.pixels, (v) => v / 255) }]);
  return (await evaluateModel(model, data, test.labels, { threads: 1 })).accuracy!.top1;
}

async function accuracy(dir: string): Promise<void> {
  const rounds = arg('rounds', 30);
  const perRound = arg('clients-per-round', 10);
  const samples = arg('train-samples', 60000);
  const trainSplit = fashionMnistSplit('train');
  const test = fashionMnistSplit('t10k');
  if (!trainSplit || !test) throw new Error('Fashion-MNIST is missing: apt-get install dataset-fashion-mnist');
  const train = writeSplit(dir, 'train', trainSplit, samples);
  const val = writeSplit(dir, 'val', test, 2000);
  const start = path.join(dir, 'cnn.onnx');
  fs.copyFileSync(path.join(root, 'test/fixtures/fmnist_cnn.onnx'), start);
  cli(['prune', start, '--method', 'channel', '--sparsity', '0.3']);
  const pruned = path.join(dir, 'cnn.pruned.onnx');
  console.log(`\n## Accuracy: pruned CNN, ${samples} train images, 20 clients Dirichlet(0.3), ${perRound} per round, ${rounds} rounds (load ${load()})`);
  const t0 = Date.now();
  const sim = cli(['fl', 'simulate', '--model', pruned, '--data', train.data, '--labels', train.labels, '--clients', '20', '--partition', 'dirichlet:0.3',
    '--rounds', `${rounds}`, '--clients-per-round', `${perRound}`, '--val-data', val.data, '--val-labels', val.labels, '--lr', '0.05', '--batch-size', '32',
    '--out-dir', path.join(dir, 'fed'), '--seed', '1']) as unknown as { rounds: { round: number; samples: number; seconds: number; uploadBytes: number; valTop1: number }[]; initialValTop1: number; finalModel: string; clientSizes: number[] };
  const flSeconds = (Date.now() - t0) / 1000;
  const gradients = sim.rounds.reduce((a, r) => a + r.samples, 0);
  const epochs = Math.max(1, Math.round(gradients / samples));
  console.log(`client sizes ${Math.min(...sim.clientSizes)}..${Math.max(...sim.clientSizes)} samples; start: val top-1 (2,000 test images) ${pct(sim.initialValTop1)}`);
  console.log('round  val top-1   s/round  KiB up/client');
  for (const r of sim.rounds) console.log(`${String(r.round).padStart(5)}  ${pct(r.valTop1).padStart(8)}  ${r.seconds.toFixed(1).padStart(8)}  ${(r.uploadBytes / 1024).toFixed(1).padStart(12)}`);
  console.log(`federated: ${flSeconds.toFixed(0)} s in all, ${gradients} sample gradients (load ${load()})`);
  const t1 = Date.now();
  const central = cli(['finetune', pruned, '--data', train.data, '--labels', train.labels, '--epochs', `${epochs}`, '--batch-size', '32', '--optimizer', 'sgd', '--lr', '0.05', '--seed', '1', '--out', path.join(dir, 'central.onnx')]) as { output: string };
  const centralSeconds = (Date.now() - t1) / 1000;
  const [before, fed, cen] = [await top1(pruned, test), await top1(sim.finalModel, test), await top1(central.output, test)];
  console.log(`\n10,000 test images: start ${pct(before)}, federated ${pct(fed)} (${flSeconds.toFixed(0)} s), centralized fine-tuning ${epochs} epoch(s) = ${epochs * samples} sample gradients ${pct(cen)} (${centralSeconds.toFixed(0)} s) (load ${load()})`);
  const meanRound = sim.rounds.reduce((a, r) => a + r.seconds, 0) / sim.rounds.length;
  const meanUp = sim.rounds.reduce((a, r) => a + r.uploadBytes, 0) / sim.rounds.length;
  console.log(`time per round ${meanRound.toFixed(1)} s (mean); upload ${(meanUp / 1024).toFixed(1)} KiB per client per round (float32 deltas; int8: a quarter); download = the model, ${(fs.statSync(pruned).size / 1024).toFixed(1)} KiB`);
  verdict(`federated within 2 points of centralized fine-tuning after ${rounds} rounds`, `${((cen - fed) * 100).toFixed(2)} points (${pct(fed)} vs ${pct(cen)})`, cen - fed <= 0.02);
}

/** Peak RSS (VmHWM) of a process, from Linux /proc, in bytes (0 once it has gone). */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function memory(dir: string): Promise<void> {
  console.log(`\n## Server memory against clients per round: an \`fl serve\` process, one round of N uploads of random float32 CNN deltas over loopback (load ${load()})`);
  const model = path.join(root, 'test/fixtures/fmnist_cnn.onnx');
  const base = modelWeights(loadModel(model));
  const deltaBytes = deltaByteLength(weightShapes(base), 'float32');
  console.log('clients  server peak RSS  all deltas held at once would add');
  const peaks: number[] = [];
  for (const n of [10, 50, 200]) {
    const server = spawn(process.execPath, [path.join(root, 'dist/cli.js'), 'fl', 'serve', '--model', model, '--rounds', '1', '--clients-per-round', `${n}`, '--token', 't', '--out-dir', path.join(dir, `mem${n}`)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    server.stderr!.on('data', (d) => { err += d; });
    while (!/serving (http:\S+) /.test(err)) await new Promise((r) => setTimeout(r, 50));
    const url = /serving (http:\S+) /.exec(err)![1];
    const info = await new ServerConnection(url, 't', 'probe').round();
    const values = base.map((t) => ({ name: t.name, dims: t.dims, values: Float32Array.from(t.values, (_, i) => Math.sin(i) * 1e-3) }));
    const body = encodeDelta({ encoding: 'float32', round: 1, samples: 10, model: info.model }, values);
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, peakRss(server.pid!)); }, 20);
    for (let k = 0; k < n; k += 4) {
      await Promise.all(Array.from({ length: Math.min(4, n - k) }, async (_, j) => {
        const c = new ServerConnection(url, 't', `c${k + j}`);
        await c.join({ round: 1 });
        await c.upload(body);
      }));
    }
    peak = Math.max(peak, peakRss(server.pid!));
    await new Promise((r) => server.on('exit', r));
    clearInterval(sampler);
    peaks.push(peak);
    console.log(`${String(n).padStart(7)}  ${(peak / 2 ** 20).toFixed(1).padStart(11)} MiB  ${((n * deltaBytes) / 2 ** 20).toFixed(1).padStart(12)} MiB`);
  }
  const grew = peaks[2] - peaks[0];
  const held = (200 - 10) * deltaBytes;
  verdict('server memory flat in the number of clients: peak RSS 10 -> 200 clients grows by under a quarter of holding their deltas', `+${(grew / 2 ** 20).toFixed(1)} MiB vs +${(held / 2 ** 20).toFixed(1)} MiB held (${((100 * grew) / held).toFixed(0)}%)`, grew < held / 4);
}

async function main(): Promise<void> {
  console.log(`bench:fl on ${os.cpus().length} x ${os.cpus()[0]?.model}, Node ${process.version}, load ${load()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-fl-'));
  try {
    if (!process.argv.includes('--skip-memory')) await memory(dir);
    if (!process.argv.includes('--skip-accuracy')) await accuracy(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n## Targets (load ${load()})`);
  for (const [t, m, ok] of verdicts) console.log(`${ok ? 'MET    ' : 'NOT MET'}  ${t}: ${m}`);
}

void main();
