/** Sessions in this process (calibration, evaluation, analysis, training): options from `sessionOptions`. */
import * as ort from 'onnxruntime-node';
import type { Model } from '../formats/onnx/model';
import { encodeModelProto } from '../formats/onnx/codec';
import { encodeWithWeightsInline } from '../formats/onnx/io';
import { sessionOptions, type SessionSettings } from './session';

// ORT's own log lines (warnings, and red copies of errors the caller also gets) stay off the CLI's stderr.
ort.env.logLevel = 'fatal';

export type { SessionSettings };

/** A session for a model file, model bytes or an in-memory model (encoded with its weights inline). */
export async function openSession(model: string | Model | Uint8Array, s: SessionSettings = {}): Promise<ort.InferenceSession> {
  const source = typeof model === 'string' || model instanceof Uint8Array ? model : modelBytes(model);
  return ort.InferenceSession.create(source as never, sessionOptions(s));
}

/** The model's bytes for ORT; external weights are read in (a copy of the protobuf, the model unchanged). */
export function modelBytes(model: Model): Uint8Array {
  return model.hasExternalData() ? encodeWithWeightsInline(model) : encodeModelProto(model.proto);
}
