import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, type NodeProto, type TensorProto, type ValueInfoProto } from '../../src/core/formats/onnx/proto/onnx_pb';
import { Model } from '../../src/core/formats/onnx/model';
import { encodeModelProto } from '../../src/core/formats/onnx/codec';

/** A small model built in memory for pass tests (IR 8, default opset `opset`). */
export function buildModel(
  nodes: NodeProto[], inputs: ValueInfoProto[], outputs: ValueInfoProto[], initializers: TensorProto[] = [], opset = 17,
): Model {
  const graph = create(GraphProtoSchema, { name: 'test', node: nodes, input: inputs, output: outputs, initializer: initializers });
  const proto = create(ModelProtoSchema, {
    irVersion: 8n, producerName: 'edgewise-test', graph,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
  });
  return new Model(proto);
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomFloats(n: number, seed = 7): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-test-'));
}

/** Writes the model to a temp file and returns its path. */
export function writeTemp(model: Model, dir = tempDir(), name = 'model.onnx'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeModelProto(model.proto));
  return file;
}

/** Debian python3-onnx's checker (an independent validator); throws with its message. */
export function onnxCheck(file: string): void {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]))', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`onnx.checker rejected ${file}: ${r.stderr.trim().split('\n').pop()}`);
}

/** The project's own fixtures: the Fashion-MNIST CNN and 1,000 training images with labels. */
export const FIXTURES = path.resolve(__dirname, '../fixtures');
