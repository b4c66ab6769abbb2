import { runEvalJob } from '../../core/jobs/eval';
import { CliError, flag, str, type Command } from '../command';
import { DATA_OPTIONS, DATA_USAGE, dataOptions, threadsOption } from '../data-options';
import { formatPercent } from '../../core/base/units';
import { warnNearChance } from '../format';

export const evalCommand: Command = {
  name: 'eval',
  usage: `usage: edgewise eval MODEL --data X [--labels Y] [--json]\n\nRuns MODEL over the samples in X; with labels (.npy or text, one integer per line), reports top-1\nand top-5 accuracy of its first output. A .tflite model runs on TFLite's WebAssembly interpreter, one\nsample per run; its quantized inputs take real values (they are quantized with the input's scale).\n${DATA_USAGE}`,
  options: { data: { type: 'string' }, labels: { type: 'string' }, json: { type: 'boolean' }, ...DATA_OPTIONS },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const r = await runEvalJob(file, {
      ...dataOptions(args, (m) => io.err(m)), data: str(args, 'data'), labels: str(args, 'labels'), threads: threadsOption(args),
      signal: io.signal, progress: io.progress,
    });
    warnNearChance(io, r);
    if (flag(args, 'json')) io.out(JSON.stringify(r, null, 2));
    else {
      io.out(`${r.model}: ${r.samples} samples from ${r.data}${r.synthetic ? ' (RANDOM: accuracy unknown)' : ''}`);
      if (r.accuracy) io.out(`  top-1 ${formatPercent(r.accuracy.top1, 2)}, top-5 ${formatPercent(r.accuracy.top5, 2)} (output '${r.scoredOutput}')`);
      else io.out('  no labels given: ran without scoring (pass --labels for accuracy)');
    }
    return 0;
  },
};
