import { create } from '@bufbuild/protobuf';
import { TensorShapeProto_DimensionSchema } from '../../formats/onnx/proto/onnx_pb';
import type { Model } from '../../formats/onnx/model';
import { inferShapes } from '../../formats/onnx/shapes';
import { tensorType } from '../../formats/onnx/value-type';
import { DataType, dtypeName } from '../../tensor/dtypes';
import { forkModel, nodeLabel } from '../common';
import { BuiltinOperator, TensorType } from '../../formats/tflite/writer';
import { ConvertContext, ConvertError, type NodeMapping } from './context';
import type { TfliteGraph } from './graph';
import { channelsLast, identity, isIdentity, storedShape, type Perm } from './layout';
import { CONVERTERS } from './ops';

export interface ConvertOptions {
  /** Values of symbolic dimensions (`--dim NAME=N`). */
  dims?: Record<string, number>;
  /** Keep 4-D inputs and outputs NHWC (no TRANSPOSE at the edges). */
  nhwcIo?: boolean;
}

/** A graph input or output as the TFLite model has it. */
export interface IoLayout {
  name: string;
  /** ONNX shape. */
  shape: number[];
  /** Shape of the TFLite tensor. */
  tfliteShape: number[];
  layout: 'onnx' | 'nhwc';
}

export interface ConvertResult {
  graph: TfliteGraph;
  mappings: NodeMapping[];
  inputs: IoLayout[];
  outputs: IoLayout[];
  /** TRANSPOSE ops by place: next to an input, before an output, or between other ops. */
  transposes: { atInputs: number; atOutputs: number; inside: number };
}

/** Thrown for inputs the model cannot be exported with (dynamic dims without --dim...). */
export class ExportInputError extends Error {}

const TYPES: Record<number, TensorType> = {
  [DataType.float32]: TensorType.FLOAT32, [DataType.int64]: TensorType.INT64, [DataType.int32]: TensorType.INT32,
  [DataType.uint8]: TensorType.UINT8, [DataType.int8]: TensorType.INT8, [DataType.bool]: TensorType.BOOL,
};

/**
 * Converts the main graph of an ONNX model to a float32 TFLite graph made of builtin operators:
 * NCHW activations become NHWC (weights transposed once, here), BatchNormalization folds into the
 * convolution before it, activations fuse into the op before them where TFLite allows, and
 * shape-computing subgraphs fold to constants. Throws ConvertError naming the first node that has
 * no TFLite form; nothing is written before that is known.
 */
export function onnxToTflite(source: Model, options: ConvertOptions = {}): ConvertResult {
  const model = pinnedModel(source, options.dims ?? {});
  const consts = new Map<string, number[]>();
  let types = inferShapes(model, model.graph, consts);
  // Shape arithmetic (Add/Sub/Mul/Div/Cast of shape values) folds once the dims are fixed; shape
  // inference then sees the values it makes (Slice bounds, Reshape targets) on the next round.
  for (let round = 0; round < 8 && foldShapeArithmetic(model, consts) > 0; round++) types = inferShapes(model, model.graph, consts);
  const outputs = model.graph.proto.output.map((o) => o.name);
  const ctx = new ConvertContext(model, model.graph, types, consts, new Set(outputs));
  const inputs: IoLayout[] = [];
  for (const vi of model.graph.realInputs()) {
    const t = tensorType(vi.type);
    const shape = t?.shape as number[];
    const type = TYPES[t?.dtype ?? 0];
    if (type === undefined) throw new ExportInputError(`input '${vi.name}' has type ${dtypeName(t?.dtype ?? 0)}, which the TFLite export does not take`);
    const perm: Perm = options.nhwcIo && shape.length === 4 ? channelsLast(4) : identity(shape.length);
    const tensor = ctx.tg.tensor(vi.name, storedShape(shape, perm), type);
    ctx.values.set(vi.name, { tensor, perm });
    ctx.tg.inputs.push(tensor);
    inputs.push({ name: vi.name, shape, tfliteShape: storedShape(shape, perm), layout: isIdentity(perm) ? 'onnx' : 'nhwc' });
  }
  for (const node of model.graph.topologicalOrder()) {
    ctx.begin(node);
    if (ctx.isFused(node)) { ctx.end('fused into the op before it'); continue; }
    if (node.opType === 'Constant' || (node.output.length > 0 && node.output.every((o) => consts.has(o)))) { ctx.end('constant, folded at export'); continue; }
    if (node.domain && node.domain !== 'ai.onnx') throw new ConvertError(nodeLabel(node), node.opType, `operator of domain '${node.domain}' has no TFLite builtin equivalent`);
    const convert = CONVERTERS[node.opType];
    if (!convert) throw new ConvertError(nodeLabel(node), node.opType, 'no TFLite builtin operator does this (Flex and custom ops are not written)');
    convert(ctx);
    ctx.end();
  }
  const atInputs = ctx.tg.ops.filter((o) => o.op === BuiltinOperator.TRANSPOSE && ctx.tg.inputs.includes(o.inputs[0])).length;
  const before = ctx.tg.ops.length;
  const outs: IoLayout[] = outputs.map((name) => {
    const shape = ctx.shape(name);
    const perm: Perm = options.nhwcIo && shape.length === 4 ? channelsLast(4) : identity(shape.length);
    const v = ctx.value(name);
    if (v.features) throw new ExportInputError(`output '${name}' is a flattened NHWC tensor`);
    const tensor = ctx.in(name, perm);
    if (tensor !== v.tensor) {
      // The TRANSPOSE's output is what the user sees: it takes the ONNX name.
      const inner = ctx.tg.tensors[v.tensor];
      const outer = ctx.tg.tensors[tensor];
      [inner.name, outer.name] = [`${name}_nhwc`, inner.name];
    }
    ctx.tg.outputs.push(tensor);
    return { name, shape, tfliteShape: storedShape(shape, perm), layout: isIdentity(perm) ? 'onnx' : 'nhwc' };
  });
  const total = ctx.tg.ops.filter((o) => o.op === BuiltinOperator.TRANSPOSE).length;
  const atOutputs = ctx.tg.ops.length - before;
  if (atOutputs > 0) ctx.mappings.push({ node: '(graph outputs)', opType: 'output', became: Array(atOutputs).fill('TRANSPOSE'), note: 'back to the ONNX layout (--nhwc-io keeps 4-D outputs NHWC)' });
  return { graph: ctx.tg, mappings: ctx.mappings, inputs, outputs: outs, transposes: { atInputs, atOutputs, inside: total - atInputs - atOutputs } };
}

/** A fork of the model whose inputs have only numeric dimensions: symbolic ones from `dims`, else an error. */
export function pinnedModel(model: Model, dims: Record<string, number>): Model {
  const fork = forkModel(model);
  const missing = new Set<string>();
  const used = new Set<string>();
  for (const vi of fork.graph.realInputs()) {
    const shape = vi.type?.value.case === 'tensorType' ? vi.type.value.value.shape : undefined;
    if (!shape) throw new ExportInputError(`input '${vi.name}' has no shape`);
    shape.dim = shape.dim.map((d, i) => {
      if (d.value.case === 'dimValue' && Number(d.value.value) >= 0) return d;
      const name = d.value.case === 'dimParam' && d.value.value ? d.value.value : `${vi.name}[${i}]`;
      // Dimension names come from the file: 'constructor' is not a value the user gave.
      if (!Object.hasOwn(dims, name)) { missing.add(name); return d; }
      used.add(name);
      return create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(dims[name]) } });
    });
  }
  if (missing.size) {
    throw new ExportInputError(`dynamic dimension${missing.size > 1 ? 's' : ''} ${[...missing].map((m) => `'${m}'`).join(', ')}: TFLite needs fixed shapes; pass ${[...missing].map((m) => `--dim ${m}=N`).join(' ')}`);
  }
  const unused = Object.keys(dims).filter((k) => !used.has(k));
  if (unused.length) throw new ExportInputError(`--dim ${unused.join(', ')}: no input has a dimension of that name`);
  // Value infos recorded by the exporter for symbolic shapes would win over inference: drop them.
  fork.graph.proto.valueInfo = [];
  fork.graph.invalidate();
  return fork;
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => Math.trunc(a / b),
  Max: (a, b) => Math.max(a, b), Min: (a, b) => Math.min(a, b),
};

/** Integer elementwise ops whose inputs are all known small integer constants: their values into `consts`. */
function foldShapeArithmetic(model: Model, consts: Map<string, number[]>): number {
  let folded = 0;
  for (const node of model.graph.nodes) {
    const out = node.output[0];
    if (!out || consts.has(out) || (node.domain && node.domain !== 'ai.onnx')) continue;
    const ins = node.input.map((i) => consts.get(i));
    if (ins.length === 0 || ins.some((v) => !v)) continue;
    let value: number[] | undefined;
    const f = ARITHMETIC[node.opType];
    if (f && ins.length === 2) {
      const [a, b] = ins as number[][];
      const n = Math.max(a.length, b.length);
      if ((a.length === n || a.length === 1) && (b.length === n || b.length === 1)) value = Array.from({ length: n }, (_, i) => f(a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i]));
    } else if ((node.opType === 'Cast' || node.opType === 'Identity') && ins.length === 1) value = ins[0];
    else if (node.opType === 'Neg' && ins.length === 1) value = ins[0]!.map((x) => -x);
    if (value) { consts.set(out, value); folded++; }
  }
  return folded;
}
