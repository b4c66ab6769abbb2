import * as path from 'node:path';
import { loadModel } from '../../core/onnx/io';
import type { TensorError } from '../../core/analysis/tensor-error';
import { analyzePair } from '../../core/analysis/pair';
import { npyFeeds, npyLabels } from '../../core/analysis/npy-feeds';
import type { Score } from '../../core/analysis/scorer';
import { DEFAULT_THRESHOLDS } from '../../core/analysis/diagnostics';
import { jsonDb } from '../../core/analysis/metrics';
import { CliError, flag, num, str, type Command } from '../command';
import { parseNumber } from '../data-options';

export const analyze: Command = {
  name: 'analyze',
  summary: 'Per-layer error of a quantized model against its float original',
  usage: `usage: edgewise analyze FLOAT QUANT --data X.npy [--labels Y.npy] [--count N] [--min-sqnr DB] [--json]

Runs both models on the same inputs with every matched intermediate tensor exposed and prints,
per layer, the SQNR (dB), cosine similarity and relative error of the quantized model's value
against the float one, plus the end-to-end top-1 accuracy (with --labels) or output agreement.
Tensors are matched through the QDQ structure (DequantizeLinear(QuantizeLinear(t)) carries t).

  --data X.npy      model inputs, one sample per row (uint8 images are scaled by 1/255)
  --labels Y.npy    class ids, one per sample (enables top-1 accuracy)
  --count N         use the first N samples (default: all)
  --scale S         multiplier for the input data (default 1/255 for uint8, else 1)
  --min-sqnr DB     warn below this SQNR (default ${DEFAULT_THRESHOLDS.minSqnrDb})
  --json            print JSON only`,
  options: {
    data: { type: 'string' }, labels: { type: 'string' }, count: { type: 'string' }, scale: { type: 'string' },
    'min-sqnr': { type: 'string' }, json: { type: 'boolean' },
  },
  async run(args, io) {
    const [floatFile, quantFile] = args.positionals;
    if (!floatFile || !quantFile) throw new CliError('expected FLOAT and QUANT model files', 2);
    const data = str(args, 'data');
    if (!data) throw new CliError('--data X.npy is required (inputs to compare the models on)', 2);
    const count = args.values.count !== undefined ? num(args, 'count', 0) : undefined;
    const floatModel = loadModel(floatFile);
    const quantModel = loadModel(quantFile);
    const { batches, samples } = npyFeeds(floatModel, path.resolve(data), { count, scale: args.values.scale !== undefined ? parseNumber(String(args.values.scale), 'scale') : undefined });
    const labelsFile = str(args, 'labels');
    const labels = labelsFile ? npyLabels(path.resolve(labelsFile), samples) : undefined;
    if (labels && labels.length < samples) throw new CliError(`${labelsFile}: ${labels.length} labels for ${samples} samples`);
    const { float, quantized: quant, layers, findings, seconds } = await analyzePair(floatModel, quantModel, { batches, labels }, {
      thresholds: { minSqnrDb: num(args, 'min-sqnr', DEFAULT_THRESHOLDS.minSqnrDb) },
      progress: (m) => io.progress(`${m} on ${samples} samples`),
    });
    if (flag(args, 'json')) {
      io.out(JSON.stringify({
        float: { file: floatModel.label, score: jsonScore(float) }, quantized: { file: quantModel.label, score: jsonScore(quant) },
        samples, seconds, layers: layers.map((l) => ({ ...l, sqnrDb: jsonDb(l.sqnrDb) })), findings,
      }, null, 2));
    } else {
      io.out(summaryLine(float, quant, samples));
      io.out(table(layers));
      for (const f of findings) io.out(`${f.severity}: ${f.nodeId ?? '(model)'}: ${f.message}`);
    }
    return 0;
  },
};

function jsonScore(s: Score): object {
  return { ...s, outputSqnrDb: jsonDb(s.outputSqnrDb) };
}

function summaryLine(float: Score, quant: Score, samples: number): string {
  const unit = float.metric === 'top1' ? '%' : '';
  const value = (s: Score) => (float.metric === 'top1' ? s.value.toFixed(2) : s.value.toFixed(5));
  return `${float.metric} on ${samples} samples: float ${value(float)}${unit}, quantized ${value(quant)}${unit} ` +
    `(drop ${(float.value - quant.value).toFixed(float.metric === 'top1' ? 2 : 5)}); output SQNR ${quant.outputSqnrDb.toFixed(1)} dB, cosine ${quant.outputCosine.toFixed(5)}`;
}

function table(layers: readonly TensorError[]): string {
  const w = Math.min(60, Math.max(5, ...layers.map((l) => l.layer.length)));
  const head = `${'layer'.padEnd(w)}  ${'op'.padEnd(18)} ${'SQNR dB'.padStart(8)} ${'cosine'.padStart(9)} ${'rel.err'.padStart(8)}`;
  const rows = layers.map((l) => {
    const name = l.layer.length > w ? '…' + l.layer.slice(-(w - 1)) : l.layer.padEnd(w);
    return `${name}  ${l.opType.padEnd(18)} ${(Number.isFinite(l.sqnrDb) ? l.sqnrDb.toFixed(1) : 'exact').padStart(8)} ${l.cosine.toFixed(5).padStart(9)} ${l.relativeError.toFixed(4).padStart(8)}`;
  });
  return [head, ...rows].join('\n');
}
