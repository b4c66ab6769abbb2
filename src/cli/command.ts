import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes: stdout carries results (and only JSON with --json), stderr the rest. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress for slow work; goes to stderr, silenced with --quiet. */
  progress(text: string): void;
  /** Set when the user pressed Ctrl-C. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
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

export function parse(cmd: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean', short: 'q' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    throw new CliError(`${cmd.name}: ${(e as Error).message}`, 2);
  }
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

export function num(args: ParsedArgs, key: string, fallback: number): number {
  const v = str(args, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`--${key} must be a number, got '${v}'`, 2);
  return n;
}
