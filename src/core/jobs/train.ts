import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, saveModel } from '../formats/onnx/io';
import type { Model } from '../formats/onnx/model';
import { evaluateModel } from '../analysis/accuracy';
import type { Dataset, Preprocess } from '../runtime/data';
import { TrainingSession } from '../runtime/training-session';
import { GradientError } from '../passes/train/grad-rule';
import type { LossSpec } from '../passes/train/losses';
import { hasQuantizedWeights } from '../passes/train/qat';
import { rangeProblem, type Range } from '../base/range';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint';
import { loadClassLabels, loadSamples, loadTargets, openTeacher, TrainError, type Teacher } from './train-inputs';
import { CancelledError, OUTPUT_TAGS, resolveOutput, type JobHooks, type OutputOptions } from './job';
import { recordedJob } from './runs/record';
import { DivergedError, trainEpochs, type EpochReport, type StepEvent } from '../runtime/train-loop';
import { formatNumber } from '../base/units';

export { TrainError } from './train-inputs';

/** The job's hooks: the contract's (jobs/job.ts) plus the steps and epochs a live chart follows. */
export interface TrainHooks extends JobHooks {
  onStep?: (e: StepEvent) => void;
  onEpoch?: (r: EpochReport) => void;
}

/** Training options (the job contract: jobs/job.ts); the default output is `<model>.finetuned.onnx` or `.distilled.onnx`. */
export interface TrainJobOptions extends OutputOptions, TrainHooks {
  kind: 'finetune' | 'distill';
  /** Training samples (.npy, folder of .npy or images) and their labels (or regression targets with loss mse). */
  data: string;
  labels?: string;
  valData?: string;
  valLabels?: string;
  preprocess?: Preprocess;
  /** Distillation: the teacher model, temperature T (default 4) and alpha (default 0.5). */
  teacher?: string;
  temperature?: number;
  alpha?: number;
  /** 'cross-entropy' (default) on class logits, or 'mse' on a regression output (fine-tuning only). */
  loss?: 'cross-entropy' | 'mse';
  epochs?: number;
  batchSize?: number;
  optimizer?: 'sgd' | 'adam' | 'adamw';
  /** Default 1e-3 (adam, adamw) or 0.01 (sgd). */
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: 'constant' | 'cosine';
  warmupSteps?: number;
  /** Initializers whose names match this regular expression stay fixed. */
  freeze?: string;
  bn?: 'frozen' | 'train';
  dropout?: 'off' | 'on';
  seed?: number;
  threads?: number;
  /** Quantization-aware training of a QDQ model; 'auto': when the model has quantized weights. */
  qat?: boolean | 'auto';
  /** Continue from the checkpoint beside the output (`<output>.ckpt`). */
  resume?: boolean;
}

export interface TrainJobResult {
  kind: 'finetune' | 'distill';
  input: string;
  output: string;
  teacher?: string;
  qat: boolean;
  loss: LossSpec;
  samples: number;
  validationSamples?: number;
  /** Validation top-1 of the input model, before any training. */
  valTop1Before?: number;
  parameters: { tensors: number; values: number };
  /** Float initializers left as they were (frozen, or with no path to the loss). */
  fixed: string[];
  optimizer: string;
  epochs: EpochReport[];
  /** Epochs a resumed run took from the checkpoint. */
  resumedEpochs?: number;
  /** Per trained tensor, ||w - w0|| / ||w0||, largest first. */
  changes: { name: string; relative: number }[];
  seconds: number;
}

/** A rejected setting: thrown before any work, the message names the option. */
function check(ok: boolean, message: string): void {
  if (!ok) throw new TrainError(message);
}

/** The output file and its checkpoint, checked before any work (see resolveOutput), and whether a run may start or resume. */
export function resolveTrainOutput(input: string, o: Pick<TrainJobOptions, 'kind' | 'out' | 'force' | 'resume'>): { output: string; checkpoint: string } {
  const output = resolveOutput(input, { tag: OUTPUT_TAGS[o.kind], out: o.out, force: o.force });
  const checkpoint = `${output}.ckpt`;
  check(!!o.resume || !!o.force || !fs.existsSync(checkpoint), `${checkpoint}: a checkpoint of an unfinished run exists; pass --resume to continue it or --force to start over`);
  check(!o.resume || fs.existsSync(checkpoint), `${checkpoint}: no checkpoint to resume from`);
  return { output, checkpoint };
}

/** Bounds of the numeric training options (the CLI refuses values outside them too; flag names are the CLI's). */
export const TRAIN_RANGES = {
  epochs: { min: 1, max: 1_000_000, integer: true },
  'batch-size': { min: 1, max: 65_536, integer: true },
  lr: { min: 0, max: 1000, above: true },
  momentum: { min: 0, max: 0.9999 },
  'weight-decay': { min: 0, max: 1000 },
  'warmup-steps': { min: 0, max: 1_000_000_000, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  temperature: { min: 0, max: 1000, above: true },
  alpha: { min: 0, max: 1 },
} satisfies Record<string, Range>;

function validateOptions(o: TrainJobOptions): void {
  const values: [keyof typeof TRAIN_RANGES, number | undefined][] = [
    ['epochs', o.epochs], ['batch-size', o.batchSize], ['lr', o.lr], ['momentum', o.momentum], ['weight-decay', o.weightDecay],
    ['warmup-steps', o.warmupSteps], ['seed', o.seed], ['temperature', o.temperature], ['alpha', o.alpha],
  ];
  for (const [key, v] of values) {
    const problem = v === undefined ? undefined : rangeProblem(v, TRAIN_RANGES[key]);
    if (problem) throw new TrainError(`--${key} ${problem}, got ${v}`);
  }
  check(!!o.labels || (o.kind === 'distill' && o.alpha === 1), '--labels is required (distillation without labels needs --alpha 1)');
  check(!!o.valData === !!o.valLabels, '--val-data and --val-labels go together');
  if (o.kind === 'distill') {
    check(!!o.teacher, 'distillation needs --teacher TEACHER.onnx');
    check(o.loss !== 'mse', 'distillation trains on class logits; --loss mse is for fine-tuning');
  }
  if (o.freeze) {
    try { new RegExp(o.freeze); } catch (e) { throw new TrainError(`--freeze: not a regular expression (${(e as Error).message})`); }
  }
}

/** The settings a checkpoint must share with the run that resumes it. */
function settingsOf(o: TrainJobOptions, loss: LossSpec): Record<string, unknown> {
  return {
    loss, optimizer: o.optimizer ?? 'adam', lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, schedule: o.schedule ?? 'constant',
    warmupSteps: o.warmupSteps ?? 0, batchSize: o.batchSize ?? 32, freeze: o.freeze ?? null, bn: o.bn ?? 'frozen', dropout: o.dropout ?? 'off',
    seed: o.seed ?? 0, qat: !!o.qat,
  };
}

/**
 * Fine-tunes or distills a model file: checks everything before training (options, output, data,
 * labels, teacher, gradients of every op), trains epoch by epoch with a checkpoint after each,
 * and writes the trained model atomically. Cancelled or failed runs keep the last checkpoint and
 * write no output.
 */
async function trainJob(inputFile: string, o: TrainJobOptions): Promise<TrainJobResult> {
  const started = performance.now();
  const progress = o.progress ?? (() => {});
  validateOptions(o);
  const input = path.resolve(inputFile);
  const { output, checkpoint } = resolveTrainOutput(input, o);
  const model = loadModel(input);
  const loss: LossSpec = o.kind === 'distill'
    ? { kind: 'distill', temperature: o.temperature ?? 4, alpha: o.alpha ?? 0.5 }
    : o.loss === 'mse' ? { kind: 'mse' } : { kind: 'cross-entropy' };
  const batchSize = o.batchSize ?? 32;
  const threads = o.threads ?? 1;
  progress(`loading ${o.data}`, 0);
  const data = await loadSamples(model, o.data, o.preprocess, batchSize);
  check(!data.fixedBatch || data.maxBatch === batchSize,
    `${input}: the input has a fixed batch size of ${data.maxBatch}; train with --batch-size ${data.maxBatch} or export the model with a symbolic batch dimension`);
  const kind = o.optimizer ?? 'adam';
  const qat = o.qat === 'auto' ? hasQuantizedWeights(model) : !!o.qat;
  let session: TrainingSession;
  try {
    session = await TrainingSession.create(model, {
      loss, qat, bn: o.bn, dropout: o.dropout, seed: o.seed, threads,
      freeze: o.freeze ? (name) => new RegExp(o.freeze!).test(name) : undefined,
      optimizer: { kind, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay },
    });
  } catch (e) {
    if (e instanceof GradientError) throw new TrainError(e.message);
    throw e;
  }
  let teacher: Teacher | undefined;
  try {
    const out = { name: session.graph.output, shape: session.graph.outputShape };
    const labels = o.labels && loss.kind !== 'mse' ? loadClassLabels(o.labels, data.count) : undefined;
    const targets = o.labels && loss.kind === 'mse' ? loadTargets(o.labels, data.count, out.shape) : undefined;
    if (labels && session.classes) {
      const bad = labels.findIndex((y) => y < 0 || y >= session.classes!);
      check(bad < 0, `${o.labels}: label ${labels[bad]} (sample ${bad}) is outside the model's ${session.classes} classes`);
    }
    const val = o.valData ? await validationSet(model, o, batchSize) : undefined;
    if (o.kind === 'distill') teacher = await openTeacher(loadModel(path.resolve(o.teacher!)), model, out, threads);
    const settings = settingsOf({ ...o, qat }, loss);
    const sha = createHash('sha256').update(fs.readFileSync(input)).digest('hex');
    let history: EpochReport[] = [];
    if (o.resume) {
      const c = readCheckpoint(checkpoint);
      resumeFrom(c, sha, settings, checkpoint);
      session.restore({ weights: c.weights, optimizer: { step: c.header.optimizerStep, slots: c.slots }, statistics: c.statistics });
      history = c.header.history;
      progress(`resuming after epoch ${c.header.epochsDone} from ${checkpoint}`, 0);
    }
    const validate = val ? async () => (await evaluateModel(session.exportModel(), val.data, val.labels, { threads, signal: o.signal })).accuracy?.top1 : undefined;
    const valTop1Before = val && !o.resume ? await validate!() : undefined;
    const epochs = o.epochs ?? 1;
    const lr = o.lr ?? (kind === 'sgd' ? 0.01 : 1e-3);
    const parameters = session.parameters.reduce((s, p) => s + p.values.length, 0);
    progress(`training ${session.parameters.length} weight tensors (${parameters} values) on ${data.count} samples`, 0);
    const reports = await keepCheckpointOnFailure(checkpoint, history, progress, () => trainEpochs({
      session, data, labels, targets, teacher: teacher?.logits, epochs, batchSize, seed: o.seed,
      schedule: { lr, schedule: o.schedule, warmupSteps: o.warmupSteps }, startEpoch: history.length, validate, signal: o.signal,
      onStep: (e) => {
        o.onStep?.(e);
        progress(`epoch ${e.epoch}/${epochs}, step ${e.step}/${e.stepsPerEpoch}, loss ${formatNumber(e.loss, 4)}`, ((e.epoch - 1) * e.stepsPerEpoch + e.step) / (epochs * e.stepsPerEpoch),
          { stage: `epoch ${e.epoch}/${epochs}`, done: e.step, total: e.stepsPerEpoch, unit: 'steps' });
      },
      onEpoch: (r) => {
        history.push(r);
        writeCheckpoint(checkpoint, {
          header: { modelSha256: sha, settings, epochsDone: r.epoch, optimizerStep: session.optimizerState().step, history },
          weights: session.weights(), slots: session.optimizerState().slots, statistics: session.statistics(),
        });
        o.onEpoch?.(r);
      },
    }));
    if (o.signal?.aborted) throw new CancelledError();
    progress(`writing ${output}`, 1);
    saveModel(session.exportModel(), output, { overwrite: o.force });
    fs.rmSync(checkpoint, { force: true });
    return {
      kind: o.kind, input, output, teacher: teacher?.file, qat, loss, changes: session.relativeChanges(), samples: data.count, validationSamples: val?.data.count,
      valTop1Before, parameters: { tensors: session.parameters.length, values: parameters }, fixed: session.graph.fixed,
      optimizer: describeOptimizer(kind, lr, o), epochs: history, resumedEpochs: o.resume ? history.length - reports.length : undefined,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await teacher?.release();
    await session.release();
  }
}

async function validationSet(model: Model, o: TrainJobOptions, batch: number): Promise<{ data: Dataset; labels: Int32Array }> {
  const data = await loadSamples(model, o.valData!, o.preprocess, batch);
  return { data, labels: loadClassLabels(o.valLabels!, data.count) };
}

/** Says which checkpoint survives a cancelled or diverged run (the last completed epoch's). */
async function keepCheckpointOnFailure<T>(file: string, history: EpochReport[], progress: (m: string) => void, run: () => Promise<T>): Promise<T> {
  const kept = () => (history.length ? `the checkpoint of epoch ${history.length} is kept at ${file}` : 'no epoch finished, so there is no checkpoint yet');
  try {
    return await run();
  } catch (e) {
    if (e instanceof CancelledError) {
      progress(`cancelled; ${kept()}${history.length ? ': run again with --resume to continue' : ''}`);
      throw e;
    }
    if (e instanceof DivergedError) throw new TrainError(`${e.message}; ${kept()}; try a lower --lr`);
    throw e;
  }
}

function resumeFrom(c: Checkpoint, sha: string, settings: Record<string, unknown>, file: string): void {
  check(c.header.modelSha256 === sha, `${file}: the checkpoint was made from a different model file`);
  for (const [key, value] of Object.entries(settings)) {
    const saved = c.header.settings[key];
    check(JSON.stringify(saved) === JSON.stringify(value), `${file}: the checkpoint was made with ${key} ${JSON.stringify(saved)}, this run asks for ${JSON.stringify(value)}`);
  }
}

function describeOptimizer(kind: string, lr: number, o: TrainJobOptions): string {
  const parts = [`${kind} lr ${lr}`];
  if (kind === 'sgd') parts.push(`momentum ${o.momentum ?? 0.9}`);
  if (o.weightDecay) parts.push(`weight decay ${o.weightDecay}`);
  parts.push(o.schedule === 'cosine' ? 'cosine schedule' : 'constant schedule');
  if (o.warmupSteps) parts.push(`${o.warmupSteps} warm-up steps`);
  return parts.join(', ');
}

export const runTrainJob = recordedJob('train', trainJob, {
  inputs: (input, o) => ({ input, data: o.data, labels: o.labels, valData: o.valData, valLabels: o.valLabels, teacher: o.teacher }),
  outputs: (r) => ({ out: r.output }),
  metrics: (r) => ({ accuracy: r.epochs[r.epochs.length - 1]?.valTop1, accuracyBefore: r.valTop1Before }),
  summary: (r) => `${r.kind}${r.qat ? ' (QAT)' : ''}, ${r.epochs.length} epochs, ${r.optimizer}`,
});
