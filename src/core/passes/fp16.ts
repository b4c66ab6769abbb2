import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType as AttrType, TensorProtoSchema, type NodeProto, type TensorProto } from '../formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor, NameAllocator } from '../formats/onnx/build';
import { attrInt, type Model } from '../formats/onnx/model';
import { toFloat32 } from '../tensor/views';
import { DataType } from '../tensor/dtypes';
import { toFloat16 } from '../tensor/fp16';
import {
  finishGraph, forkModel, initializerBytes, nodeLabel, PassError, selectionReason,
  type NodeSelection, type SkippedNode,
} from './common';
import type { TensorMapping } from './quantize/weights';

/** Ops kept in float32 by default, and why. */
export const FP16_DEFAULT_BLOCK: Record<string, string> = {
  Resize: 'its scales/roi inputs are float32 in most exporters and runtimes',
  Upsample: 'its scales input is float32',
  Range: 'index arithmetic: float16 cannot count past 2,048 exactly',
  NonMaxSuppression: 'box coordinates and scores need float32',
  RoiAlign: 'box coordinates need float32',
  RandomNormal: 'generates float32 values from attributes',
  RandomUniform: 'generates float32 values from attributes',
  RandomNormalLike: 'generates float32 values from attributes',
  RandomUniformLike: 'generates float32 values from attributes',
  EyeLike: 'generates values from a dtype attribute',
  Multinomial: 'sampling needs float32 probabilities',
  QuantizeLinear: 'already quantized: its scale is float32',
  DequantizeLinear: 'already quantized: its scale is float32',
  DynamicQuantizeLinear: 'already quantized: float32 input',
  QLinearConv: 'already quantized: its scales are float32',
  QLinearMatMul: 'already quantized: its scales are float32',
};

export interface Fp16Options extends NodeSelection {
  /** Keep float32 graph inputs/outputs with Casts at the boundary (default true). */
  keepIoTypes?: boolean;
  /** Op types that stay float32 (default FP16_DEFAULT_BLOCK's keys; excludeOps adds to it). */
  blockOps?: string[];
}

export interface Fp16Report {
  pass: 'fp16';
  keepIoTypes: boolean;
  /** Nodes left in float32 with Casts around them, and why. */
  skipped: SkippedNode[];
  convertedTensors: number;
  /** Values beyond ±65504 clamped, and non-zero values that became 0. */
  clamped: number;
  flushedToZero: number;
  castsAdded: number;
  tensors: TensorMapping[];
  weightBytesBefore: number;
  weightBytesAfter: number;
}

const F32 = DataType.float32;
const F16 = DataType.float16;

/** Ops whose output element type is fixed whatever their inputs are. */
const FIXED_OUTPUT: Record<string, number> = {
  Shape: DataType.int64, Size: DataType.int64, NonZero: DataType.int64, ArgMax: DataType.int64, ArgMin: DataType.int64,
  Equal: DataType.bool, Less: DataType.bool, Greater: DataType.bool, LessOrEqual: DataType.bool, GreaterOrEqual: DataType.bool,
  Not: DataType.bool, And: DataType.bool, Or: DataType.bool, Xor: DataType.bool, IsNaN: DataType.bool, IsInf: DataType.bool,
  MatMulInteger: DataType.int32, ConvInteger: DataType.int32, DequantizeLinear: F32,
};

/** Element type of every value, propagated through the graph (0 when unknown). */
function inferTypes(model: Model): Map<string, number> {
  const g = model.graph.proto;
  const types = new Map<string, number>();
  for (const v of [...g.input, ...g.valueInfo, ...g.output]) {
    const t = v.type?.value.case === 'tensorType' ? v.type.value.value.elemType : 0;
    if (t) types.set(v.name, t);
  }
  for (const t of g.initializer) types.set(t.name, t.dataType);
  for (const n of model.graph.topologicalOrder()) {
    const inT = (i: number) => types.get(n.input[i]) ?? 0;
    n.output.forEach((o, k) => {
      if (!o || types.has(o)) return;
      let t: number;
      if (n.opType === 'Cast') t = attrInt(n, 'to', 0);
      else if (n.opType === 'Constant' || n.opType === 'ConstantOfShape') t = n.attribute.find((a) => a.name === 'value')?.t?.dataType ?? (n.opType === 'ConstantOfShape' ? F32 : 0);
      else if (n.opType === 'QuantizeLinear') t = types.get(n.input[2]) ?? DataType.uint8;
      else if (n.opType === 'DynamicQuantizeLinear') t = k === 1 ? F32 : DataType.uint8;
      else if ((n.opType === 'TopK' || n.opType === 'MaxPool') && k === 1) t = DataType.int64;
      else if (n.opType === 'Where') t = inT(1);
      else if (/^Random|^EyeLike$/.test(n.opType)) t = attrInt(n, 'dtype', F32);
      else t = FIXED_OUTPUT[n.opType] ?? inT(0);
      types.set(o, t);
    });
  }
  return types;
}

/**
 * Float16: every float32 weight and activation becomes float16, except around blocked ops, which
 * keep float32 with Casts on their edges. Inputs and outputs stay float32 by default (Casts at the
 * boundary). Values beyond the float16 range are clamped and counted.
 */
export function convertFp16(input: Model, options: Fp16Options = {}): { model: Model; report: Fp16Report } {
  const keepIo = options.keepIoTypes ?? true;
  for (const g of input.allGraphs()) {
    if (g !== input.graph) throw new PassError(`${input.label}: control flow (If/Loop/Scan subgraphs) is not converted to float16 yet`);
  }
  const sequenceOp = input.graph.nodes.find((n) => /Sequence|^Optional/.test(n.opType));
  if (sequenceOp) throw new PassError(`${input.label}: sequence/optional values (${sequenceOp.opType}) are not converted to float16 yet`);
  const model = forkModel(input);
  const graph = model.graph;
  const g = graph.proto;
  const names = new NameAllocator(g);
  const types = inferTypes(model);
  const isF = (v: string) => !!v && types.get(v) === F32;
  const block = new Set(options.blockOps ?? Object.keys(FP16_DEFAULT_BLOCK));
  const report: Fp16Report = {
    pass: 'fp16', keepIoTypes: keepIo, skipped: [], convertedTensors: 0, clamped: 0, flushedToZero: 0, castsAdded: 0, tensors: [],
    weightBytesBefore: initializerBytes(input), weightBytesAfter: 0,
  };
  const blocked = new Set<NodeProto>();
  for (const n of g.node) {
    const reason = block.has(n.opType) ? (FP16_DEFAULT_BLOCK[n.opType] ?? 'in the block list') : selectionReason(n, options);
    if (reason && (n.output.some(isF) || n.input.some(isF))) { blocked.add(n); report.skipped.push({ node: nodeLabel(n), opType: n.opType, reason }); }
  }
  if (![...types.values()].includes(F32)) throw new PassError(`${input.label}: the model has no float32 tensors to convert`);

  const producer = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  const graphInputs = new Set(graph.realInputs().map((i) => i.name));
  const consumers = (v: string) => g.node.filter((n) => n.input.includes(v));
  const tail: NodeProto[] = [];
  const head: NodeProto[] = [];

  // Outputs: the producer writes a float16 value, a Cast at the end restores float32.
  if (keepIo) {
    for (const out of g.output) {
      const p = producer.get(out.name);
      if (!isF(out.name) || !p || blocked.has(p)) continue;
      const half = names.take(`${out.name}_fp16`);
      p.output = p.output.map((o) => (o === out.name ? half : o));
      for (const c of consumers(out.name)) c.input = c.input.map((i) => (i === out.name ? half : i));
      types.set(half, F32);
      tail.push(makeNode('Cast', [half], [out.name], { to: F32 }, names.take(`${out.name}_Cast_to_float32`)));
      report.castsAdded++;
    }
  } else {
    for (const v of [...g.input, ...g.output]) if (isF(v.name) && v.type?.value.case === 'tensorType') v.type.value.value.elemType = F16;
  }

  // Final type of each float value: float32 where a blocked node makes it or a kept input is.
  const final = new Map<string, number>();
  const outputNames = new Set(g.output.map((o) => o.name));
  const allBlocked = (v: string) => { const cs = consumers(v); return cs.length > 0 && cs.every((c) => blocked.has(c)); };
  for (const [v, t] of types) {
    if (t !== F32) continue;
    const p = producer.get(v);
    const stays32 = ((graphInputs.has(v) || outputNames.has(v)) && keepIo) || (p ? blocked.has(p) || (p.opType === 'Constant' && allBlocked(v)) : allBlocked(v));
    final.set(v, stays32 ? F32 : F16);
  }

  // Weights.
  const firstReader = (v: string) => { const c = consumers(v)[0]; return c ? nodeLabel(c) : ''; };
  g.initializer = g.initializer.map((t) => (final.get(t.name) === F16 ? halfTensor(model, t, report, firstReader(t.name)) : t));
  for (const n of g.node) {
    if (blocked.has(n)) continue;
    if ((n.opType === 'Constant' || n.opType === 'ConstantOfShape') && final.get(n.output[0]) === F16) {
      const a = n.attribute.find((x) => x.name === 'value' && x.type === AttrType.TENSOR);
      if (a?.t && a.t.dataType === F32) a.t = halfTensor(model, a.t, report, nodeLabel(n));
    }
    if (n.opType === 'Cast' && attrInt(n, 'to', 0) === F32 && final.get(n.output[0]) === F16) {
      n.attribute.find((a) => a.name === 'to')!.i = BigInt(F16);
    }
  }

  // Casts wherever a value's type differs from what its reader computes in.
  const casts = new Map<string, string>();
  const castTo = (v: string, to: number): string => {
    const key = `${v}->${to}`;
    let name = casts.get(key);
    if (!name) {
      name = names.take(`${v}_${to === F16 ? 'fp16' : 'fp32'}`);
      casts.set(key, name);
      head.push(makeNode('Cast', [v], [name], { to }, names.take(`${v}_Cast_to_${to === F16 ? 'float16' : 'float32'}`)));
      report.castsAdded++;
    }
    return name;
  };
  for (const n of g.node) {
    const need = blocked.has(n) ? F32 : F16;
    n.input = n.input.map((v) => {
      const t = final.get(v);
      return t !== undefined && t !== need ? castTo(v, need) : v;
    });
  }

  // IR < 4 lists initializers as graph inputs too: their declared type follows the tensor.
  for (const vi of [...g.valueInfo, ...g.input.filter((i) => !graphInputs.has(i.name))]) {
    const t = final.get(vi.name);
    if (t !== undefined && vi.type?.value.case === 'tensorType') vi.type.value.value.elemType = t;
  }
  g.node = [...head, ...g.node, ...tail];
  finishGraph(model, graph);
  report.weightBytesAfter = initializerBytes(model);
  return { model, report };
}

function halfTensor(model: Model, t: TensorProto, report: Fp16Report, reader: string): TensorProto {
  const values = toFloat32(t.dataType, model.tensorData(t));
  const conv = toFloat16(values);
  report.clamped += conv.clamped;
  report.flushedToZero += conv.flushedToZero;
  report.convertedTensors++;
  const out = t.name ? makeTensor(t.name, 'float16', t.dims.map(Number), conv.bits) : create(TensorProtoSchema, { dataType: F16, dims: t.dims, rawData: new Uint8Array(conv.bits.buffer) });
  if (t.name) {
    report.tensors.push({
      float: t.name, quantized: t.name, kind: 'weight', node: reader, dtype: 'float16', bytesBefore: values.length * 4, bytesAfter: values.length * 2,
      ...(conv.clamped ? { clamped: conv.clamped } : {}),
    });
  }
  return out;
}
