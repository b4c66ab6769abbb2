import * as fs from 'node:fs';
import * as path from 'node:path';
import { externalDataFile, loadModel, saveModel, type SaveOptions } from '../../core/formats/onnx/io';
import { resolveOutput } from '../../core/jobs/job';
import { CliError, flag, num, type Command } from '../command';
import { formatBytes } from '../format';

export const convert: Command = {
  name: 'convert',
  usage: [
    'usage: edgewise convert IN OUT [--external-data | --inline] [--threshold BYTES] [--force] [--json]',
    '',
    'Writes IN to OUT (atomically). By default weights stay where they were, and go to an external',
    'data file when the model would pass protobuf\'s 2 GiB limit.',
    '',
    '  --external-data    put tensors of at least --threshold bytes (default 1024) in OUT.data',
    '  --inline           put every tensor inside OUT',
    '  --force            overwrite OUT (and OUT.data) if they exist',
    '  --json             print the result as JSON',
  ].join('\n'),
  options: {
    'external-data': { type: 'boolean' },
    inline: { type: 'boolean' },
    threshold: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const [input, output, extra] = args.positionals;
    if (!input || !output) throw new CliError('needs IN and OUT (see --help)', 2);
    if (extra) throw new CliError(`unexpected argument '${extra}'`, 2);
    if (flag(args, 'external-data') && flag(args, 'inline')) throw new CliError('choose one of --external-data and --inline', 2);
    const force = flag(args, 'force');
    // Progress only where there is time to watch it: a small model converts in milliseconds.
    const slow = (fs.statSync(input, { throwIfNoEntry: false })?.size ?? 0) > 64 * 2 ** 20;
    if (slow) io.progress(`reading ${input}`);
    const model = loadModel(input);
    const out = resolveOutput(input, { tag: 'converted', out: output, force, reads: model.externalFiles(), companions: (f) => [externalDataFile(f)] });
    const options: SaveOptions = {
      weights: flag(args, 'external-data') ? 'external' : flag(args, 'inline') ? 'inline' : 'auto',
      externalThreshold: num(args, 'threshold', 1024, { min: 0, max: 2 ** 31, integer: true }),
      overwrite: force,
    };
    if (slow) io.progress(`writing ${out}`);
    const r = saveModel(model, out, options);
    if (flag(args, 'json')) io.out(JSON.stringify(r, null, 2));
    else {
      const ext = r.externalFile ? ` + ${path.basename(r.externalFile)} (${formatBytes(r.externalBytes ?? 0)}; ${r.externalReason})` : ', weights inline';
      io.out(`wrote ${r.file} (${formatBytes(r.bytes)})${ext}`);
    }
    return 0;
  },
};
