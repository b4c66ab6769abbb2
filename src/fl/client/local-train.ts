/**
 * A client's local training for one round: `epochs` passes over its own samples through the
 * training engine's loop (seeded shuffles); FedProx adds mu (w - w_global) to every step's
 * gradients (the gradient of mu/2 ||w - w_global||^2), w_global the weights training starts from.
 */
import type { Dataset } from '../../core/runtime/data';
import { trainEpochs } from '../../core/runtime/train-loop';
import type { GradientAdjust, TrainingSession } from '../../core/runtime/training-session';

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
  /** Mean training loss over the round's last epoch. */
  loss: number;
}

/** Trains the session's weights in place on `data`/`labels`; the weights it starts from are the FedProx anchor. */
export async function trainLocally(session: TrainingSession, data: Dataset, labels: Int32Array, o: LocalTrainOptions): Promise<LocalTrainResult> {
  const epochs = await trainEpochs({
    session, data, labels, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, schedule: { lr: o.lr }, signal: o.signal,
    adjustGradients: o.mu > 0 ? proximal(o.mu, session.parameters.map((p) => Float32Array.from(p.values))) : undefined,
  });
  return { steps: epochs.reduce((a, e) => a + e.steps, 0), samples: data.count, loss: epochs[epochs.length - 1].loss };
}

/** FedProx's gradient adjustment: g += mu (w - anchor), per parameter. */
export function proximal(mu: number, anchor: readonly Float32Array[]): GradientAdjust {
  return (grads, weights) => grads.forEach((g, k) => {
    const w = weights[k];
    const a = anchor[k];
    for (let i = 0; i < g.length; i++) g[i] += mu * (w[i] - a[i]);
  });
}
