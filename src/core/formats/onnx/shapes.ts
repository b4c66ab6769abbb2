import type { NodeProto, TensorProto } from './proto/onnx_pb';
import type { Graph, Model } from './model';
import { elementCount } from './tensor';
import { DataType } from '../../tensor/dtypes';
import { RULES } from './shape-rules';
import { MAX_CONST, type Ctx } from './shape-ops';
import { UNKNOWN_DIM, tensorType, type ValueType } from './value-type';

/**
 * Shape inference for the ops that decide model size and cost (Conv, pooling, Gemm, MatMul,
 * elementwise broadcast, Reshape with a constant shape, Flatten, Concat, Transpose, ...), in the
 * way ONNX's own inference does it. Values it cannot infer keep the graph's value_info, if any.
 * Symbolic dimensions stay strings; a dimension nobody can know is '?'.
 */

/**
 * Types of every value of `graph` (default: the main graph): inputs and initializers as
 * declared, node outputs as inferred, else as value_info records them. `consts`, when given,
 * receives the values of the small integer tensors worked out on the way (shapes, axes).
 * `symbolsAs` gives every symbolic dim of the graph's inputs that size (a batch of 1), so the
 * shape arithmetic of an export (Shape -> Gather -> Concat -> Reshape) works out: see
 * concreteShapes.
 */
export function inferShapes(model: Model, graph: Graph = model.graph, consts = new Map<string, number[]>(), symbolsAs?: number): Map<string, ValueType> {
  const types = new Map<string, ValueType>();
  const declared = new Map<string, ValueType>();
  for (const v of [...graph.proto.valueInfo, ...graph.proto.output, ...graph.proto.input]) {
    const t = tensorType(v.type);
    if (t) declared.set(v.name, t);
  }
  for (const v of graph.proto.input) {
    const t = declared.get(v.name);
    if (!t) continue;
    types.set(v.name, symbolsAs === undefined || !t.shape ? t : { dtype: t.dtype, shape: t.shape.map((d) => (typeof d === 'number' ? d : symbolsAs)) });
  }
  for (const sp of graph.proto.sparseInitializer) if (sp.values) types.set(sp.values.name, { dtype: sp.values.dataType, shape: sp.dims.map(Number) });
  for (const t of graph.proto.initializer) {
    types.set(t.name, { dtype: t.dataType, shape: t.dims.map(Number) });
    const vals = constValues(t, model);
    if (vals) consts.set(t.name, vals);
  }
  // Only Resize reads float values: found and read when a rule asks, not listed for every small weight up front.
  let smallFloats: Map<string, TensorProto> | undefined;
  const floats = {
    get(name: string): number[] | undefined {
      if (!smallFloats) {
        smallFloats = new Map();
        for (const t of graph.proto.initializer) if (t.dataType === DataType.float32 && elementCount(t) <= MAX_CONST) smallFloats.set(t.name, t);
      }
      const t = smallFloats.get(name);
      return t && Array.from(model.tensorData(t) as Float32Array);
    },
  };
  let order: NodeProto[];
  try {
    order = graph.topologicalOrder();
  } catch {
    order = graph.nodes;
  }
  for (const node of order) {
    const ctx: Ctx = { node, types, consts, floats };
    let out: (ValueType | undefined)[] = [];
    const rule = node.domain === '' || node.domain === 'ai.onnx' ? RULES[node.opType] : undefined;
    if (rule) {
      try {
        out = rule(ctx);
      } catch {
        out = [];
      }
    }
    for (let i = 0; i < node.output.length; i++) {
      const name = node.output[i];
      if (!name) continue;
      const inferred = possible(out[i]);
      const known = declared.get(name);
      types.set(name, pick(inferred, known) ?? { dtype: 0, shape: null });
    }
  }
  return types;
}

/**
 * An inferred type with impossible dims (negative, or past 2^53: what a Conv over an empty or
 * crafted input works out) made unknown, so no size or cost is ever computed from them.
 */
function possible(t: ValueType | undefined): ValueType | undefined {
  if (!t?.shape || t.shape.every((d) => typeof d !== 'number' || (d >= 0 && Number.isSafeInteger(d)))) return t;
  return { dtype: t.dtype, shape: t.shape.map((d) => (typeof d === 'number' && !(d >= 0 && Number.isSafeInteger(d)) ? UNKNOWN_DIM : d)) };
}

/** The inferred type unless the declared one knows more. */
function pick(inferred: ValueType | undefined, declared: ValueType | undefined): ValueType | undefined {
  if (!inferred) return declared;
  if (!declared) return inferred;
  const dtype = inferred.dtype || declared.dtype;
  if (!inferred.shape) return { dtype, shape: declared.shape };
  if (declared.shape && declared.shape.length === inferred.shape.length) {
    return { dtype, shape: inferred.shape.map((d, i) => (typeof d === 'number' ? d : declared.shape![i] !== UNKNOWN_DIM ? declared.shape![i] : d)) };
  }
  return { dtype, shape: inferred.shape };
}

function constValues(t: TensorProto, model: Model): number[] | undefined {
  if (t.dataType !== DataType.int64 && t.dataType !== DataType.int32) return undefined;
  if (elementCount(t) > MAX_CONST) return undefined;
  try {
    const data = model.tensorData(t);
    return Array.from(data as ArrayLike<number | bigint>, Number);
  } catch {
    return undefined;
  }
}
