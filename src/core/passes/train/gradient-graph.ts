import type { TensorProto, ValueInfoProto } from '../../formats/onnx/proto/onnx_pb';
import { makeValueInfo } from '../../formats/onnx/build';
import type { Model } from '../../formats/onnx/model';
import { inferShapes } from '../../formats/onnx/shapes';
import type { ValueType } from '../../formats/onnx/value-type';
import { DataType, dtypeName, type DType } from '../../tensor/dtypes';
import { forkModel } from '../common';
import type { ForwardPass } from './backward';
import { emitBackward } from './backward';
import { Emitter, type FloatType } from './emitter';
import { GradientError } from './grad-rule';
import { fuseFakeQuant } from './grads/qdq';
import { pushAll } from '../../base/arrays';

/** The oldest default-domain opset whose op forms the gradient builder emits. */
export const MIN_TRAINING_OPSET = 11;

/** The forward pass of a model (its main graph), ready for a backward pass to be appended. */
export function forwardPass(model: Model): ForwardPass {
  const opset = model.opsetVersion('') ?? 1;
  if (opset < MIN_TRAINING_OPSET) throw new GradientError(`${model.label}: opset ${opset} is older than ${MIN_TRAINING_OPSET}, the oldest the training graph supports`);
  const graph = model.graph;
  return { model, graph, nodes: fuseFakeQuant(graph, graph.topologicalOrder()), types: inferShapes(model), opset };
}

/** Recomputes the value types after the graph changed (new outputs, lifted initializers). */
export function refreshTypes(f: ForwardPass): void {
  f.graph.invalidate();
  f.types = inferShapes(f.model);
}

/**
 * Turns initializers into graph inputs of the same type and shape (what a training graph feeds
 * each step) and returns the tensors, in `names` order, with their initial values.
 */
export function liftInitializers(model: Model, names: readonly string[]): TensorProto[] {
  const g = model.graph.proto;
  const wanted = new Set(names);
  const lifted = new Map<string, TensorProto>();
  g.initializer = g.initializer.filter((t) => {
    if (!wanted.has(t.name)) return true;
    lifted.set(t.name, t);
    return false;
  });
  const listed = new Set(g.input.map((i) => i.name));
  const out = names.map((n) => {
    const t = lifted.get(n);
    if (!t) throw new GradientError(`${model.label}: '${n}' is not an initializer of the main graph`);
    if (!listed.has(n)) g.input.push(makeValueInfo(n, dtypeName(t.dataType) as DType, t.dims.map(Number)));
    return t;
  });
  model.graph.invalidate();
  return out;
}

/** A graph input declared with the type and shape of an existing value. */
export function inputLike(name: string, t: ValueType | undefined): ValueInfoProto {
  const dtype = dtypeName(t?.dtype || DataType.float32) as DType;
  return makeValueInfo(name, dtype, t?.shape ?? undefined);
}

export function floatTypeOf(t: ValueType | undefined): FloatType {
  return t?.dtype === DataType.float64 ? DataType.float64 : DataType.float32;
}

export interface VjpModel {
  model: Model;
  /** Model output -> graph input that receives d(loss)/d(output). */
  seeds: Map<string, string>;
  /** Value differentiated -> graph output holding its gradient. */
  grads: Map<string, string>;
}

/**
 * A vector-Jacobian-product model: the forward graph plus, for every value in `wrt` (graph
 * inputs or initializers; initializers become inputs), an output holding sum_k <seed_k, dY_k/dwrt>,
 * where seed_k is a new input shaped like model output k. Gradient checks and custom losses use it.
 */
export function vjpModel(model: Model, wrt: string[]): VjpModel {
  const fork = forkModel(model);
  const initNames = new Set(fork.graph.proto.initializer.map((t) => t.name));
  liftInitializers(fork, wrt.filter((w) => initNames.has(w)));
  const f = forwardPass(fork);
  const g = fork.graph.proto;
  const e = new Emitter(g, f.opset, floatTypeOf(f.types.get(wrt[0])));
  const seeds = new Map<string, string>();
  for (const out of g.output) {
    const seed = e.fresh(`${out.name}/grad`);
    seeds.set(out.name, seed);
    g.input.push(inputLike(seed, f.types.get(out.name)));
  }
  const grads = emitBackward(f, e, new Map([...seeds].map(([y, s]) => [y, s])), wrt);
  const outputs = new Map<string, string>();
  for (const [w, grad] of grads) {
    const name = e.fresh(`${w}/grad`);
    nameGradient(e, grad, w, name);
    outputs.set(w, name);
    g.output.push(inputLike(name, f.types.get(w)));
  }
  pushAll(g.node, e.nodes);
  pushAll(g.initializer, e.initializers);
  fork.graph.invalidate();
  return { model: fork, seeds, grads: outputs };
}

/** Appends Identity(grad) named `name`; zeros shaped like `like` when no gradient reaches it. */
export function nameGradient(e: Emitter, grad: string | undefined, like: string, name: string): void {
  e.opTo('Identity', [grad ?? e.zerosLike(like)], name);
}
