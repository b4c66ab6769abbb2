import type { GraphProto } from '../../formats/onnx/proto/onnx_pb';
import type { ValueType } from '../../formats/onnx/value-type';
import type { Emitter } from './emitter';
import { inputLike } from './gradient-graph';

/** What the training minimizes. Cross-entropy and the distillation loss read class logits [N, C]. */
export type LossSpec =
  | { kind: 'cross-entropy' }
  | { kind: 'mse' }
  /** alpha * KL(softmax(t/T) || softmax(s/T)) * T^2 + (1 - alpha) * CE(s, y), KL averaged over the batch. */
  | { kind: 'distill'; temperature: number; alpha: number };

export interface LossValues {
  /** Scalar loss output. */
  loss: string;
  /** d(loss)/d(output). */
  gradient: string;
  /** Graph input of the targets: one-hot labels [N, C] (or regression targets shaped like the output); absent when unused. */
  target?: string;
  /** Graph input of the teacher's logits [N, C] (distillation). */
  teacher?: string;
}

/**
 * Appends the loss of `output` and its gradient (closed form, not differentiated op by op) and
 * declares the graph inputs they read. Every loss is a mean over the batch.
 */
export function emitLoss(e: Emitter, g: GraphProto, output: string, type: ValueType, spec: LossSpec): LossValues {
  const declare = (base: string) => {
    const name = e.fresh(base);
    g.input.push(inputLike(name, type));
    return name;
  };
  if (spec.kind === 'mse') {
    const target = declare('train/target');
    const diff = e.sub(output, target);
    const count = e.sizeOf(output);
    const loss = e.div(e.op('ReduceSum', [e.mul(diff, diff)], { keepdims: 0 }), count);
    return { loss, gradient: e.div(e.scale(diff, 2), count), target };
  }
  const invBatch = e.op('Reciprocal', [e.dimOf(output, 0)]);
  const batchMean = (x: string) => e.mul(e.op('ReduceSum', [x], { keepdims: 0 }), invBatch);
  const crossEntropy = (target: string) => {
    const logp = e.op('LogSoftmax', [output], { axis: 1 });
    return { loss: e.neg(batchMean(e.mul(target, logp))), gradient: e.sub(e.op('Exp', [logp]), target) };
  };
  if (spec.kind === 'cross-entropy') {
    const target = declare('train/labels_onehot');
    const ce = crossEntropy(target);
    return { loss: ce.loss, gradient: e.mul(ce.gradient, invBatch), target };
  }
  const { temperature: t, alpha } = spec;
  const teacher = declare('train/teacher_logits');
  const logq = e.op('LogSoftmax', [e.scale(output, 1 / t)], { axis: 1 });
  const logpTeacher = e.op('LogSoftmax', [e.scale(teacher, 1 / t)], { axis: 1 });
  const pTeacher = e.op('Exp', [logpTeacher]);
  const kl = batchMean(e.mul(pTeacher, e.sub(logpTeacher, logq)));
  // d(T^2 KL)/ds = T (softmax(s/T) - softmax(t/T)) / N
  const klGrad = e.scale(e.sub(e.op('Exp', [logq]), pTeacher), alpha * t);
  if (alpha === 1) return { loss: e.scale(kl, t * t), gradient: e.mul(klGrad, invBatch), teacher };
  const target = declare('train/labels_onehot');
  const ce = crossEntropy(target);
  const loss = e.add(e.scale(kl, alpha * t * t), e.scale(ce.loss, 1 - alpha));
  return { loss, gradient: e.mul(e.add(klGrad, e.scale(ce.gradient, 1 - alpha)), invBatch), target, teacher };
}
