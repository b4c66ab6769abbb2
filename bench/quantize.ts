/**
 * Quantization targets, measured side by side in one run (npm run bench:quantize).
 *
 * usage: npx tsx bench/quantize.ts [RESNET18] [TRANSFORMER]
 *   defaults: bench/models/resnet18.onnx and bench/models/transformer_4x256.onnx, falling back to
 *   /work/models/; make them with `/usr/bin/python3 bench/models/make_models.py`.
 * The models have random weights: speed and file figures are real, accuracy ones use the Fashion-MNIST
 * fixture (trained) or output agreement. resnet18 is calibrated on random-normal images (no real
 * ImageNet data here), which is fine for speed and fusion, not for accuracy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../src/core/formats/onnx/build';
import { loadModel, saveModel } from '../src/core/formats/onnx/io';
import { Model } from '../src/core/formats/onnx/model';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../src/core/formats/onnx/proto/onnx_pb';
import { compareModels } from '../src/core/analysis/accuracy';
import { EntropyCalibrator } from '../src/core/passes/calibrate/entropy';
import { MinMaxCalibrator } from '../src/core/passes/calibrate/minmax';
import { convertFp16 } from '../src/core/passes/fp16';
import { quantizeDynamic } from '../src/core/passes/quantize/dynamic';
import { quantizeStatic, staticCalibrationTensors } from '../src/core/passes/quantize/static';
import { quantizeInt4 } from '../src/core/passes/quantize/weight-only';
import { calibrate } from '../src/core/runtime/calibration-run';
import { batchRanges, loadDataset, type Dataset } from '../src/core/runtime/data';
import { loadLabels } from '../src/core/runtime/data-labels';
import { fusedOps } from '../src/core/runtime/fused-ops';
import { openSession } from '../src/core/runtime/ort-session';

const fixtures = path.resolve(__dirname, '../test/fixtures');

function modelPath(arg: string | undefined, name: string): string {
  if (arg) return arg;
  const local = path.join(__dirname, 'models', name);
  return fs.existsSync(local) ? local : path.join('/work/models', name);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-q-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const log = (m: string) => process.stderr.write(`${m}\n`);

interface Row { what: string; measured: string; target: string; ok: boolean | null }
const rows: Row[] = [];
const row = (what: string, measured: string, target: string, ok: boolean | null) => { rows.push({ what, measured, target, ok }); log(`  ${what}: ${measured}`); };

/** Median latency of two models at 1 thread, runs interleaved so machine noise hits both alike. */
async function sideBySide(a: string, b: string, data: Dataset, rounds = 15, perRound = 3): Promise<{ a: number; b: number }> {
  const sa = await openSession(a, { threads: 1 });
  const sb = await openSession(b, { threads: 1 });
  const feeds = data.batch(0, data.fixedBatch ? data.maxBatch : 1);
  for (let i = 0; i < 3; i++) { await sa.run(feeds); await sb.run(feeds); }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < perRound; i++) { const t0 = performance.now(); await sa.run(feeds); ta.push(performance.now() - t0); }
    for (let i = 0; i < perRound; i++) { const t0 = performance.now(); await sb.run(feeds); tb.push(performance.now() - t0); }
  }
  await sa.release();
  await sb.release();
  const med = (x: number[]) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)];
  return { a: med(ta), b: med(tb) };
}

/** Wall and CPU time (all threads of this process) of a step: CPU time is what a loaded machine cannot steal. */
async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

/** Plain inference of a data set, as calibration does it (session created, every sample run), 1 thread. */
async function plainInference(file: string, data: Dataset): Promise<{ wallMs: number; cpuMs: number }> {
  return timed(async () => {
    const s = await openSession(file, { threads: 1 });
    for (const [start, n] of batchRanges(data)) await s.run(data.batch(start, n));
    await s.release();
  });
}

const ratio = (a: { wallMs: number; cpuMs: number }, b: { wallMs: number; cpuMs: number }) =>
  `${x(a.cpuMs / b.cpuMs)} CPU time (${(a.cpuMs / 1000).toFixed(2)} s vs ${(b.cpuMs / 1000).toFixed(2)} s); wall ${x(a.wallMs / b.wallMs)}`;

const size = (f: string) => fs.statSync(f).size;
const x = (v: number) => `${v.toFixed(2)}x`;

async function staticResnet(file: string): Promise<void> {
  log(`static INT8: ${file}`);
  const model = loadModel(file);
  const calib = await loadDataset(model, undefined, { randomCount: 16, warn: () => {} });
  const tensors = staticCalibrationTensors(model);
  const plain = await plainInference(file, calib);
  const calT = await timed(() => calibrate(model, tensors, calib, new MinMaxCalibrator(), { threads: 1 }));
  const cal = calT.value;
  const { model: q, report } = quantizeStatic(model, { ranges: cal.ranges, perChannel: true });
  const out = path.join(tmp, 'resnet18.static.onnx');
  saveModel(q, out);
  const f = await fusedOps(out);
  const weighted = report.quantized.filter((n) => ['Conv', 'MatMul', 'Gemm'].includes(n.opType)).length;
  const fused = (f.quantized.QLinearConv ?? 0) + (f.quantized.QGemm ?? 0) + (f.quantized.QLinearMatMul ?? 0);
  const eval8 = await loadDataset(model, undefined, { randomCount: 8, warn: () => {} });
  const cmp = await compareModels(file, out, eval8, undefined, { threads: 1 });
  const t = await sideBySide(file, out, eval8);
  row('static INT8 resnet18: speedup at 1 thread', `${x(t.a / t.b)} (${t.a.toFixed(1)} -> ${t.b.toFixed(1)} ms p50)`, '>= 2.0x', t.a / t.b >= 2);
  row('static INT8 resnet18: file ratio', x(size(out) / size(file)), '<= 0.30x', size(out) / size(file) <= 0.3);
  row('static INT8 resnet18: fused share', `${fused}/${weighted} QLinearConv/QGemm (${((fused / weighted) * 100).toFixed(0)}%)`, '>= 90%', fused / weighted >= 0.9);
  row('static INT8 resnet18: output cosine (random inputs)', cmp.outputs[0].cosine.toFixed(5), '(info)', null);
  row(`static calibration / plain inference (resnet18, ${calib.count} random images, minmax)`, ratio(calT, plain), '<= 2x', calT.cpuMs / plain.cpuMs <= 2);
  // Histogram calibrators need every activation value out of ORT: the costly case.
  const entT = await timed(() => calibrate(model, tensors, calib, new EntropyCalibrator(), { threads: 1 }));
  row(`static calibration / plain inference (resnet18, ${calib.count} random images, entropy)`, ratio(entT, plain), '<= 2x', entT.cpuMs / plain.cpuMs <= 2);
}

async function staticFixture(): Promise<void> {
  const file = `${fixtures}/fmnist_cnn.onnx`;
  log(`static INT8: ${file}`);
  const model = loadModel(file);
  const data = await loadDataset(model, `${fixtures}/fmnist_train1k_u8.npy`, { scale: 1 / 255 });
  const labels = loadLabels(`${fixtures}/fmnist_train1k_labels.npy`, data.count);
  const plain = await plainInference(file, data);
  const calT = await timed(() => calibrate(model, staticCalibrationTensors(model), data, new MinMaxCalibrator(), { threads: 1 }));
  const cal = calT.value;
  const { model: q } = quantizeStatic(model, { ranges: cal.ranges, perChannel: true });
  const out = path.join(tmp, 'fmnist.static.onnx');
  saveModel(q, out);
  const cmp = await compareModels(file, out, data, labels, { threads: 1 });
  const drop = (cmp.accuracyA!.top1 - cmp.accuracyB!.top1) * 100;
  row('static INT8 fixture CNN: top-1 drop (1,000 images)', `${drop.toFixed(2)} points (${(cmp.accuracyA!.top1 * 100).toFixed(1)}% -> ${(cmp.accuracyB!.top1 * 100).toFixed(1)}%)`, '<= 1.0', drop <= 1);
  row('static calibration / plain inference (fixture, 1,000 images)', ratio(calT, plain), '<= 2x', calT.cpuMs / plain.cpuMs <= 2);
}

async function dynamicTransformer(file: string): Promise<void> {
  log(`dynamic INT8: ${file}`);
  const model = loadModel(file);
  const { model: q } = quantizeDynamic(model);
  const out = path.join(tmp, 'transformer.dynamic.onnx');
  saveModel(q, out);
  const data = await loadDataset(model, undefined, { randomCount: 8, warn: () => {} });
  const cmp = await compareModels(file, out, data, undefined, { threads: 1 });
  const t = await sideBySide(file, out, data);
  row('dynamic INT8 transformer: speedup at 1 thread', `${x(t.a / t.b)} (${t.a.toFixed(1)} -> ${t.b.toFixed(1)} ms p50)`, '>= 1.5x', t.a / t.b >= 1.5);
  row('dynamic INT8 transformer: output cosine', cmp.outputs[0].cosine.toFixed(5), '>= 0.999', cmp.outputs[0].cosine >= 0.999);
  row('dynamic INT8 transformer: file ratio', x(size(out) / size(file)), '<= 0.30x', size(out) / size(file) <= 0.3);
}

async function fp16Fixture(): Promise<void> {
  const file = `${fixtures}/fmnist_cnn.onnx`;
  log(`fp16: ${file}`);
  const model = loadModel(file);
  const { model: h } = convertFp16(model);
  const out = path.join(tmp, 'fmnist.fp16.onnx');
  saveModel(h, out);
  const data = await loadDataset(model, `${fixtures}/fmnist_train1k_u8.npy`, { scale: 1 / 255 });
  const cmp = await compareModels(file, out, data, undefined, { threads: 1 });
  const t = await sideBySide(file, out, data);
  row('FP16 fixture CNN: file ratio', x(size(out) / size(file)), '<= 0.51x', size(out) / size(file) <= 0.51);
  row('FP16 fixture CNN: top-1 agreement (1,000 images)', `${(cmp.outputs[0].top1Agreement * 100).toFixed(2)}%`, '>= 99.9%', cmp.outputs[0].top1Agreement >= 0.999);
  row('FP16 fixture CNN: CPU speed (ORT computes fp16 via Casts)', `${x(t.a / t.b)} of FP32 speed`, '(info: slower on CPU)', null);
}

async function int4Transformer(file: string): Promise<void> {
  log(`int4: ${file}`);
  const model = loadModel(file);
  const { model: q, report } = quantizeInt4(model, { blockSize: 32 });
  const out = path.join(tmp, 'transformer.int4.onnx');
  saveModel(q, out);
  const data = await loadDataset(model, undefined, { randomCount: 8, warn: () => {} });
  const cmp = await compareModels(file, out, data, undefined, { threads: 1 });
  const ratio = report.quantizedWeightBytesAfter / report.quantizedWeightBytesBefore;
  row('INT4 transformer: MatMul weight bytes (block 32, symmetric)', `${ratio.toFixed(4)}x`, '<= 0.16x', ratio <= 0.16);
  row('INT4 transformer: output cosine', cmp.outputs[0].cosine.toFixed(5), '>= 0.98', cmp.outputs[0].cosine >= 0.98);
}

/** A chain of MatMuls holding ~100 MB of float32 weights, built in memory. */
function bigMatMulModel(layers: number, d: number): Model {
  const nodes = [];
  const inits = [];
  let prev = 'x';
  let seed = 1;
  for (let i = 0; i < layers; i++) {
    const w = new Float32Array(d * d);
    for (let j = 0; j < w.length; j++) { seed = (seed * 1103515245 + 12345) >>> 0; w[j] = (seed / 2 ** 32 - 0.5) * 0.1; }
    inits.push(makeTensor(`w${i}`, 'float32', [d, d], w));
    nodes.push(makeNode('MatMul', [prev, `w${i}`], [`h${i}`], {}, `mm${i}`));
    prev = `h${i}`;
  }
  const graph = create(GraphProtoSchema, {
    name: 'big', node: nodes, initializer: inits,
    input: [makeValueInfo('x', 'float32', [1, d])], output: [makeValueInfo(prev, 'float32', [1, d])],
  });
  return new Model(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] }));
}

async function toolSpeed(): Promise<void> {
  log('tool speed: dynamic INT8 of a 100 MB model');
  const file = path.join(tmp, 'big.onnx');
  saveModel(bigMatMulModel(25, 1024), file);
  const load = await timed(() => loadModel(file));
  const pass = await timed(() => quantizeDynamic(load.value));
  const save = await timed(() => saveModel(pass.value.model, path.join(tmp, 'big.dynamic.onnx')));
  const cpu = load.cpuMs + pass.cpuMs + save.cpuMs;
  const wall = load.wallMs + pass.wallMs + save.wallMs;
  row(`dynamic INT8 of a ${(size(file) / 1e6).toFixed(0)} MB model (load + pass + save)`,
    `${(cpu / 1000).toFixed(2)} s CPU (load ${load.cpuMs.toFixed(0)}, pass ${pass.cpuMs.toFixed(0)}, save ${save.cpuMs.toFixed(0)} ms); wall ${(wall / 1000).toFixed(2)} s`, '< 2 s', cpu < 2000);
}

async function main(): Promise<void> {
  ort.env.logLevel = 'error';
  const [resnetArg, transformerArg] = process.argv.slice(2);
  const resnet = modelPath(resnetArg, 'resnet18.onnx');
  const transformer = modelPath(transformerArg, 'transformer_4x256.onnx');
  for (const f of [resnet, transformer]) if (!fs.existsSync(f)) throw new Error(`${f}: missing; make it with /usr/bin/python3 bench/models/make_models.py`);
  log(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  await toolSpeed();
  await staticResnet(resnet);
  await staticFixture();
  await dynamicTransformer(transformer);
  await fp16Fixture();
  await int4Transformer(transformer);
  const w = Math.max(...rows.map((r) => r.what.length));
  const m = Math.max(...rows.map((r) => r.measured.length));
  console.log(`\n${'target'.padEnd(w)} | ${'measured'.padEnd(m)} | goal | met`);
  console.log(`${'-'.repeat(w)}-|-${'-'.repeat(m)}-|------|----`);
  for (const r of rows) console.log(`${r.what.padEnd(w)} | ${r.measured.padEnd(m)} | ${r.target} | ${r.ok === null ? '' : r.ok ? 'yes' : 'NO'}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
