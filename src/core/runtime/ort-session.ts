import * as ort from 'onnxruntime-node';

// ORT's warnings (e.g. about serializing an optimized graph) are noise on the CLI's stderr.
ort.env.logLevel = 'error';
import type { Model } from '../formats/onnx/model';
import { encodeModelProto } from '../formats/onnx/codec';

export interface SessionSettings {
  /** Intra-op threads; 1 for stable single-thread figures. Default: ORT's choice. */
  threads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  optimizedModelFilePath?: string;
}

/** Session options that behave well on a busy machine: no spinning threads. */
export function sessionOptions(s: SessionSettings = {}): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: s.optimization ?? 'all',
    ...(s.threads ? { intraOpNumThreads: s.threads, interOpNumThreads: 1 } : {}),
    ...(s.optimizedModelFilePath ? { optimizedModelFilePath: s.optimizedModelFilePath } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** A session for a model file or an in-memory model (encoded with its weights inline). */
export async function openSession(model: string | Model | Uint8Array, s: SessionSettings = {}): Promise<ort.InferenceSession> {
  const source = typeof model === 'string' || model instanceof Uint8Array ? model : modelBytes(model);
  return ort.InferenceSession.create(source as never, sessionOptions(s));
}

/** The model's bytes for ORT. Models with external weights must be run from their file. */
export function modelBytes(model: Model): Uint8Array {
  if (model.hasExternalData()) throw new Error(`${model.label}: weights are stored externally; save the model and run it from its file`);
  return encodeModelProto(model.proto);
}
