/**
 * The end-to-end metric per-layer analysis optimises: top-1 accuracy (percent) when labels are
 * given, else agreement with the float model's outputs (output cosine, or top-1 agreement).
 */
import type { Model } from '../formats/onnx/model';
import { argmaxRows, ErrorSums, logSoftmaxRow } from './metrics';
import { bytesWithOutputs, floatData, runBatches, type Feeds } from './ort-run';
import type { SessionSettings } from '../runtime/session';
import { batchRanges, type Dataset } from '../runtime/data-array';
import { nonNegative } from '../base/bounded';
import { nearChance, type NearChance } from './chance';

export type MetricKind = 'top1' | 'agreement' | 'cosine' | 'sqnr';

export interface Score {
  metric: MetricKind;
  value: number;
  /** Output SQNR against the float model (dB), a finer signal than top-1 to break ties. */
  outputSqnrDb: number;
  outputCosine: number;
  /**
   * Mean KL divergence (nats) of this model's softmax over the output's last axis from the float
   * model's: how far the predicted class distribution moved, weighting samples near a decision.
   */
  outputKl: number;
  /** Mean cross-entropy (nats) against the labels, when given. */
  loss?: number;
  /** The float model's score with labels, when its top-1 is no better than guessing (chance.ts): the data is wrong. */
  nearChance?: NearChance;
}

export interface EvalSet {
  batches: Feeds[];
  /** Class ids, one per sample across all batches; enables the 'top1' metric. */
  labels?: ArrayLike<number>;
}

/**
 * A data set's batches made once, since analysis runs them many times (a fixed batch size runs
 * whole batches only), with its labels; `samples` is how many the batches hold.
 */
export function evalSetOf(ds: Dataset): EvalSet & { samples: number } {
  const ranges = [...batchRanges(ds)];
  if (ranges.length === 0) throw new Error(`${ds.description}: ${ds.count} samples do not fill one batch of ${ds.maxBatch} (the model's input has a fixed batch size)`);
  const samples = ranges.reduce((a, [, n]) => a + n, 0);
  return { batches: ranges.map(([s, n]) => ds.batch(s, n)), labels: ds.labels?.subarray(0, samples), samples };
}

export const METRIC_UNITS: Record<MetricKind, string> = { top1: '%', agreement: '%', cosine: '', sqnr: 'dB' };

/** Scores models on one evaluation set against the float model's outputs (computed once). */
export class Scorer {
  private reference?: Float32Array[];
  readonly metric: MetricKind;
  private readonly output: string;

  constructor(private readonly floatModel: Model, private readonly data: EvalSet, metric?: MetricKind, private readonly run: SessionSettings = {}) {
    this.metric = metric ?? (data.labels ? 'top1' : 'cosine');
    if (this.metric === 'top1' && !data.labels) throw new Error('the top1 metric needs labels');
    const out = floatModel.graph.proto.output[0];
    if (!out) throw new Error(`${floatModel.label} has no outputs`);
    this.output = out.name;
  }

  private async outputs(model: Model): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    await runBatches(bytesWithOutputs(model, []), this.data.batches, [this.output], (_, r) => out.push(floatData(r, this.output)), this.run);
    return out;
  }

  async score(model: Model): Promise<Score> {
    this.reference ??= await this.outputs(this.floatModel);
    return this.scoreOutputs(model === this.floatModel ? this.reference : await this.outputs(model));
  }

  /**
   * Scores a model's outputs (one array per batch) already fetched elsewhere; `reference`, the
   * float model's outputs, is kept for later scores when none was computed yet.
   */
  scoreOutputs(outs: readonly Float32Array[], reference?: Float32Array[]): Score {
    if (reference) this.reference ??= reference;
    if (!this.reference) throw new Error('no float outputs to score against');
    if (outs.length !== this.data.batches.length) throw new Error(`${outs.length} output batches for ${this.data.batches.length} input batches`);
    const sums = new ErrorSums();
    const labels = this.data.labels;
    let correct = 0, agree = 0, samples = 0, kl = 0, loss = 0, classes = 0;
    outs.forEach((o, b) => {
      const ref = this.reference![b];
      sums.add(ref, o);
      const rows = this.rows(b);
      classes = o.length / rows;
      const pred = argmaxRows(o, classes), refPred = argmaxRows(ref, classes);
      for (let r = 0; r < rows; r++) {
        const lq = logSoftmaxRow(o, r, classes), lf = logSoftmaxRow(ref, r, classes);
        for (let c = 0; c < classes; c++) kl += Math.exp(lf[c]) * (lf[c] - lq[c]);
        if (labels) {
          const y = Number(labels[samples + r]);
          if (pred[r] === y) correct++;
          loss -= lq[y];
        }
        if (pred[r] === refPred[r]) agree++;
      }
      samples += rows;
    });
    const value = {
      top1: (100 * correct) / samples,
      agreement: (100 * agree) / samples,
      cosine: sums.cosine,
      sqnr: sums.sqnrDb,
    }[this.metric];
    const alarm = labels && outs === this.reference ? nearChance(correct / samples, classes, samples) : undefined;
    return {
      metric: this.metric, value, outputSqnrDb: sums.sqnrDb, outputCosine: sums.cosine, outputKl: nonNegative(kl / samples),
      ...(labels ? { loss: loss / samples } : {}), ...(alarm ? { nearChance: alarm } : {}),
    };
  }

  private rows(batch: number): number {
    const first = Object.values(this.data.batches[batch])[0];
    return first.dims[0] ?? 1;
  }
}
