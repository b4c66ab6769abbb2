/**
 * The weights federation moves: a model's float32 initializers (the "tensors" of a round), read as
 * views, and a model rebuilt with new values. Everything else in the model must stay identical
 * across clients; `checkFixedInitializers` says where it does not.
 */
import type { TensorProto } from '../core/formats/onnx/proto/onnx_pb';
import type { Model } from '../core/formats/onnx/model';
import { makeTensor } from '../core/formats/onnx/build';
import { forkModel } from '../core/passes/common';
import { DataType, dtypeName } from '../core/tensor/dtypes';

/** One float32 tensor the federation averages. */
export interface WeightTensor {
  name: string;
  dims: number[];
  values: Float32Array;
}

/** The tensors of a round in a fixed order (the model's initializer order). */
export type Weights = WeightTensor[];

export class FederationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FederationError';
  }
}

const isWeight = (t: TensorProto) => t.dataType === DataType.float32;

/** The model's float32 initializers as views of its data (no copy). */
export function modelWeights(model: Model): Weights {
  const g = model.graph.proto;
  return g.initializer.filter(isWeight).map((t) => ({ name: t.name, dims: t.dims.map(Number), values: model.tensorData(t) as Float32Array }));
}

/** Name and shape of each tensor, for messages and the server's round description. */
export function weightShapes(w: Weights): { name: string; dims: number[] }[] {
  return w.map((t) => ({ name: t.name, dims: t.dims }));
}

/**
 * Checks that a client's model has the base's graph inputs and that every initializer that is not
 * averaged (integers, shapes, other float widths) holds the base's bytes; throws naming the first difference.
 */
export function checkFixedInitializers(base: Model, client: Model, label: string): void {
  const mine = new Map(client.graph.proto.initializer.map((t) => [t.name, t]));
  for (const t of base.graph.proto.initializer) {
    const c = mine.get(t.name);
    if (!c) throw new FederationError(`${label}: has no initializer '${t.name}'`);
    if (c.dataType !== t.dataType || c.dims.join() !== t.dims.join()) {
      throw new FederationError(`${label}: initializer '${t.name}' is ${dtypeName(c.dataType)} [${c.dims.join(', ')}], the base's is ${dtypeName(t.dataType)} [${t.dims.join(', ')}]`);
    }
    if (isWeight(t)) continue;
    if (!sameValues(base.tensorData(t), client.tensorData(c))) {
      throw new FederationError(`${label}: initializer '${t.name}' (${dtypeName(t.dataType)}, not averaged) differs from the base's; only float32 weights may change`);
    }
  }
  if (mine.size !== base.graph.proto.initializer.length) throw new FederationError(`${label}: has ${mine.size} initializers, the base ${base.graph.proto.initializer.length}`);
}

function sameValues(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** The base model with new float32 weights (every other part shared with it). */
export function withWeights(base: Model, weights: Weights): Model {
  const out = forkModel(base);
  const byName = new Map(weights.map((w) => [w.name, w]));
  const g = out.graph.proto;
  g.initializer = g.initializer.map((t) => {
    const w = byName.get(t.name);
    return w ? makeTensor(t.name, 'float32', w.dims, w.values) : t;
  });
  out.graph.invalidate();
  return out;
}
