import { makeAttribute } from '../../formats/onnx/build';
import type { Model } from '../../formats/onnx/model';
import { attrFloat } from '../common';
import type { Dim } from '../../graph/types';
import type { Emitter } from './emitter';
import { GradientError, nodeName } from './grad-rule';
import { pushAll } from '../../base/arrays';

/**
 * Dropout for training: 'off' makes every Dropout the identity (its inference form), 'on' runs it
 * in training mode with a fixed seed per node, so a run is reproducible.
 */
export function setDropoutMode(model: Model, e: Emitter, mode: 'off' | 'on', seed: number): void {
  let k = 0;
  for (const node of model.graph.nodes) {
    if (node.opType !== 'Dropout' || node.domain) continue;
    if (mode === 'off') {
      node.input = node.input.slice(0, 2);
      continue;
    }
    if (e.opset < 12) throw new GradientError(`node '${nodeName(node)}' (Dropout): --dropout on needs opset 12 or later (training_mode input)`);
    const ratio = attrFloat(node, 'ratio', 0.5);
    node.input = [node.input[0], node.input[1] || e.scalar(ratio), e.bool(true)];
    if (!node.output[1]) node.output[1] = e.fresh(`${node.output[0]}/mask`);
    node.attribute = node.attribute.filter((a) => a.name !== 'seed');
    node.attribute.push(makeAttribute('seed', seed + k++));
  }
}

/** A BatchNormalization computing batch statistics, whose running statistics the trainer updates. */
export interface BatchStats {
  node: string;
  /** Initializers holding the running mean and variance. */
  runningMean: string;
  runningVar: string;
  /** Graph outputs with this batch's mean and (biased) variance, shaped [1, C, 1, ...]. */
  batchMean: string;
  batchVar: string;
  momentum: number;
  /** Elements per sample and channel (product of the spatial dims): the statistics average n * perSample values. */
  perSample: number;
}

/**
 * BatchNormalization in training mode, written in primitive ops so the backward pass goes
 * through them: mean and variance over every axis but the channel's, then normalize, scale, shift.
 * The batch statistics become outputs; running statistics are updated outside the graph.
 */
export function batchNormTraining(model: Model, e: Emitter, shape: (value: string) => Dim[] | undefined): BatchStats[] {
  const g = model.graph.proto;
  const out: BatchStats[] = [];
  const nodes = [];
  for (const node of g.node) {
    if (node.opType !== 'BatchNormalization' || node.domain) { nodes.push(node); continue; }
    const [x, scale, bias, runningMean, runningVar] = node.input;
    const dims = shape(x);
    const spatial = dims?.slice(2);
    if (!spatial || spatial.some((d) => typeof d !== 'number')) throw new GradientError(`node '${nodeName(node)}' (BatchNormalization): --bn train needs the static shape of its input`);
    const r = dims!.length;
    const axes = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2)];
    const perChannel = (v: string) => e.unsqueeze(v, Array.from({ length: r - 2 }, (_, i) => i + 1));
    const before = e.nodes.length;
    const mean = e.reduceMean(x, axes, true);
    const centered = e.sub(x, mean);
    const variance = e.reduceMean(e.mul(centered, centered), axes, true);
    const invstd = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.scalar(attrFloat(node, 'epsilon', 1e-5)))])]);
    e.opTo('Add', [e.mul(e.mul(centered, invstd), perChannel(scale)), perChannel(bias)], node.output[0]);
    pushAll(nodes, e.nodes.splice(before));
    out.push({ node: nodeName(node), runningMean, runningVar, batchMean: mean, batchVar: variance, momentum: attrFloat(node, 'momentum', 0.9), perSample: (spatial as number[]).reduce((a, b) => a * b, 1) });
  }
  g.node = nodes;
  model.graph.invalidate();
  return out;
}
