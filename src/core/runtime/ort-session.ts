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

/**
 * A session opened once and used by several steps of a job (comparing outputs, then timing): the
 * steps leave it open and its opener releases it. On a large model creating a session is most of
 * the job (4 s of CPU for a 47,000-node quantized chain here, growing faster than the node count),
 * so a job opens each model once.
 */
export interface SharedSession {
  label: string;
  session: ort.InferenceSession;
}

export function isSharedSession(x: unknown): x is SharedSession {
  return typeof x === 'object' && x !== null && 'session' in x && 'label' in x;
}

/** The session a step runs: the shared one (left open by `release`), or one opened for the step. */
export async function stepSession(
  model: string | Model | Uint8Array | SharedSession, s: SessionSettings = {},
): Promise<{ session: ort.InferenceSession; release(): Promise<void> }> {
  if (isSharedSession(model)) return { session: model.session, release: async () => {} };
  const session = await openSession(model, s);
  return { session, release: () => session.release() };
}
