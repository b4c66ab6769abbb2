/**
 * The recipe passes `finetune` and `distill`: train the model the previous passes produced on
 * the recipe's labelled data, in memory (no checkpoints: a recipe run is one unit). The teacher of
 * `distill` defaults to the recipe's own model, so "prune -> distill -> quantize" needs no extra file.
 */
import * as path from 'node:path';
import { loadModel } from '../formats/onnx/io';
import type { Model } from '../formats/onnx/model';
import { loadSamples, openTeacher, TrainError } from '../jobs/train-inputs';
import { trainEpochs } from '../runtime/train-loop';
import { GradientError } from '../passes/train/grad-rule';
import type { LossSpec } from '../passes/train/losses';
import { TrainingSession } from '../runtime/training-session';
import type { PassContext, PassRunner } from './run';
import { formatNumber, formatPercent } from '../base/units';

type Options = Record<string, unknown>;

async function train(model: Model, o: Options, ctx: PassContext, loss: LossSpec, teacherModel?: Model) {
  const src = ctx.dataSource;
  if (!src) throw new TrainError('training needs the recipe\'s "data" (inputs and labels)');
  const needsLabels = loss.kind !== 'distill' || loss.alpha < 1;
  if (needsLabels && !src.labels) throw new TrainError('training needs labelled data: add "labels" to the recipe\'s "data"');
  const batchSize = (o.batchSize as number | undefined) ?? 32;
  // The recipe's data as every pass reads it (count, mean/std...), with its labels.
  const data = await loadSamples(model, src.file, src.options, batchSize, src.labels);
  const { labels } = data;
  const optimizer = (o.optimizer as 'sgd' | 'adam' | 'adamw' | undefined) ?? 'adam';
  let session: TrainingSession;
  try {
    session = await TrainingSession.create(model, {
      loss, qat: o.qat as boolean | undefined, bn: o.bn as 'frozen' | 'train' | undefined, seed: o.seed as number | undefined,
      freeze: typeof o.freeze === 'string' ? (name) => new RegExp(o.freeze as string).test(name) : undefined,
      optimizer: { kind: optimizer, momentum: (o.momentum as number | undefined) ?? 0.9, weightDecay: o.weightDecay as number | undefined },
    });
  } catch (e) {
    throw e instanceof GradientError ? new TrainError(e.message) : e;
  }
  const teacher = teacherModel ? await openTeacher(teacherModel, model, { name: session.graph.output, shape: session.graph.outputShape }, 1) : undefined;
  try {
    const epochs = (o.epochs as number | undefined) ?? 1;
    const reports = await trainEpochs({
      session, data, labels, teacher: teacher?.logits, epochs, batchSize, seed: (o.seed as number | undefined) ?? 0,
      schedule: { lr: (o.lr as number | undefined) ?? (optimizer === 'sgd' ? 0.01 : 1e-3), schedule: o.schedule as 'constant' | 'cosine' | undefined, warmupSteps: o.warmupSteps as number | undefined },
      onEpoch: (r) => ctx.progress(`epoch ${r.epoch}/${epochs}: loss ${formatNumber(r.loss, 4)}, train top-1 ${formatPercent(r.trainTop1)}`),
    });
    const trained = session.exportModel();
    return { model: trained, report: { loss, samples: data.count, parameters: session.parameters.length, epochs: reports, changes: session.relativeChanges().slice(0, 10) } };
  } finally {
    await teacher?.release();
    await session.release();
  }
}

export const finetunePass: PassRunner = (model, o, ctx) => train(model, o, ctx, { kind: 'cross-entropy' });

export const distillPass: PassRunner = (model, o, ctx) => {
  const teacher = typeof o.teacher === 'string' ? loadModel(path.resolve(ctx.dir, o.teacher)) : ctx.floatModel;
  const loss: LossSpec = { kind: 'distill', temperature: (o.temperature as number | undefined) ?? 4, alpha: (o.alpha as number | undefined) ?? 0.5 };
  return train(model, o, ctx, loss, teacher);
};
