import { parseArgs, type ParseArgsConfig } from 'node:util';
import { rangeProblem, type Range } from '../core/base/range';
import { didYouMean } from './suggest';
import type { Progress } from '../core/base/progress';

export { THREADS, type Range } from '../core/base/range';

/** Where a command writes: stdout carries results (and only JSON with --json), stderr the rest. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress for slow work (progress.ts: a live line on a terminal, a line per step elsewhere); stderr, silenced with --quiet. */
  progress: Progress;
  /** Set when the user pressed Ctrl-C. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** Usage text shown by --help; the first line is the synopsis. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** A user mistake or bad input: printed as one line, exit code 2 (usage) or 1 (input). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Options every command takes. */
const COMMON_OPTIONS: Command['options'] = { help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean', short: 'q' } };

/**
 * The command's arguments; a mistake is one line in the user's terms, exit 2: an unknown option
 * (with the closest known one), an option missing its value, a value given to a flag.
 */
export function parse(cmd: Command, argv: string[]): ParsedArgs {
  const options = { ...cmd.options, ...COMMON_OPTIONS };
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (!spec) throw new CliError(`unknown option ${t.rawName}${didYouMean(t.name, Object.keys(options), (k) => `--${k}`)}`, 2);
    if (spec.type === 'boolean' && t.value !== undefined) throw new CliError(`${t.rawName} takes no value, got '${t.value}'`, 2);
    if (spec.type === 'string' && (t.value === undefined || (!t.inlineValue && isOptionLike(t.value)))) {
      throw new CliError(`${t.rawName} needs a value${t.value === undefined ? '' : ` (got the option ${t.value})`}`, 2);
    }
  }
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: false });
  return { values: values as ParsedArgs['values'], positionals };
}

/** `--labels` or `-q` where a value was expected; `-0.5` is a value. */
function isOptionLike(text: string): boolean {
  return text.startsWith('-') && text.length > 1 && !Number.isFinite(Number(text.split(',')[0]));
}

export function str(args: ParsedArgs, key: string): string | undefined {
  const v = args.values[key];
  return typeof v === 'string' ? v : undefined;
}

export function strs(args: ParsedArgs, key: string): string[] {
  const v = args.values[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function flag(args: ParsedArgs, key: string): boolean {
  return args.values[key] === true;
}

/** Numeric option `--key`, or `fallback` when it is not given; a value outside `range` is a usage error. */
export function num(args: ParsedArgs, key: string, fallback: number, range: Range): number {
  const v = str(args, key);
  return v === undefined ? fallback : numberIn(v, `--${key}`, range);
}

/** `text` as a number inside `range`; the message names `what` and the bounds. */
export function numberIn(text: string, what: string, range: Range): number {
  const n = text.trim() === '' ? NaN : Number(text);
  const problem = rangeProblem(n, range);
  if (problem) throw new CliError(`${what} ${problem}, got '${text}'`, 2);
  return n;
}
