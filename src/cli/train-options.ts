import type { ParseArgsConfig } from 'node:util';
import { CancelledError } from '../core/jobs/job';
import { runTrainJob, TRAIN_RANGES, TrainError, type TrainJobOptions, type TrainJobResult } from '../core/jobs/train';
import { CliError, flag, num, str, type CliIo, type ParsedArgs } from './command';
import { DATA_OPTIONS, dataOptions, dataUsage, threadsOption } from './data-options';
import { formatNumber, formatPercent, formatRate } from '../core/base/units';
import { prefixed } from '../core/base/progress';

// Training always has data; random samples do not apply. --batch is the evaluation batch elsewhere.
const { samples: _random, batch: _batch, ...PREPROCESS_OPTIONS } = DATA_OPTIONS;

/** Options finetune and distill share. */
export const TRAIN_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  data: { type: 'string' },
  labels: { type: 'string' },
  'val-data': { type: 'string' },
  'val-labels': { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  'warmup-steps': { type: 'string' },
  freeze: { type: 'string' },
  bn: { type: 'string' },
  dropout: { type: 'string' },
  seed: { type: 'string' },
  resume: { type: 'boolean' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  ...PREPROCESS_OPTIONS,
};

export const TRAIN_USAGE = `training:
  --data X --labels Y  training samples (a .npy file, a folder of .npy files or of PNG/JPEG
                       images) and integer labels (.npy or text, one per line)
  --val-data X2 --val-labels Y2   validation top-1 after every epoch (and before training)
  --epochs N           passes over the data (default 1)
  --batch-size B       samples per step (default 32)
  --optimizer sgd|adam|adamw   (default adam)
  --lr LR              learning rate (default 1e-3; sgd 0.01)
  --momentum M         sgd momentum (default 0.9)
  --weight-decay W     L2 penalty (sgd, adam) or decoupled decay (adamw; default 0.01 there, else 0)
  --schedule constant|cosine   learning-rate schedule (default constant)
  --warmup-steps K     linear warm-up from 0 over the first K steps
  --freeze REGEX       keep initializers whose names match fixed
  --bn frozen|train    BatchNormalization: stored statistics (default) or batch statistics, with
                       the running statistics updated and written back
  --dropout off|on     Dropout is the identity (default) or active, seeded
  --seed S             shuffling and dropout seed (default 0); one thread is bit-identical run to run
  --resume             continue from the checkpoint beside the output (OUT.ckpt, written after
                       every epoch; Ctrl-C keeps the last one)
  --out PATH           output file     --force   overwrite it (and start over past a checkpoint)
  --json               print the report as JSON only
data (read as every command reads it):
${dataUsage(PREPROCESS_OPTIONS, { header: false })}

Exit status: 0 ok, 1 bad input or a diverged run, 2 usage, 130 cancelled.`;

function choice<T extends string>(args: ParsedArgs, key: string, allowed: readonly T[]): T | undefined {
  const v = str(args, key);
  if (v !== undefined && !allowed.includes(v as T)) throw new CliError(`--${key} must be ${allowed.join(', ')}; got '${v}'`, 2);
  return v as T | undefined;
}

/** A numeric training flag inside its bounds (TRAIN_RANGES), or undefined when not given. */
export function optionalNumber(args: ParsedArgs, key: keyof typeof TRAIN_RANGES): number | undefined {
  return str(args, key) === undefined ? undefined : num(args, key, NaN, TRAIN_RANGES[key]);
}

/** The job options the shared flags describe. */
export function trainOptions(args: ParsedArgs, io: CliIo): Omit<TrainJobOptions, 'kind'> {
  const data = str(args, 'data');
  if (!data) throw new CliError('--data is required (training samples: .npy, a folder of .npy files or images)', 2);
  const pre = dataOptions(args, (m) => io.err(m));
  return {
    data, labels: str(args, 'labels'), valData: str(args, 'val-data'), valLabels: str(args, 'val-labels'),
    preprocess: { scale: pre.scale, mean: pre.mean, std: pre.std, layout: pre.layout, resize: pre.resize },
    epochs: optionalNumber(args, 'epochs'), batchSize: optionalNumber(args, 'batch-size'), lr: optionalNumber(args, 'lr'),
    optimizer: choice(args, 'optimizer', ['sgd', 'adam', 'adamw'] as const), momentum: optionalNumber(args, 'momentum'),
    weightDecay: optionalNumber(args, 'weight-decay'), schedule: choice(args, 'schedule', ['constant', 'cosine'] as const),
    warmupSteps: optionalNumber(args, 'warmup-steps'), freeze: str(args, 'freeze'),
    bn: choice(args, 'bn', ['frozen', 'train'] as const), dropout: choice(args, 'dropout', ['off', 'on'] as const),
    seed: optionalNumber(args, 'seed'), threads: threadsOption(args), resume: flag(args, 'resume'),
    out: str(args, 'out'), force: flag(args, 'force'), signal: io.signal,
  };
}

/** Runs the job, printing progress (a line per epoch, a throttled step line) and the report. */
export async function runTrainCommand(args: ParsedArgs, io: CliIo, model: string, o: TrainJobOptions): Promise<number> {
  try {
    const result = await runTrainJob(model, {
      ...o,
      progress: prefixed(io.progress, '  '),
      onEpoch: (r) => io.progress(`  epoch ${r.epoch}: loss ${formatNumber(r.loss, 4)}, train top-1 ${formatPercent(r.trainTop1)}, validation top-1 ${formatPercent(r.valTop1)}, ${formatRate(r.imagesPerSecond, 'samples')}`),
    });
    io.out(flag(args, 'json') ? JSON.stringify(result, null, 2) : describeTraining(result));
    return 0;
  } catch (e) {
    if (e instanceof TrainError) throw new CliError(e.message);
    if (e instanceof CancelledError) throw new CliError('cancelled; no output file was written', 130);
    throw e;
  }
}

export function describeTraining(r: TrainJobResult): string {
  const what = r.kind === 'distill' ? `distilled from ${r.teacher}` : r.qat ? 'quantization-aware fine-tuned' : 'fine-tuned';
  const lines = [
    `${r.input}: ${what} on ${r.samples} samples (${r.parameters.tensors} weight tensors, ${r.parameters.values} values; ${r.fixed.length} float initializers fixed)`,
    `  loss ${r.loss.kind === 'distill' ? `distillation (T ${r.loss.temperature}, alpha ${r.loss.alpha})` : r.loss.kind}; ${r.optimizer}`,
  ];
  if (r.valTop1Before !== undefined) lines.push(`  validation top-1 before training: ${formatPercent(r.valTop1Before)} (${r.validationSamples} samples)`);
  if (r.resumedEpochs) lines.push(`  resumed after epoch ${r.resumedEpochs}`);
  lines.push('  epoch  loss      train top-1  val top-1  samples/s  seconds');
  for (const e of r.epochs) {
    lines.push(`  ${String(e.epoch).padStart(5)}  ${formatNumber(e.loss, 4).padEnd(8)}  ${formatPercent(e.trainTop1).padStart(11)}  ${formatPercent(e.valTop1).padStart(9)}  ${formatNumber(e.imagesPerSecond).padStart(9)}  ${formatNumber(e.seconds).padStart(7)}`);
  }
  lines.push(`wrote ${r.output}`);
  return lines.join('\n');
}
