import { commandEntries as commands } from './commands';
import { CliError, parse, type CliIo } from './command';
import { CancelledError } from '../core/base/cancel';
import { OptionError } from '../core/base/option-error';
import { errorMessage } from '../core/base/error-text';
import { didYouMean } from './suggest';
import { progressView } from './progress';
import { trace } from '../core/base/trace';

/** A failed command's exit code: the CLI's own, 130 cancelled (Ctrl-C), 2 an unusable option value, else 1 (bad input). */
function exitCode(e: unknown): number {
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof CancelledError) return 130;
  if (e instanceof OptionError) return 2;
  return 1;
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'edgewise: see, shrink, measure and understand ML models for edge devices',
    '',
    'usage: edgewise <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'edgewise <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  trace('cli: modules loaded');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${require('../../package.json').version}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const names = commands.map((c) => c.name);
    const hint = didYouMean(name, names) || ` (commands: ${names.join(', ')})`;
    process.stderr.write(`edgewise: unknown command ${name}${hint}; see edgewise --help\n`);
    return 2;
  }
  const controller = new AbortController();
  const viewOptions = { quiet: false };
  const view = progressView(process.stderr, viewOptions);
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    view.print(process.stderr, '\nedgewise: cancelling (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const cmd = entry.load();
    trace(`cli: ${name} loaded`);
    const args = parse(cmd, rest);
    if (args.values.help) {
      process.stdout.write(cmd.usage.trimEnd() + '\n');
      return 0;
    }
    viewOptions.quiet = args.values.quiet === true;
    const io: CliIo = {
      out: (t) => view.print(process.stdout, t),
      err: (t) => view.print(process.stderr, t),
      progress: view.progress,
      signal: controller.signal,
    };
    return await cmd.run(args, io);
  } catch (e) {
    view.finish();
    const message = errorMessage(e);
    process.stderr.write(`edgewise ${name}: ${message.split('\n')[0]}\n`);
    if (process.env.EDGEWISE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return exitCode(e);
  } finally {
    view.finish();
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`edgewise: ${e}\n`); process.exitCode = 1; },
  );
}
