import * as path from 'node:path';
import { CliError, str, type Command } from '../command';
import { optionalNumber, runTrainCommand, TRAIN_OPTIONS, TRAIN_USAGE, trainOptions } from '../train-options';

const USAGE = `usage: edgewise distill STUDENT --teacher TEACHER --data X --labels Y [--temperature T] [--alpha A] [options]

Knowledge distillation: trains STUDENT to match TEACHER's softened outputs as well as the labels,
and writes STUDENT.distilled.onnx next to it. The loss is
  alpha * KL(softmax(teacher/T) || softmax(student/T)) * T^2 + (1 - alpha) * CE(student, labels)
with the KL term averaged over the batch. The teacher runs on every batch (ONNX Runtime).

  --teacher TEACHER    the teacher model (its class logits must have the student's shape)
  --temperature T      softening temperature (default 4)
  --alpha A            weight of the teacher's term, 0..1 (default 0.5; 1 needs no labels)

${TRAIN_USAGE}
`;

export const distill: Command = {
  name: 'distill',
  usage: USAGE,
  options: { ...TRAIN_OPTIONS, teacher: { type: 'string' }, temperature: { type: 'string' }, alpha: { type: 'string' } },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing STUDENT argument', 2);
    const teacher = str(args, 'teacher');
    if (!teacher) throw new CliError('--teacher TEACHER.onnx is required', 2);
    return runTrainCommand(args, io, path.resolve(file), {
      kind: 'distill', ...trainOptions(args, io), teacher,
      temperature: optionalNumber(args, 'temperature'), alpha: optionalNumber(args, 'alpha'),
    });
  },
};
