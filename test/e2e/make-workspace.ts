/**
 * Writes the E2E test workspace: the Fashion-MNIST CNN, TFLite Micro's hello-world model, a
 * 1,200-node model built with core's builders (12 scoped blocks of 100 nodes, like a deep
 * encoder), and a corrupt model.
 * Usage: npx tsx test/e2e/make-workspace.ts OUT_DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveModel } from '../../src/core/onnx/io';
import { deepModel } from '../fixtures/deep-model';

const FIXTURES = path.resolve(__dirname, '../fixtures');
const FIXTURE = path.join(FIXTURES, 'fmnist_cnn.onnx');
const TFLITE_FIXTURE = path.join(FIXTURES, 'hello_world_float.tflite');


function main(out: string): void {
  fs.mkdirSync(out, { recursive: true });
  const cnn = path.join(out, 'fmnist_cnn.onnx');
  fs.rmSync(path.join(out, 'fmnist_cnn.pruned.onnx'), { force: true }); // the prune step writes it
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
  if (!fs.existsSync(deep)) saveModel(deepModel(12), deep);
  // Per-layer analysis: the MobileNet fixture, its QDQ version and Fashion-MNIST samples.
  for (const f of ['fmnist_mobilenet.onnx', 'fmnist_mobilenet.int8.onnx', 'fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy']) {
    fs.copyFileSync(path.join(__dirname, '../fixtures', f), path.join(out, f));
  }
  fs.rmSync(path.join(out, 'edgewise.json'), { force: true });
  // The first 200 bytes of a real model: a valid header, then a message cut mid-field.
  fs.writeFileSync(path.join(out, 'corrupt.onnx'), fs.readFileSync(FIXTURE).subarray(0, 200));
}

main(path.resolve(process.argv[2] ?? 'test/e2e/.work/ws'));
