/**
 * Running a Model in onnxruntime-node for analysis: optional intermediate tensors exposed as
 * extra graph outputs, batches fed in order, float outputs handed to a callback.
 */
import type * as ort from 'onnxruntime-node';
import type { Model } from '../formats/onnx/model';
import { encodeModelProto } from '../formats/onnx/codec';
import { create } from '@bufbuild/protobuf';
import { ValueInfoProtoSchema } from '../formats/onnx/proto/onnx_pb';
import { openSession, type SessionSettings } from '../runtime/ort-session';

export type Feeds = Record<string, ort.Tensor>;

/** The model's bytes with `extra` float tensors added as graph outputs (the model is left as it was). */
export function bytesWithOutputs(model: Model, extra: readonly string[]): Uint8Array {
  const outputs = model.graph.proto.output;
  const had = new Set(outputs.map((o) => o.name));
  const added = extra.filter((n) => !had.has(n));
  const before = outputs.length;
  // Untyped: ORT infers the type, and a non-float tensor then fails at fetch with a clear message.
  for (const name of added) outputs.push(create(ValueInfoProtoSchema, { name }));
  try {
    return encodeModelProto(model.proto);
  } finally {
    outputs.splice(before);
  }
}

/** A session for analysis: one thread unless told otherwise (analysis runs beside other work). */
export async function analysisSession(bytes: Uint8Array, s: SessionSettings = {}): Promise<ort.InferenceSession> {
  return openSession(bytes, { ...s, threads: s.threads ?? 1 });
}

/** Float32 data of a named output of one run. */
export function floatData(results: ort.InferenceSession.OnnxValueMapType, name: string): Float32Array {
  const t = results[name] as ort.Tensor | undefined;
  if (!t) throw new Error(`the run returned no tensor '${name}'`);
  if (t.type !== 'float32') throw new Error(`tensor '${name}' is ${t.type}, expected float32`);
  return t.data as Float32Array;
}

/** A float64 tensor's values (the comparison graph's sums). */
export function doubleData(results: ort.InferenceSession.OnnxValueMapType, name: string): Float64Array {
  const t = results[name] as ort.Tensor | undefined;
  if (!t) throw new Error(`the run returned no tensor '${name}'`);
  if (t.type !== 'float64') throw new Error(`tensor '${name}' is ${t.type}, expected float64`);
  return t.data as Float64Array;
}

/** Runs every batch through a session made from `bytes`, fetching `fetch`, and releases it. */
export async function runBatches(
  bytes: Uint8Array, batches: readonly Feeds[], fetch: readonly string[],
  onBatch: (index: number, results: ort.InferenceSession.OnnxValueMapType) => void, settings: SessionSettings = {},
): Promise<void> {
  const session = await analysisSession(bytes, settings);
  try {
    for (let i = 0; i < batches.length; i++) onBatch(i, await session.run(batches[i], fetch as string[]));
  } finally {
    await session.release();
  }
}
