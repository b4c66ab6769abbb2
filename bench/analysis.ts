/**
 * Measures the per-layer analysis targets (issue 6), printing figures, not asserting them.
 *
 *   npx tsx bench/analysis.ts [fixture] [mobilenet] [scale]      (default: all three)
 *     env MOBILENET=/path/mobilenet_v2.onnx  TRANSFORMER=/path/transformer_100x64.onnx
 *         FMNIST_MODEL=/path/other-fmnist-model.onnx (another model for the fixture's data)
 *   (default paths: bench/models/<name>.onnx, made by `/usr/bin/python3 bench/models/make_models.py`)
 *
 * fixture:   sensitivity ranking on the 500-image tuning set vs brute-force single-layer top-1 drop
 *            on the test split minus the tuning images (9,500; Debian's dataset-fashion-mnist, else
 *            the 1k held-out fixture): which drops are real (McNemar z > 3), top-k overlap and
 *            Spearman per ranking key; mixed precision --max-accuracy-drop 0.3 tuned on the tuning
 *            set, checked on the held-out 1k and the 9,500.
 * mobilenet: latency-aware mixed precision under an output cosine >= 0.999 budget, benchmarked
 *            side by side with all-FP32 and all-INT8 in one run (alternating rounds).
 * scale:     `edgewise analyze` of a 100-layer transformer and its static INT8 copy on 500 samples, wall time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../src/core/formats/onnx/io';
import type { Model } from '../src/core/formats/onnx/model';
import { encodeModelProto } from '../src/core/formats/onnx/codec';
import { modelInputs, npyDataset, randomDataset, type Dataset } from '../src/core/runtime/data';
import { batchRanges } from '../src/core/runtime/data';
import { loadLabels } from '../src/core/runtime/data-labels';
import { runBenchmark, DEFAULT_JOB } from '../src/core/runtime/benchmark';
import { StaticLayerQuantizer } from '../src/core/analysis/static-quantizer';
import { Scorer, type EvalSet } from '../src/core/analysis/scorer';
import { defaultHarmKey, sensitivity, harmOrder, type LayerSensitivity } from '../src/core/analysis/sensitivity';
import { bytesWithOutputs, floatData, runBatches, type Feeds } from '../src/core/analysis/ort-run';
import { argmaxRows } from '../src/core/analysis/metrics';
import { readNpy } from '../src/core/runtime/npy';
import { fashionMnistTestSplit, withoutImages, type RawImages } from './fashion-mnist';
import { dropPoints, mcnemarZ, overlap, spearman, type PairedDrop } from './rank-stats';
import { compareRankKeys } from './rank-keys';
import { mixedPrecision } from '../src/core/analysis/mixed-precision';
import { tensorErrors } from '../src/core/analysis/tensor-error';
import { analyzePair } from '../src/core/analysis/pair';
import { latencyProbe } from '../src/core/analysis/latency-probe';

const ROOT = path.join(__dirname, '..');
const FIX = path.join(ROOT, 'test/fixtures');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-bench-analysis-'));
const log = (s: string) => process.stdout.write(s + '\n');

function evalSet(ds: Dataset, labels?: Int32Array): EvalSet {
  const batches = [...batchRanges(ds)].map(([s, n]) => ds.batch(s, n));
  return { batches, labels };
}

/** The model's first output over every batch, concatenated: [samples, classes]. */
async function outputs(model: Model, batches: Feeds[]): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  const name = model.graph.proto.output[0].name;
  await runBatches(bytesWithOutputs(model, []), batches, [name], (_, r) => parts.push(floatData(r, name).slice()));
  const all = new Float32Array(parts.reduce((a, o) => a + o.length, 0));
  let off = 0;
  for (const o of parts) { all.set(o, off); off += o.length; }
  return all;
}

/** Top-1 of each sample. */
async function predictions(model: Model, batches: Feeds[], labels: ArrayLike<number>): Promise<Int32Array> {
  const o = await outputs(model, batches);
  return argmaxRows(o, o.length / labels.length);
}

/** Paired top-1 change from `base` to `test` predictions over the samples `take` selects. */
function pairedDrop(base: Int32Array, test: Int32Array, labels: ArrayLike<number>, take: (i: number) => boolean = () => true): PairedDrop {
  const d = { lost: 0, gained: 0, count: 0 };
  for (let i = 0; i < labels.length; i++) {
    if (!take(i)) continue;
    d.count++;
    const b = base[i] === labels[i], t = test[i] === labels[i];
    if (b && !t) d.lost++;
    else if (t && !b) d.gained++;
  }
  return d;
}

/** The images of `raw` as [n,1,28,28] float batches (pixels / 255). */
function imageBatches(raw: RawImages, batch = 500): Feeds[] {
  const out: Feeds[] = [];
  for (let s = 0; s < raw.count; s += batch) {
    const n = Math.min(batch, raw.count - s);
    out.push({ input: new ort.Tensor('float32', Float32Array.from(raw.pixels.subarray(s * 784, (s + n) * 784), (v) => v / 255), [n, 1, 28, 28]) });
  }
  return out;
}

async function fixture(): Promise<void> {
  const file = process.env.FMNIST_MODEL ?? path.join(FIX, 'fmnist_mobilenet.onnx');
  log(`## fixture: ${file.startsWith(ROOT) ? path.relative(ROOT, file) : file} (per-tensor INT8 weights, uint8 activations, min/max calibration)`);
  const model = loadModel(file);
  const specs = modelInputs(model);
  const tuneDs = npyDataset(specs, path.join(FIX, 'fmnist_tune500_u8.npy'), { scale: 1 / 255, batch: 100 });
  const heldDs = npyDataset(specs, path.join(FIX, 'fmnist_test1k_u8.npy'), { scale: 1 / 255, batch: 250 });
  const tune = evalSet(tuneDs, loadLabels(path.join(FIX, 'fmnist_tune500_labels.npy')));
  const held = evalSet(heldDs, loadLabels(path.join(FIX, 'fmnist_test1k_labels.npy')));
  // Ground truth: the full test split minus the tuning images, when Debian's copy is installed.
  const split = fashionMnistTestSplit();
  const truthRaw = split && withoutImages(split, readNpy(path.join(FIX, 'fmnist_tune500_u8.npy')).data as Uint8Array);
  const truthSet = truthRaw
    ? { batches: imageBatches(truthRaw), labels: truthRaw.labels, what: `${truthRaw.count.toLocaleString('en')} test-split images not in the tuning set` }
    : { batches: held.batches, labels: held.labels!, what: '1,000 held-out images (apt-get install dataset-fashion-mnist for the 9,500-image truth)' };
  let t0 = performance.now();
  const quantizer = await StaticLayerQuantizer.create(model, tuneDs, { perChannel: false });
  log(`calibrated on the 500-image tuning set in ${secs(t0)} s; ${quantizer.layers.length} quantizable layers`);
  const tuneScorer = new Scorer(model, tune);
  const heldScorer = new Scorer(model, held);
  const floatTune = await tuneScorer.score(model), floatHeld = await heldScorer.score(model);
  const all = await quantizer.build(new Set(quantizer.layers));
  const allHeld = await heldScorer.score(all.model);
  const floatOut = await outputs(model, truthSet.batches);
  const floatPred = argmaxRows(floatOut, floatOut.length / truthSet.labels.length);
  const allTruth = pairedDrop(floatPred, await predictions(all.model, truthSet.batches, truthSet.labels), truthSet.labels);
  const floatTruth = (100 * floatPred.filter((p, i) => p === truthSet.labels[i]).length) / floatPred.length;
  log(`float top-1: tuning ${floatTune.value.toFixed(2)}%, held-out 1k ${floatHeld.value.toFixed(2)}%, ${truthSet.what} ${floatTruth.toFixed(2)}%; ` +
    `all-INT8 drop: held-out 1k ${(floatHeld.value - allHeld.value).toFixed(2)}, ${truthSet.what} ${dropPoints(allTruth).toFixed(2)} points`);

  // The known remedy for this harm (dead depthwise channels' BN-folded weights set the per-tensor scale).
  const perChannel = await StaticLayerQuantizer.create(model, tuneDs, { perChannel: true });
  const pcAll = pairedDrop(floatPred, await predictions((await perChannel.build(new Set(perChannel.layers))).model, truthSet.batches, truthSet.labels), truthSet.labels);
  log(`  (per-channel weight scales instead: all-INT8 drop ${dropPoints(pcAll).toFixed(2)} points on the ${truthSet.what})`);

  t0 = performance.now();
  const report = await sensitivity(quantizer, tuneScorer, floatTune, {});
  log(`sensitivity (both ways, ${quantizer.layers.length} layers, 500 tuning images): ${secs(t0)} s`);

  // Brute force: the real top-1 cost of quantizing each layer alone, on images the analysis never saw.
  t0 = performance.now();
  const truth = new Map<string, PairedDrop>();
  const even = new Map<string, number>(), odd = new Map<string, number>();
  const layerOut = new Map<string, Float32Array>();
  for (const layer of quantizer.layers) {
    const out = await outputs((await quantizer.build(new Set([layer]))).model, truthSet.batches);
    layerOut.set(layer, out);
    const pred = argmaxRows(out, out.length / truthSet.labels.length);
    truth.set(layer, pairedDrop(floatPred, pred, truthSet.labels));
    even.set(layer, dropPoints(pairedDrop(floatPred, pred, truthSet.labels, (i) => i % 2 === 0)));
    odd.set(layer, dropPoints(pairedDrop(floatPred, pred, truthSet.labels, (i) => i % 2 === 1)));
  }
  log(`brute force (each layer alone, ${truthSet.what}): ${secs(t0)} s`);
  const layers = quantizer.layers;
  const drop = (l: string) => dropPoints(truth.get(l)!);
  const z = (l: string) => mcnemarZ(truth.get(l)!);
  const byTruth = [...layers].sort((a, b) => drop(b) - drop(a));
  const real = byTruth.filter((l) => z(l) > 3);
  const rest = byTruth.filter((l) => !real.includes(l));
  log(`  real single-layer drops (McNemar z > 3): ${real.length} of ${layers.length} layers${real.length ? ': ' : ''}${real.map((l) => `${short(l)} ${drop(l).toFixed(2)} (z ${z(l).toFixed(1)})`).join(', ')}`);
  if (rest.length) {
    log(`  the other ${rest.length}: ${Math.min(...rest.map(drop)).toFixed(2)} to ${Math.max(...rest.map(drop)).toFixed(2)} points, largest z ${Math.max(...rest.map(z)).toFixed(1)}: sampling noise`);
  }
  const halves = (ls: string[]) => (ls.length > 2 ? spearman(ls.map((l) => even.get(l)!), ls.map((l) => odd.get(l)!)).toFixed(3) : 'n/a');
  log(`  the truth's own split-half agreement (Spearman of the drops on even vs odd images): all layers ${halves(layers)}, the real ones ${halves(real)}`);

  // With no real drop there is no top to find: top-1 overlap then only shows chance.
  const k = Math.max(real.length, 1);
  const truthTop = byTruth.slice(0, k);
  const ranks: [string, LayerSensitivity[]][] = [
    [`output KL (the default for top-1: '${defaultHarmKey('top1')}')`, report.layers],
    ['output SQNR', harmOrder(report.layers, 'sqnr')],
    ['top-1 drop', harmOrder(report.layers, 'metric')],
    ['recovery when left in float', [...report.layers].sort((a, b) => b.recovery - a.recovery)],
  ];
  for (const [name, order] of ranks) {
    const predicted = order.map((s) => s.layer);
    const score = new Map(predicted.map((l, i) => [l, predicted.length - i]));
    const rho = (ls: string[]) => (ls.length > 2 ? spearman(ls.map((l) => score.get(l)!), ls.map(drop)).toFixed(3) : 'n/a');
    log(`ranking by ${name}: top-${k} overlap ${overlap(predicted.slice(0, k), truthTop)}/${k}, Spearman among the real ${rho(real)}, over all layers ${rho(layers)}; ` +
      `predicted top-${k} ${predicted.slice(0, k).map(short).join(', ')}`);
  }
  // The keys compared on many tuning sets: random 500-image parts of the truth set, truth on the rest.
  t0 = performance.now();
  const keys = compareRankKeys(floatOut, layerOut, truthSet.labels, k);
  log(`ranking keys on 40 random splits (500 images for the key, the other ${(truthSet.labels.length - 500).toLocaleString('en')} for the truth; ${secs(t0)} s): ` +
    keys.map((r) => `${r.key} Spearman ${r.spearman.toFixed(3)} ± ${r.stderr.toFixed(3)}, top-${k} ${r.topK.toFixed(2)}/${k}`).join('; '));
  // A cheaper predictor: the SQNR each layer's own output has in the all-INT8 model (one run).
  const errs = await tensorErrors(model, all.model, all.tensorMap, tune.batches);
  const bySqnr = new Map<string, number>();
  for (const e of errs) bySqnr.set(e.layer, Math.min(bySqnr.get(e.layer) ?? Infinity, e.sqnrDb));
  const measured = layers.filter((l) => bySqnr.has(l));
  const cheap = [...measured].sort((a, b) => bySqnr.get(a)! - bySqnr.get(b)!);
  log(`ranking by per-tensor SQNR in the all-INT8 model: top-${k} overlap ${overlap(cheap.slice(0, k), truthTop)}/${k}, ` +
    `Spearman over its ${measured.length} layers ${spearman(measured.map((l) => -bySqnr.get(l)!), measured.map(drop)).toFixed(3)}`);

  t0 = performance.now();
  const mp = await mixedPrecision(quantizer, tuneScorer, floatTune, report.layers, { budget: { maxDrop: 0.3 } });
  const mpHeld = await heldScorer.score(mp.quantized.model);
  const mpTruth = dropPoints(pairedDrop(floatPred, await predictions(mp.quantized.model, truthSet.batches, truthSet.labels), truthSet.labels));
  const floats = mp.decisions.filter((d) => d.precision === 'float');
  const heldDrop = floatHeld.value - mpHeld.value;
  const verdict = (d: number) => (d <= 0.3 + 1e-9 ? 'met' : 'NOT met');
  log(`mixed precision --max-accuracy-drop 0.3 (tuned on 500 tuning images, ${mp.evaluations} builds, ${secs(t0)} s): ` +
    `${mp.int8Layers.length} INT8 / ${floats.length} float [${floats.map((d) => short(d.layer)).join(', ')}]`);
  log(`  tuning drop ${(floatTune.value - mp.score.value).toFixed(2)}; HELD-OUT 1k drop ${heldDrop.toFixed(2)} points (budget 0.3: ${verdict(heldDrop)}); ` +
    `${truthSet.what}: drop ${mpTruth.toFixed(2)} (${verdict(mpTruth)})`);
  log(`  size: float ${bytes(model)} B, all-INT8 ${bytes(all.model)} B, mixed ${bytes(mp.quantized.model)} B`);
}

function secs(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(1);
}

async function mobilenet(): Promise<void> {
  const file = process.env.MOBILENET ?? path.join(ROOT, 'bench/models/mobilenet_v2.onnx');
  log(`## mobilenet: ${file} (random weights; per-channel INT8 weights, uint8 activations; budget output cosine >= 0.999 on random inputs)`);
  const model = loadModel(file);
  const ds = randomDataset(modelInputs(model), { randomCount: 16, batch: 8 });
  const data = evalSet(ds);
  let t0 = performance.now();
  const quantizer = await StaticLayerQuantizer.create(model, ds, { perChannel: true });
  const scorer = new Scorer(model, data, 'cosine');
  const float = await scorer.score(model);
  const all = await quantizer.build(new Set(quantizer.layers));
  const allScore = await scorer.score(all.model);
  log(`${quantizer.layers.length} layers; all-INT8 output cosine ${allScore.value.toFixed(5)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const floatFile = file;
  const int8File = path.join(scratch, 'mobilenet.int8.onnx');
  saveModel(all.model, int8File, { overwrite: true });
  t0 = performance.now();
  // The same probe `quantize --max-accuracy-drop --latency-aware` and the recipe pass use.
  const probe = await latencyProbe(model, quantizer);
  const gains = probe.latency;
  // Verdicts by the one noise rule (analysis/noise.ts).
  const slower = gains.filter((g) => g.verdict === 'slower');
  const faster = gains.filter((g) => g.verdict === 'faster');
  log(`per-layer profiles (${((performance.now() - t0) / 1000).toFixed(1)} s, per-kernel medians): of ${gains.length} timed layers INT8 is slower on ${slower.length} (${slower.reduce((a, g) => a - g.gainUs, 0).toFixed(0)} µs lost), faster on ${faster.length} (${faster.reduce((a, g) => a + g.gainUs, 0).toFixed(0)} µs saved), within the run-to-run noise on ${gains.length - slower.length - faster.length}`);
  t0 = performance.now();
  const report = await sensitivity(quantizer, scorer, float, { skipOnlyFloat: true });
  log(`sensitivity (only-this-layer, ${quantizer.layers.length} builds): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Candidates (latency-aware, accuracy-only, float) are timed and the fastest within budget kept.
  const mp = await mixedPrecision(quantizer, scorer, float, report.layers, { budget: { minValue: 0.999 }, latency: gains, latencyOf: probe.latencyOf });
  probe.dispose();
  const mpFile = path.join(scratch, 'mobilenet.mixed.onnx');
  saveModel(mp.quantized.model, mpFile, { overwrite: true });
  const reasons = mp.decisions.reduce<Record<string, number>>((a, d) => ({ ...a, [d.reason]: (a[d.reason] ?? 0) + 1 }), {});
  log(`mixed: cosine ${mp.score.value.toFixed(5)} (${mp.withinBudget ? 'within' : 'OUTSIDE'} budget), decisions ${JSON.stringify(reasons)}; ` +
    `candidates ${JSON.stringify(mp.candidates?.map((c) => [c.name, Number(c.latencyMs.toFixed(2))]))}, chosen ${mp.chosen}`);

  // Side by side: alternate the three models, several rounds, compare medians of p50.
  const files = { fp32: floatFile, int8: int8File, mixed: mpFile };
  const p50: Record<string, number[]> = { fp32: [], int8: [], mixed: [] };
  const ROUNDS = 7;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, f] of Object.entries(files)) p50[k].push((await runBenchmark({ ...DEFAULT_JOB, model: f, runs: 60, warmup: 10 })).latency.p50Ms);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const m = Object.fromEntries(Object.entries(p50).map(([k, v]) => [k, med(v)]));
  log(`latency p50 (median of ${ROUNDS} alternating rounds, 1 thread): FP32 ${m.fp32.toFixed(2)} ms, INT8 ${m.int8.toFixed(2)} ms, mixed ${m.mixed.toFixed(2)} ms; ` +
    `mixed / min(FP32, INT8) = ${(m.mixed / Math.min(m.fp32, m.int8)).toFixed(3)} (rounds: ${JSON.stringify(p50, (_, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))})`);
  const same = fs.readFileSync(int8File).equals(fs.readFileSync(mpFile));
  log(`  size: FP32 ${fs.statSync(floatFile).size} B, INT8 ${fs.statSync(int8File).size} B, mixed ${fs.statSync(mpFile).size} B${same ? ' (mixed is byte-identical to INT8: any difference above is run-to-run noise)' : ''}`);
}

async function scale(): Promise<void> {
  const file = process.env.TRANSFORMER ?? path.join(ROOT, 'bench/models/transformer_100x64.onnx');
  log(`## scale: ${file}, 500 random samples, the \`edgewise analyze FLOAT QUANT --data X\` path`);
  const model = loadModel(file);
  let t0 = performance.now();
  const calib = randomDataset(modelInputs(model), { randomCount: 32 }, 7);
  const quantizer = await StaticLayerQuantizer.create(model, calib, { perChannel: false });
  const quantFile = path.join(scratch, 'transformer.static.onnx');
  saveModel((await quantizer.build(new Set(quantizer.layers))).model, quantFile, { overwrite: true });
  log(`calibration (32 samples) + quantization of ${quantizer.layers.length} layers: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const ds = randomDataset(modelInputs(model), { randomCount: 500 });
  const data = evalSet(ds);
  // As the CLI does: both models read from their files, tensors matched through the Q/DQ structure.
  const floatModel = loadModel(file), quantModel = loadModel(quantFile);
  t0 = performance.now();
  const cpu = process.cpuUsage();
  const r = await analyzePair(floatModel, quantModel, data, { progress: (m) => log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${m}`) });
  const secs = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const worst = [...r.layers].sort((a, b) => a.sqnrDb - b.sqnrDb)[0];
  log(`analysis: ${r.layers.length} tensors x ${ds.count} samples (${data.batches.length} runs of each model) in ${secs.toFixed(1)} s wall, ` +
    `${((used.user + used.system) / 1e6).toFixed(1)} s CPU (target < 60 s: ${secs < 60 ? 'met' : 'NOT met'}); ` +
    `output cosine ${r.quantized.outputCosine.toFixed(5)}; worst ${worst?.layer} ${worst?.sqnrDb.toFixed(1)} dB; ${r.findings.length} findings`);
}

function short(layer: string): string {
  return layer.replace(/^\/features\/features\./, 'f').replace(/\/body\/body\./, '.').replace(/\/Conv$/, '');
}

function bytes(m: Model): number {
  return encodeModelProto(m.proto).length;
}

(async () => {
  const parts = process.argv.slice(2);
  const want = (p: string) => parts.length === 0 || parts.includes(p);
  log(`# bench/analysis  ${new Date().toISOString()}  ${os.cpus()[0]?.model} x${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}`);
  try {
    if (want('fixture')) await fixture();
    if (want('scale')) await scale();
    if (want('mobilenet')) await mobilenet();
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
})().catch((e) => { process.stderr.write(`${e.stack ?? e}\n`); process.exitCode = 1; });
