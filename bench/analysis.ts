/**
 * Measures the per-layer analysis targets (issue 6), printing figures, not asserting them.
 *
 *   npx tsx bench/analysis.ts [fixture] [mobilenet] [scale]      (default: all three)
 *     env MOBILENET=/path/mobilenet_v2.onnx  TRANSFORMER=/path/transformer_100x64.onnx
 *   (default paths: bench/models/<name>.onnx, made by `/usr/bin/python3 bench/models/make_models.py`)
 *
 * fixture:   sensitivity ranking on the tuning set vs brute-force single-layer top-1 drop on the
 *            held-out set (rank agreement); mixed precision --max-accuracy-drop 0.3 tuned on the
 *            tuning set, checked on the held-out set.
 * mobilenet: latency-aware mixed precision under an output cosine >= 0.999 budget, benchmarked
 *            side by side with all-FP32 and all-INT8 in one run (alternating rounds).
 * scale:     `edgewise analyze` of a 100-layer transformer and its static INT8 copy on 500 samples, wall time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel, saveModel } from '../src/core/onnx/io';
import type { Model } from '../src/core/onnx/model';
import { encodeModelProto } from '../src/core/onnx/codec';
import { modelInputs, npyDataset, randomDataset, type Dataset } from '../src/core/runtime/data';
import { batchRanges } from '../src/core/runtime/data';
import { loadLabels } from '../src/core/runtime/data-labels';
import { runBenchmark, DEFAULT_JOB } from '../src/core/runtime/benchmark';
import { StaticLayerQuantizer } from '../src/core/analysis/static-quantizer';
import { Scorer, type EvalSet } from '../src/core/analysis/scorer';
import { sensitivity, harmOrder, type LayerSensitivity } from '../src/core/analysis/sensitivity';
import { mixedPrecision } from '../src/core/analysis/mixed-precision';
import { tensorErrors } from '../src/core/analysis/tensor-error';
import { analyzePair } from '../src/core/analysis/pair';
import { latencyGains, layerTimes, profileNodeTimes } from '../src/core/analysis/latency-gain';

const ROOT = path.join(__dirname, '..');
const FIX = path.join(ROOT, 'test/fixtures');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-bench-analysis-'));
const log = (s: string) => process.stdout.write(s + '\n');

function evalSet(ds: Dataset, labels?: Int32Array): EvalSet {
  const batches = [...batchRanges(ds)].map(([s, n]) => ds.batch(s, n));
  return { batches, labels };
}

/** Spearman rank correlation of two equally long value lists (average ranks for ties). */
function spearman(a: number[], b: number[]): number {
  const rank = (xs: number[]) => {
    const idx = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(xs.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(ra), mb = mean(rb);
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) { num += (ra[i] - ma) * (rb[i] - mb); da += (ra[i] - ma) ** 2; db += (rb[i] - mb) ** 2; }
  return num / Math.sqrt(da * db);
}

function overlap(a: string[], b: string[]): number {
  const s = new Set(b);
  return a.filter((x) => s.has(x)).length;
}

async function fixture(): Promise<void> {
  log('## fixture: test/fixtures/fmnist_mobilenet.onnx (per-tensor INT8 weights, uint8 activations, min/max calibration)');
  const model = loadModel(path.join(FIX, 'fmnist_mobilenet.onnx'));
  const specs = modelInputs(model);
  const tuneDs = npyDataset(specs, path.join(FIX, 'fmnist_tune500_u8.npy'), { scale: 1 / 255, batch: 100 });
  const heldDs = npyDataset(specs, path.join(FIX, 'fmnist_test1k_u8.npy'), { scale: 1 / 255, batch: 250 });
  const tune = evalSet(tuneDs, loadLabels(path.join(FIX, 'fmnist_tune500_labels.npy')));
  const held = evalSet(heldDs, loadLabels(path.join(FIX, 'fmnist_test1k_labels.npy')));
  let t0 = performance.now();
  const quantizer = await StaticLayerQuantizer.create(model, tuneDs, { perChannel: false });
  log(`calibrated on the 500-image tuning set in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${quantizer.layers.length} quantizable layers`);
  const tuneScorer = new Scorer(model, tune);
  const heldScorer = new Scorer(model, held);
  const floatTune = await tuneScorer.score(model), floatHeld = await heldScorer.score(model);
  const all = await quantizer.build(new Set(quantizer.layers));
  const allHeld = await heldScorer.score(all.model);
  log(`float top-1: tuning ${floatTune.value.toFixed(2)}%, held-out ${floatHeld.value.toFixed(2)}%; all-INT8 held-out ${allHeld.value.toFixed(2)}% (drop ${(floatHeld.value - allHeld.value).toFixed(2)})`);

  t0 = performance.now();
  const report = await sensitivity(quantizer, tuneScorer, floatTune, {});
  log(`sensitivity (both ways, ${quantizer.layers.length} layers, 500 tuning images): ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Brute force on the held-out set: the real top-1 cost of quantizing each layer alone.
  t0 = performance.now();
  const heldDrop = new Map<string, number>();
  for (const layer of quantizer.layers) {
    const s = await heldScorer.score((await quantizer.build(new Set([layer]))).model);
    heldDrop.set(layer, floatHeld.value - s.value);
  }
  log(`brute force (each layer alone, 1,000 held-out images): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const truth = [...heldDrop].sort((a, b) => b[1] - a[1]);
  const truthTop = truth.slice(0, 5).map(([l]) => l);
  log(`held-out top-5 by real drop: ${truth.slice(0, 5).map(([l, d]) => `${short(l)} ${d.toFixed(1)}`).join(', ')}`);
  const ranks: [string, LayerSensitivity[]][] = [['output SQNR alone (default)', harmOrder(report.layers, 'sqnr')], ['top-1 drop alone', harmOrder(report.layers, 'metric')]];
  // A cheaper predictor: the SQNR each layer's own output has in the all-INT8 model (one run).
  const errs = await tensorErrors(model, all.model, all.tensorMap, tune.batches);
  const bySqnr = new Map<string, number>();
  for (const e of errs) bySqnr.set(e.layer, Math.min(bySqnr.get(e.layer) ?? Infinity, e.sqnrDb));
  for (const [name, order] of ranks) {
    const predicted = order.map((s) => s.layer);
    const score = predicted.map((_, i) => predicted.length - i);
    const rho = spearman(score, predicted.map((l) => heldDrop.get(l)!));
    log(`ranking by ${name}: Spearman vs held-out drop ${rho.toFixed(3)}; top-5 overlap ${overlap(predicted.slice(0, 5), truthTop)}/5; predicted top-5 ${predicted.slice(0, 5).map(short).join(', ')}`);
  }
  const layers = quantizer.layers.filter((l) => bySqnr.has(l));
  log(`ranking by per-tensor SQNR in the all-INT8 model: Spearman vs held-out drop ${spearman(layers.map((l) => -bySqnr.get(l)!), layers.map((l) => heldDrop.get(l)!)).toFixed(3)}`);

  t0 = performance.now();
  const mp = await mixedPrecision(quantizer, tuneScorer, floatTune, report.layers, { budget: { maxDrop: 0.3 } });
  const mpHeld = await heldScorer.score(mp.quantized.model);
  const floats = mp.decisions.filter((d) => d.precision === 'float');
  log(`mixed precision --max-accuracy-drop 0.3 (tuned on 500 tuning images, ${mp.evaluations} builds, ${((performance.now() - t0) / 1000).toFixed(1)} s): ` +
    `${mp.int8Layers.length} INT8 / ${floats.length} float [${floats.map((d) => short(d.layer)).join(', ')}]`);
  log(`  tuning drop ${(floatTune.value - mp.score.value).toFixed(2)}; HELD-OUT drop ${(floatHeld.value - mpHeld.value).toFixed(2)} points (budget 0.3: ${floatHeld.value - mpHeld.value <= 0.3 + 1e-9 ? 'met' : 'NOT met'})`);
  log(`  size: float ${bytes(model)} B, all-INT8 ${bytes(all.model)} B, mixed ${bytes(mp.quantized.model)} B`);
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
  const job = { ...DEFAULT_JOB, runs: 40, warmup: 5, profile: true, profileRuns: 30 };
  const pf = await runBenchmark({ ...job, model: floatFile });
  const pq = await runBenchmark({ ...job, model: int8File });
  const layerSet = new Set(quantizer.layers);
  const gains = latencyGains(
    layerTimes(model, profileNodeTimes(model, pf.profileOptimized!.nodes), layerSet),
    layerTimes(all.model, profileNodeTimes(all.model, pq.profileOptimized!.nodes), layerSet),
  );
  const slower = gains.filter((g) => g.gainUs < 0);
  log(`per-layer profiles (${((performance.now() - t0) / 1000).toFixed(1)} s): INT8 slower on ${slower.length} of ${gains.length} timed layers (${slower.reduce((a, g) => a - g.gainUs, 0).toFixed(0)} µs lost), faster on ${gains.length - slower.length} (${gains.filter((g) => g.gainUs >= 0).reduce((a, g) => a + g.gainUs, 0).toFixed(0)} µs saved)`);
  t0 = performance.now();
  const report = await sensitivity(quantizer, scorer, float, { skipOnlyFloat: true });
  log(`sensitivity (only-this-layer, ${quantizer.layers.length} builds): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Candidates (latency-aware, accuracy-only, float) are timed and the fastest within budget kept.
  const latencyOf = async (m: Model) => {
    const f = path.join(scratch, `candidate-${Math.random().toString(36).slice(2)}.onnx`);
    saveModel(m, f, { overwrite: true });
    return (await runBenchmark({ ...DEFAULT_JOB, model: f, runs: 60, warmup: 10 })).latency.p50Ms;
  };
  const mp = await mixedPrecision(quantizer, scorer, float, report.layers, { budget: { minValue: 0.999 }, latency: gains, latencyOf });
  const mpFile = path.join(scratch, 'mobilenet.mixed.onnx');
  saveModel(mp.quantized.model, mpFile, { overwrite: true });
  const reasons = mp.decisions.reduce<Record<string, number>>((a, d) => ({ ...a, [d.reason]: (a[d.reason] ?? 0) + 1 }), {});
  log(`mixed: cosine ${mp.score.value.toFixed(5)} (${mp.withinBudget ? 'within' : 'OUTSIDE'} budget), decisions ${JSON.stringify(reasons)}; ` +
    `candidates ${JSON.stringify(mp.candidates?.map((c) => [c.name, Number(c.latencyMs.toFixed(2))]))}, chosen ${mp.chosen}`);

  // Side by side: alternate the three models, several rounds, compare medians of p50.
  const files = { fp32: floatFile, int8: int8File, mixed: mpFile };
  const p50: Record<string, number[]> = { fp32: [], int8: [], mixed: [] };
  for (let round = 0; round < 3; round++) {
    for (const [k, f] of Object.entries(files)) p50[k].push((await runBenchmark({ ...DEFAULT_JOB, model: f, runs: 60, warmup: 10 })).latency.p50Ms);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const m = Object.fromEntries(Object.entries(p50).map(([k, v]) => [k, med(v)]));
  log(`latency p50 (median of 3 alternating rounds, 1 thread): FP32 ${m.fp32.toFixed(2)} ms, INT8 ${m.int8.toFixed(2)} ms, mixed ${m.mixed.toFixed(2)} ms; ` +
    `mixed / min(FP32, INT8) = ${(m.mixed / Math.min(m.fp32, m.int8)).toFixed(3)} (rounds: ${JSON.stringify(p50, (_, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))})`);
  log(`  size: FP32 ${fs.statSync(floatFile).size} B, INT8 ${fs.statSync(int8File).size} B, mixed ${fs.statSync(mpFile).size} B`);
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
