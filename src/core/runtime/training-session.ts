import * as ort from 'onnxruntime-node';
import type { Model } from '../formats/onnx/model';
import { toFloat32 } from '../tensor/views';
import { makeTensor } from '../formats/onnx/build';
import { forkModel } from '../passes/common';
import { encodeModelProto } from '../formats/onnx/codec';
import { buildTrainingGraph, type TrainingGraph, type TrainingGraphOptions } from '../passes/train/training-graph';
import type { BatchStats } from '../passes/train/forward-rewrites';
import type { TensorProto } from '../formats/onnx/proto/onnx_pb';
import type { Emitter } from '../passes/train/emitter';
import { GradientError } from '../passes/train/grad-rule';
import { hasQuantizedWeights, qatRewrite, requantize, type QuantizedWeight } from '../passes/train/qat';
import { Optimizer, type OptimizerOptions, type OptimizerState } from '../passes/train/optimizer';
import { sessionOptions } from './session';

export interface TrainingSessionOptions extends TrainingGraphOptions {
  optimizer: OptimizerOptions;
  /**
   * Quantization-aware training of a QDQ model: its integer weights are trained as float behind
   * fake quantizers with their fixed scales and written back as integers by exportModel.
   */
  qat?: boolean;
  /** ONNX Runtime intra-op threads (default 1: bit-identical runs). */
  threads?: number;
}

/** One batch: the model's inputs plus what the loss compares the output with. */
export interface TrainingBatch {
  inputs: Record<string, ort.Tensor>;
  /** Class per sample (cross-entropy, distillation). */
  labels?: Int32Array;
  /** Regression targets, shaped like the output (mse). */
  targets?: Float32Array;
  /** The teacher's logits [N, C] (distillation). */
  teacherLogits?: Float32Array;
}

export interface BatchResult {
  loss: number;
  samples: number;
  /** Samples whose largest logit is their label (classification losses). */
  correct?: number;
  /** The output the loss read, for this batch. */
  output: Float32Array;
}

/** A weight tensor being trained: its values live in `values` and are updated in place. */
export interface TrainedParameter {
  name: string;
  dims: number[];
  values: Float32Array;
}

/** Changes gradients in place before the update, given the current weights (same order as `parameters`). */
export type GradientAdjust = (gradients: Float32Array[], weights: Float32Array[]) => void;

/** The loss or a gradient is NaN or infinite: the step was not applied. */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/**
 * Trains a model in place on ONNX Runtime's inference build: one session runs the training graph
 * (forward, loss, backward in standard ops); the weights are fed as zero-copy views of the
 * parameters' Float32Arrays, which the optimizer then updates. No session is created per step.
 */
export class TrainingSession {
  readonly parameters: TrainedParameter[];
  readonly gradients: Float32Array[];
  readonly optimizer: Optimizer;
  private readonly weightFeeds: Record<string, ort.Tensor>;
  private readonly gradientFetches: Record<string, ort.Tensor | null>;
  private readonly runningStats = new Map<string, Float32Array>();

  private constructor(
    readonly source: Model, readonly graph: TrainingGraph, private readonly session: ort.InferenceSession,
    o: TrainingSessionOptions, private readonly quantized: Map<string, QuantizedWeight>,
  ) {
    this.parameters = graph.parameters.map((p) => ({ name: p.name, dims: p.dims, values: Float32Array.from(toFloat32(p.initial.dataType, source.tensorData(p.initial))) }));
    this.gradients = graph.parameters.map((p) => new Float32Array(p.dims.reduce((a, b) => a * b, 1)));
    this.optimizer = new Optimizer(o.optimizer, this.parameters.map((p) => p.values.length));
    this.weightFeeds = Object.fromEntries(this.parameters.map((p) => [p.name, new ort.Tensor('float32', p.values, p.dims)]));
    this.gradientFetches = { [graph.loss]: null, [graph.output]: null };
    graph.parameters.forEach((p, i) => { this.gradientFetches[p.gradient] = new ort.Tensor('float32', this.gradients[i], p.dims); });
    for (const s of graph.batchStats) {
      this.gradientFetches[s.batchMean] = null;
      this.gradientFetches[s.batchVar] = null;
      for (const name of [s.runningMean, s.runningVar]) {
        const t = source.graph.initializers().get(name)!;
        this.runningStats.set(name, Float32Array.from(toFloat32(t.dataType, source.tensorData(t))));
      }
    }
  }

  /** Builds the training graph of `model` and opens its session. Throws on unsupported ops before anything runs. */
  static async create(model: Model, o: TrainingSessionOptions): Promise<TrainingSession> {
    let quantized: QuantizedWeight[] = [];
    if (o.qat && !hasQuantizedWeights(model)) throw new GradientError(`${model.label}: quantization-aware training needs a QDQ model with integer weights (quantize it first, e.g. --mode static)`);
    const prepare = o.qat ? (fork: Model, e: Emitter) => { o.prepare?.(fork, e); quantized = qatRewrite(fork, e); } : o.prepare;
    const graph = buildTrainingGraph(model, { ...o, prepare });
    const session = await ort.InferenceSession.create(encodeModelProto(graph.model.proto), sessionOptions({ threads: o.threads ?? 1 }));
    return new TrainingSession(model, graph, session, o, new Map(quantized.map((w) => [w.float, w])));
  }

  /** Number of classes of the output the loss reads ([N, C]), or undefined for other shapes. */
  get classes(): number | undefined {
    const c = this.graph.outputShape[1];
    return this.graph.outputShape.length === 2 && typeof c === 'number' ? c : undefined;
  }

  /** Runs forward and backward on a batch: the loss, and `gradients` filled. Weights are not changed. */
  async computeGradients(batch: TrainingBatch): Promise<BatchResult> {
    const g = this.graph;
    const feeds: Record<string, ort.Tensor> = { ...batch.inputs, ...this.weightFeeds };
    const n = batchSize(batch.inputs[g.dataInputs[0]]);
    if (g.target) feeds[g.target] = this.targetTensor(batch, n);
    if (g.teacher) {
      if (!batch.teacherLogits) throw new Error('distillation needs the teacher\'s logits for every batch');
      feeds[g.teacher] = new ort.Tensor('float32', batch.teacherLogits, [n, batch.teacherLogits.length / n]);
    }
    const out = await this.session.run(feeds, this.gradientFetches);
    const output = out[g.output].data as Float32Array;
    const loss = (out[g.loss].data as Float32Array)[0];
    for (const s of g.batchStats) this.updateRunningStats(s, out[s.batchMean].data as Float32Array, out[s.batchVar].data as Float32Array, n * s.perSample);
    return { loss, samples: n, output, correct: batch.labels ? countCorrect(output, batch.labels, this.classes) : undefined };
  }

  /**
   * computeGradients, then one optimizer update; throws NonFiniteError (weights unchanged) on NaN or infinity.
   * `adjust` may change the gradients in place first (a proximal term such as FedProx's mu (w - w_global)).
   */
  async step(batch: TrainingBatch, lr: number, adjust?: GradientAdjust): Promise<BatchResult> {
    const r = await this.computeGradients(batch);
    if (!Number.isFinite(r.loss)) throw new NonFiniteError(`the loss is ${r.loss}`);
    adjust?.(this.gradients, this.parameters.map((p) => p.values));
    const bad = this.gradients.findIndex((g) => !allFinite(g));
    if (bad >= 0) throw new NonFiniteError(`the gradient of '${this.parameters[bad].name}' is not finite`);
    this.optimizer.apply(lr, this.parameters.map((p) => p.values), this.gradients);
    return r;
  }

  /** The current weights by initializer name (views: they change as training goes on). */
  weights(): Map<string, Float32Array> {
    return new Map(this.parameters.map((p) => [p.name, p.values]));
  }

  /** Replaces weights (copied in); names and sizes must match trainable parameters. */
  setWeights(weights: ReadonlyMap<string, ArrayLike<number>>): void {
    for (const [name, values] of weights) {
      const p = this.parameters.find((x) => x.name === name);
      if (!p) throw new Error(`'${name}' is not a trainable parameter of this session`);
      if (values.length !== p.values.length) throw new Error(`'${name}' has ${p.values.length} values, got ${values.length}`);
      p.values.set(values);
    }
  }

  /** Current weights minus `base` per parameter (what a federated client sends). */
  weightDelta(base: ReadonlyMap<string, ArrayLike<number>>): Map<string, Float32Array> {
    return new Map(this.parameters.map((p) => {
      const b = base.get(p.name);
      if (!b || b.length !== p.values.length) throw new Error(`the base has no ${p.values.length}-value tensor '${p.name}'`);
      const d = new Float32Array(p.values.length);
      for (let i = 0; i < d.length; i++) d[i] = p.values[i] - b[i];
      return [p.name, d];
    }));
  }

  /** Per parameter, how far training moved it: ||w - w0|| / ||w0||, largest first. */
  relativeChanges(): { name: string; relative: number }[] {
    return this.graph.parameters.map((p, i) => {
      const w0 = toFloat32(p.initial.dataType, this.source.tensorData(p.initial));
      const w = this.parameters[i].values;
      let num = 0;
      let den = 0;
      for (let k = 0; k < w.length; k++) { num += (w[k] - w0[k]) ** 2; den += w0[k] * w0[k]; }
      return { name: p.name, relative: Math.sqrt(num / Math.max(den, 1e-30)) };
    }).sort((a, b) => b.relative - a.relative);
  }

  /** Running BatchNormalization statistics (with --bn train), by initializer name. */
  statistics(): Map<string, Float32Array> {
    return this.runningStats;
  }

  /**
   * The input model with the trained weights (and running statistics): same graph, new
   * initializers holding copies of the current values.
   */
  exportModel(): Model {
    const out = forkModel(this.source);
    const g = out.graph.proto;
    const replaced = new Map<string, TensorProto>();
    for (const [name, v] of [...this.weights(), ...this.runningStats]) {
      const q = this.quantized.get(name);
      const t = q ? requantize(q, v) : makeTensor(name, 'float32', this.source.graph.initializers().get(name)!.dims.map(Number), Float32Array.from(v));
      replaced.set(t.name, t);
    }
    g.initializer = g.initializer.map((t) => replaced.get(t.name) ?? t);
    out.graph.invalidate();
    return out;
  }

  optimizerState(): OptimizerState {
    return this.optimizer.state();
  }

  /** Puts back the weights, optimizer state and running statistics a checkpoint saved. */
  restore(s: { weights: ReadonlyMap<string, Float32Array>; optimizer: OptimizerState; statistics: ReadonlyMap<string, Float32Array> }): void {
    const missing = this.parameters.find((p) => !s.weights.has(p.name));
    if (missing || s.weights.size !== this.parameters.length) throw new Error(`the saved weights do not match this model's trainable parameters${missing ? ` ('${missing.name}' is missing)` : ''}`);
    this.setWeights(s.weights);
    this.optimizer.restore(s.optimizer);
    for (const [name, values] of s.statistics) this.runningStats.get(name)?.set(values);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private targetTensor(batch: TrainingBatch, n: number): ort.Tensor {
    const shape = this.graph.outputShape;
    if (this.graph.teacher || batch.labels) {
      const c = this.classes;
      if (!c) throw new Error(`the output '${this.graph.output}' is not [N, C] class logits`);
      if (!batch.labels || batch.labels.length !== n) throw new Error(`the batch has ${n} samples and ${batch.labels?.length ?? 0} labels`);
      const onehot = new Float32Array(n * c);
      for (let i = 0; i < n; i++) {
        const y = batch.labels[i];
        if (!(y >= 0 && y < c)) throw new Error(`label ${y} is outside 0..${c - 1}`);
        onehot[i * c + y] = 1;
      }
      return new ort.Tensor('float32', onehot, [n, c]);
    }
    if (!batch.targets) throw new Error('the batch has no labels or targets');
    const dims = [n, ...shape.slice(1).map((d) => (typeof d === 'number' ? d : -1))];
    const known = dims.slice(1).reduce((a, b) => (b > 0 ? a * b : a), n);
    return new ort.Tensor('float32', batch.targets, dims.map((d) => (d < 0 ? batch.targets!.length / known : d)));
  }

  private updateRunningStats(s: BatchStats, mean: Float32Array, variance: Float32Array, count: number): void {
    const m = this.runningStats.get(s.runningMean)!;
    const v = this.runningStats.get(s.runningVar)!;
    // PyTorch's convention: the running variance takes the unbiased batch variance.
    const unbias = count > 1 ? count / (count - 1) : 1;
    for (let c = 0; c < m.length; c++) {
      m[c] = s.momentum * m[c] + (1 - s.momentum) * mean[c];
      v[c] = s.momentum * v[c] + (1 - s.momentum) * variance[c] * unbias;
    }
  }
}

function batchSize(t: ort.Tensor | undefined): number {
  if (!t) throw new Error('the batch lacks the model\'s first input');
  return Number(t.dims[0]);
}

function allFinite(a: Float32Array): boolean {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * 0;
  return s === 0;
}

/** Samples whose largest of C logits is their label. */
export function countCorrect(logits: Float32Array, labels: Int32Array, classes: number | undefined): number | undefined {
  if (!classes) return undefined;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
    if (best === labels[i]) correct++;
  }
  return correct;
}
