import * as path from 'node:path';
import { evaluateModel, type EvalResult } from '../../core/analysis/accuracy';
import { loadModel } from '../../core/formats/onnx/io';
import { formatOf } from '../../core/formats/open';
import { tfliteFormat } from '../../core/formats/tflite/descriptor';
import { loadDataset, loadDatasetFor } from '../../core/runtime/data';
import { evaluateTflite, tfliteInputSpecs } from '../../core/analysis/tflite-eval';
import { loadLabels } from '../../core/runtime/data-labels';
import { CliError, flag, str, type Command } from '../command';
import { DATA_OPTIONS, DATA_USAGE, dataOptions, pct, threadsOption } from '../data-options';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Run a model over a data set: top-1/top-5 accuracy with labels',
  usage: `usage: edgewise eval MODEL --data X [--labels Y] [--json]\n\nRuns MODEL over the samples in X; with labels (.npy or text, one integer per line), reports top-1\nand top-5 accuracy of its first output. A .tflite model runs on TFLite's WebAssembly interpreter, one\nsample per run; its quantized inputs take real values (they are quantized with the input's scale).\n${DATA_USAGE}`,
  options: { data: { type: 'string' }, labels: { type: 'string' }, json: { type: 'boolean' }, ...DATA_OPTIONS },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const labelsFile = str(args, 'labels');
    let r: EvalResult;
    if (formatOf(file) === tfliteFormat) {
      // TFLite's WebAssembly interpreter, one sample per run (see src/core/analysis/tflite-eval.ts).
      const data = await loadDatasetFor(tfliteInputSpecs(file), file, str(args, 'data'), dataOptions(args, (m) => io.err(m)));
      const labels = labelsFile ? loadLabels(labelsFile, data.count) : undefined;
      r = await evaluateTflite(path.resolve(file), data, labels, { signal: io.signal, progress: (d, n) => io.progress(`${d}/${n}`) });
    } else {
      const model = loadModel(file);
      const data = await loadDataset(model, str(args, 'data'), dataOptions(args, (m) => io.err(m)));
      const labels = labelsFile ? loadLabels(labelsFile, data.count) : undefined;
      r = await evaluateModel(model.label, data, labels, { threads: threadsOption(args), signal: io.signal, progress: (d, n) => io.progress(`${d}/${n}`) });
    }
    if (flag(args, 'json')) io.out(JSON.stringify(r, null, 2));
    else {
      io.out(`${r.model}: ${r.samples} samples from ${r.data}${r.synthetic ? ' (RANDOM: accuracy unknown)' : ''}`);
      if (r.accuracy) io.out(`  top-1 ${pct(r.accuracy.top1, 2)}, top-5 ${pct(r.accuracy.top5, 2)} (output '${r.scoredOutput}')`);
      else io.out('  no labels given: ran without scoring (pass --labels for accuracy)');
    }
    return 0;
  },
};
