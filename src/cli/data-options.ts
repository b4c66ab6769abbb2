import type { ParseArgsConfig } from 'node:util';
import { checkDataOptions, DATA_LIMITS, type DataOptions } from '../core/runtime/data-array';
import { CliError, num, numberIn, str, strs, THREADS, type ParsedArgs } from './command';
import { valueRecord } from '../core/graph/types';

/** Largest value of a symbolic dimension (--dim NAME=N). */
const MAX_DIM = 1 << 20;

/** Options every data-reading command shares (how data is read: runtime/data-array.ts DataOptions). */
export const DATA_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  scale: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  layout: { type: 'string' },
  resize: { type: 'string' },
  batch: { type: 'string' },
  count: { type: 'string' },
  samples: { type: 'string' },
  threads: { type: 'string' },
};

/** The data options of a command that always has data (no random samples). */
export const { samples: _randomOnly, ...GIVEN_DATA_OPTIONS } = DATA_OPTIONS;

/** Each data option's help line(s); `batch` is the command's default batch size. */
function dataHelp(batch: number): Record<keyof typeof DATA_OPTIONS, string[]> {
  return {
    scale: ['--scale S        multiply values first (default 1/255 for uint8 .npy data and images, else 1;',
      '                 --scale 1 keeps uint8 values as they are)'],
    mean: ['--mean M[,M..]   subtract per channel, then --std S[,S..] divide per channel (give both)'],
    std: [],
    layout: ['--layout NCHW|NHWC   image layout (default: from the model\'s input shape)'],
    resize: ['--resize HxW     image size (default: from the model\'s input shape)'],
    batch: [`--batch N        samples per run for models with a symbolic batch dimension (default ${batch})`],
    count: ['--count N        use the first N samples (and labels) only (default: all)'],
    samples: ['--samples N      random samples when no data is given (default 16)'],
    threads: ['--threads N      ONNX Runtime intra-op threads (default 1)'],
  };
}

/**
 * The help text of the data options a command has (`options`: DATA_OPTIONS or a part of it), so a
 * command documents exactly the ones it takes; `batch` is its default batch size.
 */
export function dataUsage(options: object = DATA_OPTIONS, { batch = 32, indent = '  ', header = true } = {}): string {
  const help = dataHelp(batch);
  const random = 'samples' in options;
  return [
    ...(header ? ['Data (X): a .npy file (N samples on axis 0), a folder of .npy files (or one <input>.npy per',
      `input), or a folder of PNG/JPEG images.${random ? ' Without data, random inputs are used (accuracy unknown).' : ''}`] : []),
    ...(Object.keys(help) as (keyof typeof help)[]).filter((k) => k in options).flatMap((k) => help[k].map((l) => indent + l)),
  ].join('\n');
}

export const DATA_USAGE = dataUsage();

function numberList(args: ParsedArgs, key: string): number[] | undefined {
  const v = str(args, key);
  if (v === undefined) return undefined;
  const list = v.split(',').map((x) => parseNumber(x.trim(), key));
  return list;
}

/** A number or a fraction such as 1/255. */
export function parseNumber(text: string, key: string): number {
  const m = /^([-+]?[\d.eE+-]+)\s*\/\s*([\d.eE+-]+)$/.exec(text);
  const n = text.trim() === '' ? NaN : m ? Number(m[1]) / Number(m[2]) : Number(text);
  if (!Number.isFinite(n)) throw new CliError(`--${key} must be a number, got '${text}'`, 2);
  return n;
}

/** The data options as given (unset ones left to the job's defaults); unusable values are usage errors. */
export function dataOptions(args: ParsedArgs, warn: (m: string) => void): DataOptions {
  const layout = str(args, 'layout')?.toUpperCase();
  const resize = str(args, 'resize');
  let size: [number, number] | undefined;
  if (resize) {
    const m = /^(\d+)x(\d+)$/i.exec(resize);
    if (!m) throw new CliError(`--resize must be HxW (e.g. 224x224), got '${resize}'`, 2);
    size = [Number(m[1]), Number(m[2])];
  }
  const scale = str(args, 'scale');
  const whole = (key: string) => (str(args, key) === undefined ? undefined : num(args, key, NaN, { min: 1, max: DATA_LIMITS[key as keyof typeof DATA_LIMITS], integer: true }));
  const options: DataOptions = {
    scale: scale !== undefined ? parseNumber(scale, 'scale') : undefined,
    mean: numberList(args, 'mean'),
    std: numberList(args, 'std'),
    layout: layout as DataOptions['layout'],
    resize: size,
    batch: whole('batch'),
    count: whole('count'),
    randomCount: whole('samples'),
    warn,
  };
  try {
    checkDataOptions(options);
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  return options;
}

/** NAME=VALUE pairs of a repeatable option (--dim, --input). */
export function pairs(args: string[], flagName: string): [string, string][] {
  return args.map((a) => {
    const i = a.indexOf('=');
    if (i <= 0 || i === a.length - 1) throw new CliError(`--${flagName} expects NAME=VALUE, got '${a}'`, 2);
    return [a.slice(0, i), a.slice(i + 1)];
  });
}


/** --dim NAME=N values of symbolic dimensions. */
export function dimsOption(args: ParsedArgs): Record<string, number> {
  const dims = valueRecord<number>();
  for (const [name, v] of pairs(strs(args, 'dim'), 'dim')) dims[name] = numberIn(v, `--dim ${name}`, { min: 1, max: MAX_DIM, integer: true });
  return dims;
}

export function threadsOption(args: ParsedArgs): number {
  return num(args, 'threads', 1, THREADS);
}

