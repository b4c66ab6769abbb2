import type * as ort from 'onnxruntime-node';
import type { Model } from '../formats/onnx/model';
import { CancelledError } from '../base/cancel';
import { ArrayDataset, batchLimit, modelInputs, type Dataset } from './data';
import { NonFiniteError, type GradientAdjust, type TrainingBatch, type TrainingSession } from './training-session';
import { learningRate, type ScheduleOptions } from '../passes/train/schedule';
import type { EpochReport, StepEvent } from './train-events';
import { formatNumber } from '../base/units';

export type { EpochReport, StepEvent } from './train-events';

export interface TrainLoopOptions {
  session: TrainingSession;
  data: Dataset;
  labels?: Int32Array;
  /** Regression targets, `perSample` values per sample. */
  targets?: { values: Float32Array; perSample: number };
  /** The teacher's logits for a batch's inputs (distillation). */
  teacher?: (inputs: Record<string, ort.Tensor>) => Promise<Float32Array>;
  epochs: number;
  batchSize: number;
  /** Drop a last batch smaller than batchSize (default: when the model's batch dimension is fixed). */
  dropLast?: boolean;
  /** Seeds the per-epoch shuffle (default 0). */
  seed?: number;
  schedule: ScheduleOptions;
  /** Epochs already done (resume): training continues with epoch startEpoch + 1 (default 0). */
  startEpoch?: number;
  /** Changes each step's gradients before the update (e.g. a federated client's proximal term). */
  adjustGradients?: GradientAdjust;
  validate?: () => Promise<number | undefined>;
  /** After each epoch (checkpointing); `report` already holds the validation figure. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  onStep?: (e: StepEvent) => void;
  signal?: AbortSignal;
}

/** The loss or a gradient became NaN or infinite; names where. */
export class DivergedError extends Error {
  constructor(message: string, readonly epoch: number, readonly step: number) {
    super(message);
    this.name = 'DivergedError';
  }
}

/** Samples 0..count-1 in a seeded order (Fisher-Yates over a xorshift stream): the same per (seed, epoch). */
export function shuffled(count: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  let s = (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let i = count - 1; i > 0; i--) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const j = s % (i + 1);
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}

export function stepsPerEpoch(count: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** Runs epochs startEpoch+1 .. epochs; returns their reports. */
export async function trainEpochs(o: TrainLoopOptions): Promise<EpochReport[]> {
  const perEpoch = stepsPerEpoch(o.data.count, o.batchSize, o.dropLast ?? o.data.fixedBatch);
  const totalSteps = perEpoch * o.epochs;
  const reports: EpochReport[] = [];
  for (let epoch = (o.startEpoch ?? 0) + 1; epoch <= o.epochs; epoch++) {
    const started = performance.now();
    const order = shuffled(o.data.count, o.seed ?? 0, epoch);
    let trainMs = 0;
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    let lr = 0;
    for (let step = 0; step < perEpoch; step++) {
      if (o.signal?.aborted) throw new CancelledError();
      const t0 = performance.now();
      const indices = order.subarray(step * o.batchSize, Math.min((step + 1) * o.batchSize, o.data.count));
      const batch = await assemble(o, indices);
      const globalStep = (epoch - 1) * perEpoch + step;
      lr = learningRate(o.schedule, globalStep, totalSteps);
      let r;
      try {
        r = await o.session.step(batch, lr, o.adjustGradients);
      } catch (e) {
        if (!(e instanceof NonFiniteError)) throw e;
        throw new DivergedError(`${e.message} at epoch ${epoch}, step ${step + 1} of ${perEpoch} (step ${globalStep + 1} overall, learning rate ${formatNumber(lr)})`, epoch, step + 1);
      }
      trainMs += performance.now() - t0;
      lossSum += r.loss * r.samples;
      samples += r.samples;
      if (r.correct !== undefined) correct += r.correct;
      o.onStep?.({
        epoch, step: step + 1, stepsPerEpoch: perEpoch, globalStep: globalStep + 1, loss: r.loss, lr,
        top1: r.correct !== undefined ? r.correct / r.samples : undefined,
      });
    }
    const report: EpochReport = {
      epoch, steps: perEpoch, loss: lossSum / Math.max(samples, 1),
      trainTop1: o.labels && o.session.classes ? correct / Math.max(samples, 1) : undefined,
      imagesPerSecond: samples / (trainMs / 1000), seconds: 0, lr,
    };
    report.valTop1 = await o.validate?.();
    report.seconds = (performance.now() - started) / 1000;
    await o.onEpoch?.(report);
    reports.push(report);
  }
  return reports;
}

async function assemble(o: TrainLoopOptions, indices: Int32Array): Promise<TrainingBatch> {
  const inputs = o.data.gather(indices);
  const batch: TrainingBatch = { inputs };
  if (o.labels) batch.labels = Int32Array.from(indices, (i) => o.labels![i]);
  if (o.targets) {
    const { values, perSample } = o.targets;
    const t = new Float32Array(indices.length * perSample);
    indices.forEach((i, k) => t.set(values.subarray(i * perSample, (i + 1) * perSample), k * perSample));
    batch.targets = t;
  }
  if (o.teacher) batch.teacherLogits = await o.teacher(inputs);
  return batch;
}

/**
 * Samples held in typed arrays as a Dataset for trainEpochs: per model input (by name), `count`
 * samples laid out [count, ...sample] with the sample shape of the model's input.
 */
export function arrayDataset(model: Model, count: number, inputs: Record<string, Float32Array>): Dataset {
  const specs = modelInputs(model);
  const arrays = specs.map((spec) => {
    const data = inputs[spec.name];
    if (!data) throw new Error(`${model.label}: no samples for the input '${spec.name}'`);
    const sample = spec.shape.slice(1);
    if (!sample.every((d): d is number => typeof d === 'number')) throw new Error(`${model.label}: the input '${spec.name}' has a symbolic sample shape [${sample.join(', ')}]`);
    const per = sample.reduce((a, b) => a * b, 1);
    if (data.length !== count * per) throw new Error(`'${spec.name}': ${data.length} values are not ${count} samples of [${sample.join(', ')}]`);
    return { spec, sample, data };
  });
  return new ArrayDataset(`${count} samples in memory`, count, false, batchLimit(specs, count), arrays);
}
