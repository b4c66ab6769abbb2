import * as path from 'node:path';
import { CliError, flag, str, type Command } from '../command';
import { runTrainCommand, TRAIN_OPTIONS, TRAIN_USAGE, trainOptions } from '../train-options';

const USAGE = `usage: edgewise finetune MODEL --data X --labels Y [options]

Trains MODEL's weights on labelled data (on the ONNX graph itself, with ONNX Runtime) and writes
MODEL.finetuned.onnx next to it: the same graph with trained initializers. Recovers the accuracy
pruning took; with --qat, trains a static INT8 (QDQ) model through its quantizers.

  --loss mse           regression: mean squared error against Y (float .npy shaped like the
                       output); default cross-entropy on the first float [N, C] output
  --qat                quantization-aware training of a QDQ model: float weights behind fixed
                       scales (straight-through gradient inside the range), written back as INT8

${TRAIN_USAGE}
`;

export const finetune: Command = {
  name: 'finetune',
  usage: USAGE,
  options: { ...TRAIN_OPTIONS, loss: { type: 'string' }, qat: { type: 'boolean' } },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const loss = str(args, 'loss');
    if (loss !== undefined && loss !== 'mse' && loss !== 'cross-entropy') throw new CliError(`--loss must be cross-entropy or mse, got '${loss}'`, 2);
    return runTrainCommand(args, io, path.resolve(file), { kind: 'finetune', ...trainOptions(args, io), loss, qat: flag(args, 'qat') });
  },
};
