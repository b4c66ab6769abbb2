import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, type NodeProto, type TensorProto, type ValueInfoProto } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { Model } from '../../../../src/core/formats/onnx/model';
import { makeTensor } from '../../../../src/core/formats/onnx/build';
import { evaluateModel } from '../../../../src/core/analysis/accuracy';
import { loadDataset } from '../../../../src/core/runtime/data';
import { loadLabels } from '../../../../src/core/runtime/data-labels';

export const FIXTURES = path.join(__dirname, '../../../fixtures');

/** Runs Debian's python3-onnx checker (full check, with shape inference) on a model's bytes; returns its error text or ''. */
export function onnxCheckerError(bytes: Uint8Array): string {
  const r = spawnSync('/usr/bin/python3', ['-c', [
    'import sys, onnx',
    'm = onnx.load_model_from_string(sys.stdin.buffer.read())',
    'onnx.checker.check_model(m, full_check=True)',
  ].join('\n')], { input: bytes, encoding: 'utf8' });
  return r.status === 0 ? '' : (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-1)[0];
}

export function modelBytes(m: Model): Uint8Array {
  return encodeModelProto(m.proto);
}

/** Top-1 of a Fashion-MNIST classifier on the 1k training fixture (uint8 scaled to [0, 1]), through the shared evaluation. */
export async function fmnistTop1(model: Model): Promise<number> {
  const data = await loadDataset(model, path.join(FIXTURES, 'fmnist_train1k_u8.npy'), { scale: 1 / 255, batch: 250 });
  const labels = loadLabels(path.join(FIXTURES, 'fmnist_train1k_labels.npy'), data.count);
  return (await evaluateModel(model, data, labels, { threads: 1 })).accuracy!.top1;
}

/** Runs a model once on one float input; returns the first output's dims and data. */
export async function runOnce(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const s = await ort.InferenceSession.create(bytes);
  const out = (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', input, dims) }))[s.outputNames[0]];
  await s.release();
  return { dims: out.dims, data: out.data as Float32Array };
}

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32). */
export function randomFloats(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function weight(name: string, dims: number[], seed: number, scale = 0.5): TensorProto {
  const data = randomFloats(dims.reduce((a, b) => a * b, 1), seed).map((v) => v * scale);
  return makeTensor(name, 'float32', dims, data);
}

export function filled(name: string, dims: number[], value: number): TensorProto {
  return makeTensor(name, 'float32', dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value));
}

/** A model (opset 17, IR 8) from nodes, initializers, inputs and outputs. */
export function buildModel(nodes: NodeProto[], initializer: TensorProto[], input: ValueInfoProto[], output: ValueInfoProto[]): Model {
  const graph = create(GraphProtoSchema, { name: 'test', node: nodes, initializer, input, output });
  const proto = create(ModelProtoSchema, {
    irVersion: 8n, producerName: 'edgewise-test', graph,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })],
  });
  return new Model(proto);
}
