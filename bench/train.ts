// Training targets of issue 14, side by side in one run: `npm run bench:train [-- --steps N --seeds S --first-seed F --base-epochs K
//   --base-schedule cosine|constant --kd T:A[,T:A] --work DIR --skip-speed --skip-accuracy --skip-qat]`.
// Speed: one training step (batch 64, SGD with momentum) on the Fashion-MNIST CNN and MobileNetV2-style samples,
// 1 and 2 threads, each in a fresh process, against PyTorch (Debian's python3-torch) doing the same step on the
// same architecture. Accuracy: prune 30% of the CNN's channels, then `edgewise finetune` and `edgewise distill`
// (job defaults, S seeds each, paired by seed; --kd adds distillation settings beside them) one epoch on the 60,000-image
// train split, top-1 on the 10,000-image test split, per seed and as mean, spread and paired difference. QAT: one epoch of
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
const FIRST_SEED = Number(arg('first-seed', '1'));
// The committed CNN (86.99%) is not converged: one epoch of its pruned copy beats it, so as a teacher it can only pull the
// student down. By default the teacher is that CNN trained on to a finished model (5 epochs, cosine); --base-epochs 0 uses it as committed.
const BASE_EPOCHS = Number(arg('base-epochs', '5'));
const BASE_SCHEDULE = arg('base-schedule', 'cosine');
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

interface TrainReport { epochs: { imagesPerSecond: number; seconds: number; loss: number }[]; seconds: number; output: string }
const describe = (r: TrainReport) => `${r.epochs[0].seconds.toFixed(0)} s, ${r.epochs[0].imagesPerSecond.toFixed(0)} img/s, loss ${r.epochs[0].loss.toFixed(3)}`;

/** Mean, sample standard deviation and range of per-seed figures. */
function spread(xs: number[]): { mean: number; sd: number; min: number; max: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}
// Student's t, two-sided 95%, by degrees of freedom (1..10; 2.0 beyond).
const T95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];
const points = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;

/** A distillation setting; undefined fields are the job's defaults (what a user gets without tuning). */
interface KdSetting { temperature?: number; alpha?: number }
const kdName = (k: KdSetting) => (k.temperature === undefined && k.alpha === undefined ? 'distill (defaults)' : `distill T ${k.temperature ?? 'def'} a ${k.alpha ?? 'def'}`);
/** `--kd 4:0.9,2:1` adds distillation settings beside the job defaults. */
const KD: KdSetting[] = [{}, ...arg('kd', '').split(',').filter(Boolean).map((s) => {
  const [t, a] = s.split(':').map(Number);
  return { temperature: t, alpha: a };
})];

async function accuracy(dir: string, train: { data: string; labels: string }, test: RawImages): Promise<void> {
  console.log(`\n## Accuracy: prune 30% of the CNN's channels, then one epoch on the 60,000-image train split (load ${load()})`);
  let cnn = path.join(dir, 'cnn.onnx');
  fs.copyFileSync(path.join(fixtures, 'fmnist_cnn.onnx'), cnn);
  if (BASE_EPOCHS > 0) {
    // The committed CNN is not converged (one more epoch of the pruned copy beats it): train it further first, so the
    // teacher is what a user would prune, a finished model. Kept in --work DIR and reused by the next run.
    // A finished model is trained down a decaying learning rate (--base-schedule cosine); with a constant one it stops
    // at a noisy point that one more epoch of the pruned copy beats, and a teacher weaker than the student teaches nothing.
    const base = path.join(dir, `base${BASE_EPOCHS}-${BASE_SCHEDULE}.onnx`);
    if (!fs.existsSync(base)) cli(['finetune', cnn, '--data', train.data, '--labels', train.labels, '--epochs', `${BASE_EPOCHS}`, '--batch-size', `${BATCH}`, '--schedule', BASE_SCHEDULE, '--out', base]);
    cnn = base;
    console.log(`(the unpruned model: the committed CNN after ${BASE_EPOCHS} more epochs on the train split, adam lr 1e-3, ${BASE_SCHEDULE} schedule, seed 0)`);
  }
  cli(['prune', cnn, '--method', 'channel', '--sparsity', '0.3', '--force']);
  const pruned = cnn.replace(/\.onnx$/, '.pruned.onnx');
  const [base, before] = [await top1(cnn, test), await top1(pruned, test)];
  const below = (x: number) => `${Math.abs((base - x) * 100).toFixed(2)} points ${x <= base ? 'below' : 'above'}`;
  console.log(`unpruned CNN (the teacher)   ${pct(base)}`);
  console.log(`pruned 30%, no training      ${pct(before)}  (${below(before)})`);
  console.log('Each seed sets the shuffle of both runs (paired: the same batches in the same order); adam lr 1e-3, batch 64.');
  console.log(`seed  finetune (labels)  ${KD.map((k) => `${kdName(k).padEnd(19)} vs finetune`).join('  ')}`);
  const seeds = Array.from({ length: SEEDS }, (_, i) => FIRST_SEED + i);
  const tuned: number[] = [];
  const distilled: number[][] = KD.map(() => []);
  for (const seed of seeds) {
    const common = ['--data', train.data, '--labels', train.labels, '--epochs', '1', '--batch-size', `${BATCH}`, '--seed', `${seed}`, '--force'];
    const ft = cli(['finetune', pruned, ...common, '--out', path.join(dir, `ft${seed}.onnx`)]) as unknown as TrainReport;
    tuned.push(await top1(ft.output, test));
    const cells: string[] = [];
    const times = [`finetune ${describe(ft)}`];
    for (const [i, k] of KD.entries()) {
      const extra = [...(k.temperature === undefined ? [] : ['--temperature', `${k.temperature}`]), ...(k.alpha === undefined ? [] : ['--alpha', `${k.alpha}`])];
      const kd = cli(['distill', pruned, '--teacher', cnn, ...common, ...extra, '--out', path.join(dir, `kd${seed}_${i}.onnx`)]) as unknown as TrainReport;
      const acc = await top1(kd.output, test);
      distilled[i].push(acc);
      cells.push(`${pct(acc).padEnd(19)} ${points(acc - tuned[tuned.length - 1]).padStart(10)}`);
      times.push(`${kdName(k)} ${describe(kd)}`);
    }
    console.log(`${String(seed).padStart(4)}  ${pct(tuned[tuned.length - 1]).padEnd(17)}  ${cells.join('  ')}   (${times.join('; ')})`);
  }
  const summary = (xs: number[]) => {
    const s = spread(xs);
    return `mean ${pct(s.mean)}, sd ${(s.sd * 100).toFixed(2)}, range ${pct(s.min)}..${pct(s.max)}`;
  };
  console.log(`finetune            ${summary(tuned)}`);
  for (const [i, k] of KD.entries()) {
    const d = spread(distilled[i].map((x, j) => x - tuned[j]));
    const half = seeds.length > 1 ? (T95[seeds.length - 2] ?? 2) * d.sd / Math.sqrt(seeds.length) : NaN;
    const reading = !(half >= 0) ? '' : d.mean - half > 0 ? 'better' : d.mean + half < 0 ? 'worse' : 'a tie within the seed noise';
    console.log(`${kdName(k).padEnd(19)} ${summary(distilled[i])}; paired difference ${points(d.mean)} points (95% interval ${points(d.mean - half)}..${points(d.mean + half)}: ${reading})`);
  }
  const worst = (xs: number[]) => Math.min(...xs);
  verdict('finetune after pruning: within 1.0 point of the unpruned model (worst seed)', below(worst(tuned)), tuned.every((x) => base - x <= 0.01));
  verdict('distill after pruning: within 1.0 point of the unpruned model (worst seed)', below(worst(distilled[0])), distilled[0].every((x) => base - x <= 0.01));
  const [ftMean, kdMean] = [spread(tuned).mean, spread(distilled[0]).mean];
  verdict(`distillation (job defaults) at least as good as fine-tuning (same budget, mean of ${seeds.length} seeds)`, `${pct(kdMean)} vs ${pct(ftMean)}`, kdMean >= ftMean);
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
  const work = arg('work', '');
  const dir = work ? path.resolve(work) : fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-train-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    const train = writeSplit(dir, 'train', trainSplit);
    if (!process.argv.includes('--skip-accuracy')) await accuracy(dir, train, test);
    if (!process.argv.includes('--skip-qat')) await qat(dir, train, test);
  } finally {
    if (!work) fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n## Targets (load ${load()})`);
  for (const [target, measured, met] of verdicts) console.log(`${met ? 'MET    ' : 'NOT MET'}  ${target}: ${measured}`);
}

void main();
