import type { NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor, NameAllocator } from '../../formats/onnx/build';
import { attrInt, type Graph, type Model } from '../../formats/onnx/model';
import { computeQParams, type QParams, type QType } from '../../tensor/quant';
import {
  attrFloat, finishGraph, floatConstant, forkModel, initializerBytes, nodeLabel, PassError, selectionReason, setOpset,
  type ChangedNode, type NodeSelection, type SkippedNode,
} from '../common';
import { opsetUpgrade } from './opset';
import { dequantizedWeight, quantizeBias, type TensorMapping } from './weights';
import { pushAll } from '../../base/arrays';
import { inferShapes } from '../../formats/onnx/shapes';
import { DataType } from '../../tensor/dtypes';

/** A calibrated real range per activation tensor (from calibrate/*). */
export type RangeTable = Record<string, { min: number; max: number }>;

export interface StaticOptions extends NodeSelection {
  /** Calibrated ranges; a tensor without a range is not quantized. */
  ranges: RangeTable;
  /** 'uint8' asymmetric (x86: what ORT fuses) or 'int8' symmetric (ARM). Default 'uint8'. */
  activationType?: 'uint8' | 'int8';
  /** Per-output-channel weight scales (default false: one scale per weight). */
  perChannel?: boolean;
  /** Op types to quantize (default: QDQ_OPS). */
  opTypes?: string[];
}

export interface StaticReport {
  pass: 'static-int8';
  activationType: 'uint8' | 'int8';
  activationSymmetric: boolean;
  perChannel: boolean;
  opset: { from: number; to: number };
  quantized: ChangedNode[];
  skipped: SkippedNode[];
  /** Relu (and Clip-from-0) nodes removed: the uint8 QuantizeLinear after their producer clamps the same way. */
  foldedRelus: string[];
  tensors: TensorMapping[];
  weightBytesBefore: number;
  weightBytesAfter: number;
}

/** Ops given Q/DQ by default: ORT has QDQ kernels or drops the Q/DQ around them. */
export const QDQ_OPS = [
  'Conv', 'MatMul', 'Gemm', 'Add', 'Mul', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Flatten', 'Reshape',
  'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Relu', 'Clip', 'Sigmoid', 'LeakyRelu',
];
/** Ops whose output keeps the input's scale and zero point (ORT then removes their Q/DQ pair). */
const SAME_SCALE = new Set(['MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze']);
const WEIGHTED = new Set(['Conv', 'MatMul', 'Gemm']);

/**
 * ONNX Runtime fuses DQ -> Softmax -> Q into QLinearSoftmax, whose kernel assumes the output
 * scale its own quantizer uses (1/256 over [0, 1]); a calibrated scale gives wrong values (a
 * near-uniform attention softmax came out as all zeros).
 */
function softmaxQParams(type: string, symmetric: boolean): QParams {
  if (type === 'uint8') return symmetric ? { scale: 1 / 128, zeroPoint: 128 } : { scale: 1 / 256, zeroPoint: 0 };
  return symmetric ? { scale: 1 / 128, zeroPoint: 0 } : { scale: 1 / 256, zeroPoint: -128 };
}

interface Candidate {
  node: NodeProto;
  label: string;
  /** Activation inputs (non-constant float values). */
  activations: string[];
  /** The tensor written by the node once a following Relu is folded in. */
  output?: string;
  relu?: NodeProto;
  weight?: { input: number; axis: number };
  bias?: number;
}

function activationInputs(node: NodeProto): number[] {
  switch (node.opType) {
    case 'MatMul': case 'Add': case 'Mul': return [0, 1];
    case 'Concat': return node.input.map((_, i) => i);
    default: return [0];
  }
}

/** Decides which nodes are quantized and how; no changes to the graph. */
function plan(model: Model, graph: Graph, options: StaticOptions & { foldRelu: boolean }): { candidates: Candidate[]; skipped: SkippedNode[] } {
  const ops = new Set(options.opTypes ?? QDQ_OPS);
  const outputs = new Set(graph.proto.output.map((o) => o.name));
  const candidates: Candidate[] = [];
  const skipped: SkippedNode[] = [];
  const folded = new Set<NodeProto>();
  // Integer shape arithmetic (Shape -> Gather -> Unsqueeze -> Concat -> Reshape's shape in a
  // PyTorch export) is no activation: neither calibrated nor counted, so the tensors announced for
  // calibration are the tensors calibrated.
  const types = inferShapes(model, graph);
  const notFloat = (v: string) => { const d = types.get(v)?.dtype; return d !== undefined && d !== 0 && d !== DataType.float32; };
  for (const node of graph.topologicalOrder()) {
    if (node.domain || !ops.has(node.opType) || folded.has(node)) continue;
    if (activationInputs(node).some((i) => node.input[i] && notFloat(node.input[i])) || notFloat(node.output[0])) continue;
    const label = nodeLabel(node);
    const skip = (reason: string) => { skipped.push({ node: label, opType: node.opType, reason }); };
    const why = selectionReason(node, options);
    if (why) { skip(why); continue; }
    const c: Candidate = { node, label, activations: [] };
    const constant = (i: number) => floatConstant(model, graph, node.input[i]);
    if (WEIGHTED.has(node.opType)) {
      const w = node.opType === 'MatMul' && !constant(1) ? undefined : constant(1);
      if (node.opType === 'MatMul' && !w) {
        if (constant(0)) { skip('the constant is the first operand'); continue; }
      } else if (!w) { skip('the weight is not a constant float32 tensor'); continue; }
      if (node.opType === 'Gemm') {
        if (attrInt(node, 'transA', 0)) { skip('Gemm with transA=1'); continue; }
        if (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1) { skip('Gemm with alpha or beta other than 1'); continue; }
      }
      if (w) {
        const rank = w.dims.length;
        const axis = node.opType === 'Conv' ? 0 : node.opType === 'Gemm' ? (attrInt(node, 'transB', 0) ? 0 : 1) : rank - 1;
        c.weight = { input: 1, axis };
        const b = node.input[2];
        if (b) {
          const bc = constant(2);
          if (!bc || bc.dims.length !== 1) { skip('the bias is not a constant 1-D float32 tensor'); continue; }
          c.bias = 2;
        }
        c.activations.push(node.input[0]);
      } else c.activations.push(node.input[0], node.input[1]);
    } else {
      const idx = activationInputs(node).filter((i) => node.input[i]);
      if (idx.some((i) => constant(i))) { skip('a constant float operand (only activations are quantized for this op)'); continue; }
      c.activations.push(...idx.map((i) => node.input[i]));
    }
    let out = node.output[0];
    if (options.foldRelu && ['Conv', 'MatMul', 'Gemm', 'Add'].includes(node.opType) && !outputs.has(out)) {
      const users = graph.consumersOf(out);
      const r = users[0];
      if (users.length === 1 && (r.opType === 'Relu' || clipsAtZero(model, graph, r)) && !r.domain && !selectionReason(r, options) && !outputs.has(r.output[0])) {
        c.relu = r;
        folded.add(r);
        out = r.output[0];
      }
    }
    if (!outputs.has(out)) c.output = out;
    candidates.push(c);
  }
  return { candidates, skipped };
}

/**
 * A Clip with lower bound 0 (Relu6 and the like). Folding it is exact: its output range is
 * calibrated, so the uint8 QuantizeLinear saturates at 0 and at a maximum no larger than Clip's.
 */
function clipsAtZero(model: Model, graph: Graph, node: NodeProto): boolean {
  if (node.opType !== 'Clip') return false;
  const minAttr = node.attribute.find((a) => a.name === 'min');
  if (minAttr) return minAttr.f === 0;
  if (!node.input[1]) return false;
  const min = floatConstant(model, graph, node.input[1]);
  return !!min && min.values.length === 1 && min.values[0] === 0;
}

/** The activation tensors static quantization needs ranges for (calibrate these). */
export function staticCalibrationTensors(model: Model, options: Omit<StaticOptions, 'ranges'> = {}): string[] {
  const foldRelu = (options.activationType ?? 'uint8') === 'uint8';
  const { candidates } = plan(model, model.graph, { ...options, ranges: {}, foldRelu });
  const set = new Set<string>();
  // A same-scale op's output (MaxPool, Flatten, ...) reuses its input's scale: no statistics needed.
  const inherited = new Set(candidates.filter((c) => SAME_SCALE.has(c.node.opType) && c.output).map((c) => c.output!));
  for (const c of candidates) {
    for (const a of c.activations) if (!inherited.has(a)) set.add(a);
    if (c.output && !inherited.has(c.output)) set.add(c.output);
  }
  return [...set];
}

/**
 * Static INT8 in QDQ form: QuantizeLinear/DequantizeLinear pairs on calibrated activations, int8
 * symmetric weights behind DequantizeLinear (axis explicit when per-channel), int32 biases with
 * scale s_input * s_weight. The model's inputs and outputs are unchanged (float).
 */
export function quantizeStatic(input: Model, options: StaticOptions): { model: Model; report: StaticReport } {
  const actType: QType = options.activationType ?? 'uint8';
  const symmetric = actType === 'int8';
  const perChannel = options.perChannel ?? false;
  const decision = opsetUpgrade(input, 13);
  const fromOpset = input.opsetVersion('') ?? 0;
  let toOpset = fromOpset;
  if (decision.action === 'refuse') {
    if (perChannel || fromOpset < 10) throw new PassError(`${input.label}: ${decision.reason}; per-channel Q/DQ needs opset 13${perChannel && fromOpset >= 10 ? ' (per-tensor works at this opset)' : ''}`);
  } else if (decision.action === 'upgrade') toOpset = decision.to;

  const model = forkModel(input);
  if (toOpset !== fromOpset) setOpset(model, '', toOpset);
  const graph = model.graph;
  const g = graph.proto;
  const names = new NameAllocator(g);
  const { candidates, skipped } = plan(model, graph, { ...options, foldRelu: !symmetric });
  const report: StaticReport = {
    pass: 'static-int8', activationType: actType as 'uint8' | 'int8', activationSymmetric: symmetric, perChannel,
    opset: { from: fromOpset, to: toOpset }, quantized: [], skipped, foldedRelus: [], tensors: [],
    weightBytesBefore: initializerBytes(input), weightBytesAfter: 0,
  };
  // A range for a tensor the graph declares non-float (a caller's mistake) is ignored.
  const declared = new Map<string, number>();
  for (const v of [...g.input, ...g.valueInfo, ...g.output]) if (v.type?.value.case === 'tensorType') declared.set(v.name, v.type.value.value.elemType);
  const ranges: RangeTable = Object.fromEntries(Object.entries(options.ranges).filter(([t]) => (declared.get(t) ?? 1) === 1));
  const inheritedFrom = new Map<string, string>();
  for (const c of candidates) if (SAME_SCALE.has(c.node.opType) && c.output) inheritedFrom.set(c.output, c.activations[0]);
  const hasRange = (t: string): boolean => !!ranges[t] || (inheritedFrom.has(t) && hasRange(inheritedFrom.get(t)!));
  const accepted: Candidate[] = [];
  for (const c of candidates) {
    const missing = c.activations.find((a) => !hasRange(a));
    if (missing) { skipped.push({ node: c.label, opType: c.node.opType, reason: `input '${missing}' has no calibrated range (not float32, or not reached by the calibration data)` }); continue; }
    if (c.output && !hasRange(c.output)) c.output = undefined;
    accepted.push(c);
  }
  if (accepted.every((c) => !c.weight) && !accepted.length) {
    throw new PassError(`${input.label}: nothing to quantize: no supported node with float32 activations (${skipped.length} skipped)`);
  }

  // Fold Relus: the producer writes the Relu's output, and uint8 quantization clamps at 0.
  const removed = new Set<NodeProto>();
  for (const c of accepted) {
    if (!c.relu) continue;
    c.node.output[0] = c.relu.output[0];
    removed.add(c.relu);
    report.foldedRelus.push(nodeLabel(c.relu));
  }

  // Scale and zero point per quantized activation, in graph order so same-scale ops inherit.
  const quantizedActs = new Set<string>();
  for (const c of accepted) { c.activations.forEach((a) => quantizedActs.add(a)); if (c.output) quantizedActs.add(c.output); }
  const params = new Map<string, QParams>();
  const sameScaleInput = new Map<string, string>();
  for (const c of accepted) if (SAME_SCALE.has(c.node.opType) && c.output) sameScaleInput.set(c.output, c.activations[0]);
  const softmaxOutputs = new Set(g.node.filter((n) => n.opType === 'Softmax' && !n.domain).map((n) => n.output[0]));
  const paramsOf = (t: string): QParams => {
    let p = params.get(t);
    if (!p) {
      const src = sameScaleInput.get(t);
      p = src && quantizedActs.has(src) ? paramsOf(src)
        : softmaxOutputs.has(t) ? softmaxQParams(actType, symmetric)
        : computeQParams(ranges[t].min, ranges[t].max, actType, symmetric);
      params.set(t, p);
    }
    return p;
  };

  const inits: TensorProto[] = [];
  const added: NodeProto[] = [];
  const rename = new Map<string, string>();
  const producers = new Map<string, string>();
  for (const n of g.node) for (const o of n.output) producers.set(o, nodeLabel(n));
  for (const t of quantizedActs) {
    const p = paramsOf(t);
    const base = t.replace(/^\//, '');
    const scale = makeTensor(names.take(`${base}_scale`), 'float32', [], Float32Array.of(p.scale));
    const zp = makeTensor(names.take(`${base}_zero_point`), actType, [], actType === 'uint8' ? Uint8Array.of(p.zeroPoint) : Int8Array.of(p.zeroPoint));
    const q = names.take(`${base}_quantized`);
    const dq = names.take(`${base}_dequantized`);
    inits.push(scale, zp);
    added.push(
      makeNode('QuantizeLinear', [t, scale.name, zp.name], [q], {}, names.take(`${base}_QuantizeLinear`)),
      makeNode('DequantizeLinear', [q, scale.name, zp.name], [dq], {}, names.take(`${base}_DequantizeLinear`)),
    );
    rename.set(t, dq);
    report.tensors.push({
      float: t, quantized: q, dequantized: dq, kind: 'activation', node: producers.get(t) ?? '<graph input>', dtype: actType,
      scale: scale.name, zeroPoint: zp.name, scales: [p.scale], zeroPoints: [p.zeroPoint],
    });
  }
  // Every reader of a quantized tensor reads its dequantized value (Q nodes read the float one).
  for (const n of g.node) {
    if (removed.has(n)) continue;
    for (let i = 0; i < n.input.length; i++) { const r = rename.get(n.input[i]); if (r) n.input[i] = r; }
  }

  const weightCache = new Map<string, { out: string; scales: Float32Array }>();
  for (const c of accepted) {
    let detail = '';
    if (c.weight) {
      const wIn = c.node.input[c.weight.input];
      const w = floatConstant(model, graph, wIn)!;
      const axis = perChannel ? c.weight.axis : undefined;
      const key = `${w.tensor.name}@${axis ?? 'tensor'}`;
      let cached = weightCache.get(key);
      if (!cached) {
        const dw = dequantizedWeight(w.tensor.name, w.values, w.dims, 'int8', true, axis, names, c.label);
        pushAll(inits, dw.initializers);
        added.push(dw.node);
        report.tensors.push(dw.mapping);
        cached = { out: dw.node.output[0], scales: dw.q.scales };
        weightCache.set(key, cached);
      }
      c.node.input[c.weight.input] = cached.out;
      detail = `int8 weights${axis !== undefined ? ` per-channel (axis ${axis})` : ''}`;
      if (c.bias !== undefined) {
        const bName = c.node.input[c.bias];
        const b = floatConstant(model, graph, bName)!;
        const sIn = paramsOf(c.activations[0]).scale;
        const qb = quantizeBias(b.values, sIn, cached.scales);
        const qName = names.take(`${b.tensor.name}_quantized`);
        const sName = names.take(`${b.tensor.name}_scale`);
        const dq = names.take(`${b.tensor.name}_dequantized`);
        const per = qb.scales.length > 1;
        inits.push(makeTensor(qName, 'int32', b.dims, qb.values), makeTensor(sName, 'float32', per ? [qb.scales.length] : [], qb.scales));
        added.push(makeNode('DequantizeLinear', [qName, sName], [dq], { axis: per ? 0 : undefined }, names.take(`${b.tensor.name}_DequantizeLinear`)));
        c.node.input[c.bias] = dq;
        report.tensors.push({
          float: bName, quantized: qName, dequantized: dq, kind: 'bias', node: c.label, dtype: 'int32', axis: per ? 0 : undefined,
          scale: sName, bytesBefore: b.values.length * 4, bytesAfter: b.values.length * 4,
        });
        detail += ', int32 bias';
      }
    }
    if (c.relu) detail += `${detail ? ', ' : ''}Relu ${nodeLabel(c.relu)} folded`;
    report.quantized.push({ node: c.label, opType: c.node.opType, detail: detail || undefined });
  }

  g.node = [...g.node.filter((n) => !removed.has(n)), ...added];
  pushAll(g.initializer, inits);
  finishGraph(model, graph);
  report.weightBytesAfter = initializerBytes(model);
  return { model, report };
}
