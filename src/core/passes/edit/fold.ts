import { makeTensor } from '../../formats/onnx/build';
import { inferShapes } from '../../formats/onnx/shapes';
import type { NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { DataType } from '../../tensor/dtypes';
import type { EditReport } from './types';
import { GraphDraft } from './draft';
import { pushAll } from '../../base/arrays';

/**
 * Replaces nodes whose every output the shape inference knows by value (shapes.ts keeps the
 * small integer tensors it works out: Shape of a static shape, and Gather/Concat/Unsqueeze/Cast/
 * Slice/... chains over constants) by initializers holding those values; the nodes that then feed
 * nothing go too. Outputs of the graph and nodes of other domains stay.
 */
export function foldConstants(d: GraphDraft): EditReport {
  const before = d.nodes.length;
  let folded = 0;
  // Each round's initializers are the next round's constants: a chain folds link by link.
  for (let round = d.model, n = foldOnce(d); n > 0; round = d.finish(), n = foldOnce(new GraphDraft(round), d)) folded += n;
  const removed = before - d.nodes.length;
  return {
    description: folded ? `folded ${folded} node(s) into constants${removed > folded ? `, ${removed - folded} more no longer needed` : ''}` : 'nothing to fold',
    removedNodes: removed,
    addedNodes: 0,
  };
}

/** One round of folding on `from` (whose lists are written to `into`, default itself); returns the nodes folded. */
function foldOnce(from: GraphDraft, into: GraphDraft = from): number {
  const consts = new Map<string, number[]>();
  const types = inferShapes(from.model, from.model.graph, consts);
  const graphOutputs = new Set(from.outputs.map((v) => v.name));
  const folded: TensorProto[] = [];
  const nodes = from.nodes.filter((n) => {
    if (n.opType === 'Constant' || (n.domain !== '' && n.domain !== 'ai.onnx') || n.output.length === 0) return true;
    const arithmetic = integerArithmetic(n, consts);
    if (arithmetic && n.output[0]) consts.set(n.output[0], arithmetic);
    const tensors = n.output.map((o) => (o && !graphOutputs.has(o) ? valueTensor(o, consts.get(o), types.get(o)) : undefined));
    if (!tensors.every((t) => t)) return true;
    pushAll(folded, tensors as TensorProto[]);
    return false;
  });
  if (folded.length === 0) return 0;
  const count = from.nodes.length - nodes.length;
  Object.assign(into, { nodes, inputs: from.inputs, outputs: from.outputs, valueInfo: from.valueInfo, initializers: [...from.initializers, ...folded] });
  into.removeUnused();
  return count;
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => Math.trunc(a / b),
};

/** Add/Sub/Mul/Div of two integer constants (shape arithmetic: the inference keeps no such values), broadcasting a single value. */
function integerArithmetic(n: NodeProto, consts: Map<string, number[]>): number[] | undefined {
  const op = ARITHMETIC[n.opType];
  const a = consts.get(n.input[0]);
  const b = consts.get(n.input[1]);
  if (!op || !a || !b || n.input.length !== 2 || (a.length !== b.length && a.length !== 1 && b.length !== 1)) return undefined;
  if (n.opType === 'Div' && b.includes(0)) return undefined;
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => op(a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i]));
}

/** The tensor of a value known by value, when its type and shape are known and agree with the count. */
function valueTensor(name: string, values: number[] | undefined, type: { dtype: number; shape: (number | string)[] | null } | undefined): TensorProto | undefined {
  if (!values || !type?.shape || !type.shape.every((x): x is number => typeof x === 'number')) return undefined;
  if (type.shape.reduce((a, b) => a * b, 1) !== values.length) return undefined;
  const dims = type.shape;
  switch (type.dtype) {
    case DataType.int64: return makeTensor(name, 'int64', dims, BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))));
    case DataType.int32: return makeTensor(name, 'int32', dims, Int32Array.from(values));
    case DataType.float32: return makeTensor(name, 'float32', dims, Float32Array.from(values));
    case DataType.float64: return makeTensor(name, 'float64', dims, Float64Array.from(values));
    default: return undefined;
  }
}
