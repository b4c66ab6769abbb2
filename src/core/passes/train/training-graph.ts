import type { TensorProto } from '../../formats/onnx/proto/onnx_pb';
import type { Model } from '../../formats/onnx/model';
import { elementCount } from '../../formats/onnx/tensor';
import type { ValueType } from '../../formats/onnx/value-type';
import type { Dim } from '../../graph/types';
import { DataType } from '../../tensor/dtypes';
import { forkModel } from '../common';
import { checkGradients, emitBackward, gradientPath } from './backward';
import { Emitter } from './emitter';
import { batchNormTraining, setDropoutMode, type BatchStats } from './forward-rewrites';
import { flowsTo, GradientError } from './grad-rule';
import { forwardPass, inputLike, liftInitializers, nameGradient, refreshTypes } from './gradient-graph';
import { gradRule } from './grads';
import { emitLoss, type LossSpec } from './losses';
import { pushAll } from '../../base/arrays';

export interface TrainingGraphOptions {
  loss: LossSpec;
  /** The model output the loss reads; default: the first float [N, C] output (any float output for mse). */
  output?: string;
  /** Initializers to keep fixed (besides those no gradient reaches). */
  freeze?: (name: string) => boolean;
  /** 'frozen' (default): BatchNormalization uses its stored statistics; 'train': batch statistics, running ones updated. */
  bn?: 'frozen' | 'train';
  /** 'off' (default): Dropout is the identity; 'on': training-mode Dropout, seeded. */
  dropout?: 'off' | 'on';
  seed?: number;
  /** Rewrites the forked forward graph before differentiation (quantization-aware training uses it). */
  prepare?: (fork: Model, e: Emitter) => void;
}

export interface TrainableParameter {
  name: string;
  dims: number[];
  /** The initializer as the input model holds it (initial values). */
  initial: TensorProto;
  /** Graph output holding d(loss)/d(parameter). */
  gradient: string;
}

export interface TrainingGraph {
  /** Forward pass, loss and backward pass in standard ONNX ops. */
  model: Model;
  /** The input model's data inputs. */
  dataInputs: string[];
  /** Input for one-hot labels [N, C] or regression targets; absent when the loss reads none. */
  target?: string;
  /** Input for the teacher's logits (distillation). */
  teacher?: string;
  /** Scalar loss output. */
  loss: string;
  /** The model output the loss reads (also a training-graph output). */
  output: string;
  outputShape: Dim[];
  parameters: TrainableParameter[];
  /** Float initializers that stay fixed: frozen by the caller, or with no gradient path to the loss. */
  fixed: string[];
  batchStats: BatchStats[];
}

/** The model output a loss reads: the named one, or the first float output of shape [N, C] (any float output for mse). */
export function lossOutput(model: Model, types: Map<string, ValueType>, loss: LossSpec, name?: string): { name: string; shape: Dim[] } {
  const outputs = model.graph.proto.output;
  const isFloat = (t?: ValueType) => t?.dtype === DataType.float32 || t?.dtype === DataType.float64;
  if (name) {
    const t = types.get(name);
    if (!outputs.some((o) => o.name === name)) throw new GradientError(`${model.label}: has no output named '${name}' (outputs: ${outputs.map((o) => o.name).join(', ')})`);
    if (!isFloat(t) || !t?.shape) throw new GradientError(`${model.label}: output '${name}' is not a float tensor of known rank`);
    return { name, shape: t.shape };
  }
  for (const o of outputs) {
    const t = types.get(o.name);
    if (!isFloat(t) || !t?.shape) continue;
    if (loss.kind === 'mse' || (t.shape.length === 2 && t.shape[1] !== 1)) return { name: o.name, shape: t.shape };
  }
  const described = outputs.map((o) => `${o.name} [${types.get(o.name)?.shape?.join(', ') ?? '?'}]`).join(', ');
  throw new GradientError(`${model.label}: no float output of shape [N, C] for class logits (outputs: ${described}); use --loss mse for a regression output`);
}

/**
 * The training graph of a model: forward pass, loss and one gradient output per trainable
 * float initializer. Trainable initializers become graph inputs, so each step feeds the current
 * weights without a new session. Throws GradientError before anything runs when an op on the
 * way from a trainable weight to the loss has no gradient.
 */
export function buildTrainingGraph(model: Model, o: TrainingGraphOptions): TrainingGraph {
  const fork = forkModel(model);
  const opset = model.opsetVersion('') ?? 1;
  const e = new Emitter(fork.graph.proto, opset);
  const g = fork.graph.proto;
  setDropoutMode(fork, e, o.dropout ?? 'off', o.seed ?? 0);
  let f = forwardPass(fork);
  const batchStats = o.bn === 'train' ? batchNormTraining(fork, e, (v) => f.types.get(v)?.shape ?? undefined) : [];
  o.prepare?.(fork, e);
  pushAll(g.initializer, e.initializers.splice(0));
  f = forwardPass(fork);
  const out = lossOutput(fork, f.types, o.loss, o.output);

  const statInits = new Set(batchStats.flatMap((s) => [s.runningMean, s.runningVar]));
  const graphInputs = new Set(g.input.map((i) => i.name));
  const candidates = g.initializer.filter((t) => t.dataType === DataType.float32 && elementCount(t) > 1 && !graphInputs.has(t.name) && !statInits.has(t.name));
  const path = gradientPath(f, candidates.map((t) => t.name), [out.name]);
  const differentiable = new Set<string>();
  for (const node of f.nodes) {
    if (!node.output.some((y) => path.needed.has(y))) continue;
    const rule = gradRule(node);
    node.input.forEach((x, i) => { if (x && (!rule || flowsTo(rule, i))) differentiable.add(x); });
  }
  const reachable = candidates.filter((t) => differentiable.has(t.name));
  const trainable = reachable.filter((t) => !o.freeze?.(t.name));
  checkGradients(gradientPath(f, trainable.map((t) => t.name), [out.name]));
  if (trainable.length === 0) throw new GradientError(`${model.label}: no trainable weights (every float initializer on the way to '${out.name}' is frozen or has no gradient)`);
  const names = trainable.map((t) => t.name);
  liftInitializers(fork, names);
  if (statInits.size) g.initializer = g.initializer.filter((t) => !statInits.has(t.name));
  refreshTypes(f);

  const dataInputs = model.graph.realInputs().map((i) => i.name);
  const loss = emitLoss(e, g, out.name, f.types.get(out.name)!, o.loss);
  const grads = emitBackward(f, e, new Map([[out.name, loss.gradient]]), names);
  const lossName = e.opTo('Identity', [loss.loss], e.fresh('loss'));
  const parameters = trainable.map((t) => {
    const gradient = e.fresh(`${t.name}/grad`);
    nameGradient(e, grads.get(t.name), t.name, gradient);
    return { name: t.name, dims: t.dims.map(Number), initial: t, gradient };
  });
  pushAll(g.node, e.nodes);
  pushAll(g.initializer, e.initializers);
  g.output = [
    inputLike(lossName, { dtype: DataType.float32, shape: null }),
    g.output.find((x) => x.name === out.name)!,
    ...parameters.map((p) => inputLike(p.gradient, { dtype: DataType.float32, shape: p.dims })),
    ...batchStats.flatMap((s) => [inputLike(s.batchMean, undefined), inputLike(s.batchVar, undefined)]),
  ];
  fork.graph.invalidate();
  return {
    model: fork, dataInputs, target: loss.target, teacher: loss.teacher, loss: lossName,
    output: out.name, outputShape: out.shape, parameters, batchStats,
    fixed: model.graph.proto.initializer.filter((t) => t.dataType === DataType.float32 && !names.includes(t.name)).map((t) => t.name),
  };
}
