// Training targets of issue 14, side by side in one run: `npm run bench:train [-- --steps N --seeds S --base-epochs K --skip-speed --skip-accuracy --skip-qat]`.
// Speed: one training step (batch 64, SGD with momentum) on the Fashion-MNIST CNN and MobileNetV2-style samples,
// 1 and 2 threads, each in a fresh process, against PyTorch (Debian's python3-torch) doing the same step on the
// same architecture. Accuracy: prune 30% of the CNN's channels, then `edgewise finetune` and `edgewise distill`
// (job defaults, S seeds each) one epoch on the 60,000-image train split, top-1 on the 10,000-image test split. QAT: one epoch of
// `edgewise finetune --qat` on the per-tensor INT8 MobileNet. Needs dataset-fashion-mnist and python3-torch.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateModel } from '../src/core/analysis/accuracy';
import { loadModel } from '../src/core/formats/onnx/io';
import { ArrayDataset, batchLimit, modelInputs } from '../src/core/runtime/data';
import { encodeNpy } from '../src/core/runtime/npy';
import { fashionMnistSplit, type RawImages } from './fashion-mnist';

const root = path.resolve(__dirname, '..');
const fixtures = path.join(root, 'test/fixtures');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const STEPS = Number(arg('steps', '20'));
const SEEDS = Number(arg('seeds', '3'));
const BASE_EPOCHS = Number(arg('base-epochs', '0'));
const BATCH = 64;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const verdicts: [string, string, boolean][] = [];
const verdict = (target: string, measured: string, met: boolean) => verdicts.push([target, measured, met]);

function json<T>(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): T {
  return JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] })) as T;
}

interface StepFigures { params: number; stepMs: number; imagesPerSecond: number; maxRssBytes: number; setupSeconds?: number }

function ours(model: string, threads: number): StepFigures {
  return json(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'train-step-child.ts'), model, String(threads), String(BATCH), String(STEPS)]);
}

function pytorch(arch: string, threads: number): StepFigures {
  // Idle threads sleep, as ORT's do here (allow_spinning 0): on a shared machine spinning OpenMP threads cost PyTorch 5x.
  return json('/usr/bin/python3', [path.join(__dirname, 'train_step_torch.py'), arch, String(threads), String(BATCH), String(STEPS)], { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' });
}

function speed(): void {
  console.log(`\n## Speed: one training step, batch ${BATCH}, median of ${STEPS} steps after 3 warm-up steps (load ${load()})`);
  console.log('model      threads  edgewise img/s  pytorch img/s  ratio  edgewise RSS  pytorch RSS  edgewise set-up');
  const ratios: number[] = [];
  for (const [arch, file] of [['cnn', 'fmnist_cnn.onnx'], ['mobilenet', 'fmnist_mobilenet.onnx']]) {
    for (const threads of [1, 2]) {
      // Alternate the two so load changes hit both alike.
      const a = ours(path.join(fixtures, file), threads);
      const b = pytorch(arch, threads);
      if (a.params !== b.params) throw new Error(`${arch}: ${a.params} parameters here, ${b.params} in the PyTorch model: not the same architecture`);
      const ratio = a.imagesPerSecond / b.imagesPerSecond;
      ratios.push(ratio);
      console.log(`${arch.padEnd(10)} ${String(threads).padStart(7)}  ${a.imagesPerSecond.toFixed(0).padStart(14)}  ${b.imagesPerSecond.toFixed(0).padStart(13)}  ${ratio.toFixed(2).padStart(5)}x  ${mib(a.maxRssBytes).padStart(12)}  ${mib(b.maxRssBytes).padStart(11)}  ${a.setupSeconds!.toFixed(2).padStart(13)} s`);
    }
  }
  console.log('(set-up: building the training graph and creating its ONNX Runtime session, once per run; not in img/s)');
  verdict('training step >= 1.0x PyTorch (every model and thread count)', `min ${Math.min(...ratios).toFixed(2)}x`, Math.min(...ratios) >= 1);
  verdict('training step never below 0.5x PyTorch', `min ${Math.min(...ratios).toFixed(2)}x`, Math.min(...ratios) >= 0.5);
}

/** Writes a split as [N, 28, 28] uint8 images and int64 labels. */
function writeSplit(dir: string, name: string, s: RawImages): { data: string; labels: string } {
  const data = path.join(dir, `${name}.npy`);
  const labels = path.join(dir, `${name}_labels.npy`);
  fs.writeFileSync(data, encodeNpy({ dtype: 'uint8', shape: [s.count, 28, 28], data: s.pixels }));
  fs.writeFileSync(labels, encodeNpy({ dtype: 'int64', shape: [s.count], data: BigInt64Array.from(s.labels, BigInt) }));
  return { data, labels };
}

function cli(args: string[]): Record<string, unknown> {
  return json(process.execPath, [path.join(root, 'dist/cli.js'), ...args, '--json']);
}

async function top1(file: string, test: RawImages): Promise<number> {
  const model = loadModel(file);
  const specs = modelInputs(model);
  const data = new ArrayDataset('fashion-mnist t10k', test.count, false, batchLimit(specs, 500), [{ spec: specs[0], sample: [1, 28, 28], data: Float32Array.from(test.pixels, (v) => v / 255) }]);
  return (await evaluateModel(model, data, test.labels, { threads: 1 })).accuracy!.top1;
}

interface TrainReport { epochs: { imagesPerSecond: number; seconds: number; loss: number }[]; seconds: number }
const describe = (r: TrainReport) => `${r.epochs[0].seconds.toFixed(0)} s for the epoch, ${r.epochs[0].imagesPerSecond.toFixed(0)} img/s, final loss ${r.epochs[0].loss.toFixed(3)}`;

async function accuracy(dir: string, train: { data: string; labels: string }, test: RawImages): Promise<void> {
  console.log(`\n## Accuracy: prune 30% of the CNN's channels, then one epoch on the 60,000-image train split (load ${load()})`);
  let cnn = path.join(dir, 'cnn.onnx');
  fs.copyFileSync(path.join(fixtures, 'fmnist_cnn.onnx'), cnn);
  if (BASE_EPOCHS > 0) {
    // The committed CNN is not converged (one more epoch of the pruned copy beats it): train it further first, so the
    // teacher is what a user would prune, a finished model.
    const base = cli(['finetune', cnn, '--data', train.data, '--labels', train.labels, '--epochs', `${BASE_EPOCHS}`, '--batch-size', `${BATCH}`, '--out', path.join(dir, 'base.onnx')]) as unknown as { output: string };
    cnn = base.output;
    console.log(`(the unpruned model: the committed CNN after ${BASE_EPOCHS} more epochs on the train split)`);
  }
  cli(['prune', cnn, '--method', 'channel', '--sparsity', '0.3']);
  const pruned = cnn.replace(/\.onnx$/, '.pruned.onnx');
  const results: { seed: number; tuned: number; distilled: number; ft: TrainReport; kd: TrainReport }[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    // The job's defaults otherwise (adam, lr 1e-3; distillation T 4, alpha 0.5): what a user gets without tuning.
    const common = ['--data', train.data, '--labels', train.labels, '--epochs', '1', '--batch-size', `${BATCH}`, '--seed', `${seed}`];
    const ft = cli(['finetune', pruned, ...common, '--out', path.join(dir, `ft${seed}.onnx`)]) as unknown as TrainReport & { output: string };
    const kd = cli(['distill', pruned, '--teacher', cnn, ...common, '--out', path.join(dir, `kd${seed}.onnx`)]) as unknown as TrainReport & { output: string };
    results.push({ seed, tuned: await top1(ft.output, test), distilled: await top1(kd.output, test), ft, kd });
  }
  const [base, before] = [await top1(cnn, test), await top1(pruned, test)];
  const mean = (k: 'tuned' | 'distilled') => results.reduce((a, r) => a + r[k], 0) / results.length;
  const below = (x: number) => `${((base - x) * 100).toFixed(2)} points below`;
  console.log(`unpruned CNN (the teacher)         ${pct(base)}`);
  console.log(`pruned 30%, no training            ${pct(before)}  (${below(before)})`);
  for (const r of results) {
    console.log(`seed ${r.seed}: pruned + finetune (labels)   ${pct(r.tuned)}  (${below(r.tuned)}; ${describe(r.ft)})`);
    console.log(`seed ${r.seed}: pruned + distill (teacher)   ${pct(r.distilled)}  (${below(r.distilled)}; ${describe(r.kd)})`);
  }
  const [tuned, distilled] = [mean('tuned'), mean('distilled')];
  console.log(`mean of ${results.length} seeds: finetune ${pct(tuned)}, distill ${pct(distilled)}`);
  verdict('finetune after pruning: within 1.0 point of the unpruned model (worst seed)', below(Math.min(...results.map((r) => r.tuned))), results.every((r) => base - r.tuned <= 0.01));
  verdict('distill after pruning: within 1.0 point of the unpruned model (worst seed)', below(Math.min(...results.map((r) => r.distilled))), results.every((r) => base - r.distilled <= 0.01));
  verdict(`distillation at least as good as fine-tuning (same budget, mean of ${results.length} seeds)`, `${pct(distilled)} vs ${pct(tuned)}`, distilled >= tuned);
}

async function qat(dir: string, train: { data: string; labels: string }, test: RawImages): Promise<void> {
  console.log(`\n## QAT: one epoch of finetune --qat on the per-tensor static INT8 MobileNet (load ${load()})`);
  const int8 = path.join(dir, 'mobilenet.int8.onnx');
  fs.copyFileSync(path.join(fixtures, 'fmnist_mobilenet.int8.onnx'), int8);
  const r = cli(['finetune', int8, '--qat', '--data', train.data, '--labels', train.labels, '--epochs', '1', '--batch-size', `${BATCH}`, '--seed', '1']) as unknown as TrainReport & { output: string };
  const [float, quantized, trained] = [await top1(path.join(fixtures, 'fmnist_mobilenet.onnx'), test), await top1(int8, test), await top1(r.output, test)];
  const lost = float - quantized;
  const recovered = (trained - quantized) / lost;
  console.log(`float MobileNet                    ${pct(float)}`);
  console.log(`static INT8 (per-tensor)           ${pct(quantized)}  (${(lost * 100).toFixed(2)} points lost)`);
  console.log(`INT8 + one epoch of --qat          ${pct(trained)}  (${(recovered * 100).toFixed(0)}% of the loss recovered; ${describe(r)})`);
  verdict('QAT model: static INT8 loses more than 1 point', `${(lost * 100).toFixed(2)} points`, lost > 0.01);
  verdict('one epoch of --qat recovers at least half of the loss', `${(recovered * 100).toFixed(0)}%`, recovered >= 0.5);
}

async function main(): Promise<void> {
  console.log(`bench:train on ${os.cpus().length} x ${os.cpus()[0]?.model}, Node ${process.version}, load ${load()}`);
  if (!process.argv.includes('--skip-speed')) speed();
  const trainSplit = fashionMnistSplit('train');
  const test = fashionMnistSplit('t10k');
  if (!trainSplit || !test) throw new Error('Fashion-MNIST is missing: apt-get install dataset-fashion-mnist');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-train-'));
  try {
    const train = writeSplit(dir, 'train', trainSplit);
    if (!process.argv.includes('--skip-accuracy')) await accuracy(dir, train, test);
    if (!process.argv.includes('--skip-qat')) await qat(dir, train, test);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n## Targets (load ${load()})`);
  for (const [target, measured, met] of verdicts) console.log(`${met ? 'MET    ' : 'NOT MET'}  ${target}: ${measured}`);
}

void main();
