/**
 * A client's local training for one round: `epochs` passes over its own samples in seeded random
 * order, SGD or Adam through the ONNX training engine; FedProx adds mu (w - w_global) to every
 * gradient (the gradient of mu/2 ||w - w_global||^2).
 */
import * as ort from 'onnxruntime-node';
import type { Dataset } from '../../core/runtime/data';
import { NonFiniteError, type TrainingSession } from '../../core/runtime/training-session';
import { throwIfCancelled } from '../../core/base/cancel';
import { seededPermutation } from '../partition';
import { FederationError } from '../weights';

export interface LocalTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** FedProx's mu; 0 is FedAvg. */
  mu: number;
  seed: number;
  signal?: AbortSignal;
}

export interface LocalTrainResult {
  steps: number;
  samples: number;
  /** Mean training loss over the round's batches. */
  loss: number;
}

/** Trains the session's weights in place on `data`/`labels`; `anchor` holds the round's global weights. */
export async function trainLocally(session: TrainingSession, data: Dataset, labels: Int32Array, anchor: readonly Float32Array[], o: LocalTrainOptions): Promise<LocalTrainResult> {
  const all = data.batch(0, data.count);
  const params = session.parameters.map((p) => p.values);
  let steps = 0;
  let lossSum = 0;
  let seen = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = seededPermutation(data.count, o.seed * 1009 + epoch);
    for (let at = 0; at < data.count; at += o.batchSize) {
      throwIfCancelled(o.signal);
      const idx = order.subarray(at, Math.min(at + o.batchSize, data.count));
      if (data.fixedBatch && idx.length !== data.maxBatch) break;
      const r = await session.computeGradients({ inputs: rows(all, idx), labels: Int32Array.from(idx, (i) => labels[i]) });
      if (!Number.isFinite(r.loss)) throw new FederationError(`local training diverged: the loss is ${r.loss} at step ${steps + 1}`);
      if (o.mu > 0) params.forEach((w, k) => { const g = session.gradients[k]; const a = anchor[k]; for (let i = 0; i < w.length; i++) g[i] += o.mu * (w[i] - a[i]); });
      for (const [k, g] of session.gradients.entries()) for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i])) throw new NonFiniteError(`the gradient of '${session.parameters[k].name}' is not finite at step ${steps + 1}`);
      session.optimizer.apply(o.lr, params, session.gradients);
      steps++;
      lossSum += r.loss * r.samples;
      seen += r.samples;
    }
  }
  return { steps, samples: data.count, loss: lossSum / Math.max(seen, 1) };
}

/** The samples at `idx` of every input (the client's partition is small: it is held whole). */
function rows(all: Record<string, ort.Tensor>, idx: Int32Array): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(all)) {
    const per = t.size / Number(t.dims[0]);
    const src = t.data as Float32Array;
    const dst = new (src.constructor as Float32ArrayConstructor)(idx.length * per);
    idx.forEach((i, k) => dst.set(src.subarray(i * per, (i + 1) * per), k * per));
    out[name] = new ort.Tensor(t.type as 'float32', dst, [idx.length, ...t.dims.slice(1)]);
  }
  return out;
}
