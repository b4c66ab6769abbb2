/**
 * Writes the E2E test workspace: the Fashion-MNIST CNN, a 1,200-node model built with core's
 * builders (12 scoped blocks of 100 nodes, like a deep encoder), a corrupt model, and the TFLite
 * fixtures (with a corrupt .tflite).
 * Usage: npx tsx test/e2e/make-workspace.ts OUT_DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../../src/core/onnx/proto/onnx_pb';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/onnx/build';
import { saveModel } from '../../src/core/onnx/io';
import { Model } from '../../src/core/onnx/model';

const FIXTURE = '/work/shared/fixtures/fmnist_cnn.onnx';
const WIDTH = 16;

/** blocks x 25 units of (MatMul, Add, Relu, Identity) = 100 nodes per block. */
function deepModel(blocks: number): Model {
  const graph = create(GraphProtoSchema, { name: `deep_${blocks}x100` });
  graph.input.push(makeValueInfo('x', 'float32', ['batch', WIDTH]));
  let prev = 'x';
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  for (let b = 0; b < blocks; b++) {
    for (let u = 0; u < 25; u++) {
      const scope = `/encoder/block.${b}/unit.${u}`;
      const w = `encoder.block.${b}.unit.${u}.weight`;
      const bias = `encoder.block.${b}.unit.${u}.bias`;
      graph.initializer.push(makeTensor(w, 'float32', [WIDTH, WIDTH], Float32Array.from({ length: WIDTH * WIDTH }, rand)));
      graph.initializer.push(makeTensor(bias, 'float32', [WIDTH], Float32Array.from({ length: WIDTH }, rand)));
      const names = ['MatMul', 'Add', 'Relu', 'Identity'].map((op) => `${scope}/${op}`);
      const outs = names.map((n) => `${n}_output_0`);
      graph.node.push(
        makeNode('MatMul', [prev, w], [outs[0]], {}, names[0]),
        makeNode('Add', [outs[0], bias], [outs[1]], {}, names[1]),
        makeNode('Relu', [outs[1]], [outs[2]], {}, names[2]),
        makeNode('Identity', [outs[2]], [outs[3]], {}, names[3]),
      );
      prev = outs[3];
    }
  }
  graph.output.push(makeValueInfo(prev, 'float32', ['batch', WIDTH]));
  const proto = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'edgewise-e2e',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })],
    graph,
  });
  return new Model(proto);
}

function main(out: string): void {
  fs.mkdirSync(out, { recursive: true });
  const cnn = path.join(out, 'fmnist_cnn.onnx');
  if (!fs.existsSync(cnn)) {
    fs.copyFileSync(FIXTURE, cnn);
    fs.chmodSync(cnn, 0o644);
  }
  const deep = path.join(out, 'deep_1200.onnx');
  if (!fs.existsSync(deep)) saveModel(deepModel(12), deep);
  // The first 200 bytes of a real model: a valid header, then a message cut mid-field.
  fs.writeFileSync(path.join(out, 'corrupt.onnx'), fs.readFileSync(FIXTURE).subarray(0, 200));
  copyTfliteModels(out);
}

/**
 * The nine TFLite Micro models: eight from test/fixtures/tflite, the 4 MB MobileNetV2 from the
 * shared fixtures beside the clone (left out when absent), and a .tflite cut inside its tables.
 */
function copyTfliteModels(out: string): void {
  const repo = path.resolve(__dirname, '../..');
  const local = path.join(repo, 'test/fixtures/tflite');
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
  // Its subgraphs vector starts at 0x740: cut before it (see test/core/tflite/fixtures.test.ts).
  fs.writeFileSync(path.join(out, 'corrupt.tflite'), fs.readFileSync(path.join(local, 'hello_world_float.tflite')).subarray(0, 0x700));
}

main(path.resolve(process.argv[2] ?? 'test/e2e/.work/ws'));
