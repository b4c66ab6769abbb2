import type { NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor, NameAllocator } from '../../formats/onnx/build';
import type { Model } from '../../formats/onnx/model';
import { computeQParams, packInt4, qRange } from '../../tensor/quant';
import { roundHalfEven } from '../../tensor/round';
import {
  declareInitializerInputs, floatConstant, forkModel, initializerBytes, nodeLabel, PassError, pruneUnused, selectionReason, setOpset,
  type ChangedNode, type NodeSelection, type SkippedNode,
} from '../common';
import { planMatMul } from './dynamic';
import { opsetUpgrade } from './opset';
import { dequantizedWeight, type TensorMapping } from './weights';
import { pushAll } from '../../base/arrays';

export interface Int4Options extends NodeSelection {
  /** Elements of K sharing one scale: a power of two >= 16 (default 32). */
  blockSize?: number;
  /** Symmetric (zero point 8, none stored; default) or asymmetric (a 4-bit zero point per block). */
  symmetric?: boolean;
  /** MatMulNBits accuracy_level: 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 compute (default 0). */
  accuracyLevel?: number;
}

export interface WeightOnlyReport {
  pass: 'int4-weights' | 'int8-weights';
  quantized: ChangedNode[];
  skipped: SkippedNode[];
  tensors: TensorMapping[];
  /** Bytes of the float weights that were quantized, and of what replaced them. */
  quantizedWeightBytesBefore: number;
  quantizedWeightBytesAfter: number;
  weightBytesBefore: number;
  weightBytesAfter: number;
  blockSize?: number;
  symmetric?: boolean;
  accuracyLevel?: number;
  perChannel?: boolean;
}

/** One column's blocks packed for MatMulNBits. */
export interface BlockQuantized {
  /** [N, kBlocks, blockSize / 2] bytes, first element in the low nibble. */
  packed: Uint8Array;
  /** [N * kBlocks] scales. */
  scales: Float32Array;
  /** [N * ceil(kBlocks / 2)] packed 4-bit zero points (asymmetric only). */
  zeroPoints?: Uint8Array;
}

/**
 * 4-bit block quantization of a [K, N] weight along K, column by column, as MatMulNBits stores
 * it. Symmetric: q in -7..7 stored as q + 8 (the op's default zero point). Asymmetric: uint4 with
 * a zero point per block. K is padded with zero-valued elements to whole blocks.
 */
export function quantizeBlocks(weight: Float32Array, K: number, N: number, blockSize: number, symmetric: boolean): BlockQuantized {
  const kBlocks = Math.ceil(K / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(N * kBlocks * blob);
  const scales = new Float32Array(N * kBlocks);
  const zpNibbles = symmetric ? undefined : new Uint8Array(N * kBlocks);
  const r = qRange(symmetric ? 'int4' : 'uint4', symmetric);
  const q = new Uint8Array(blockSize);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < kBlocks; b++) {
      const k0 = b * blockSize;
      const k1 = Math.min(K, k0 + blockSize);
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = k0; k < k1; k++) { const v = weight[k * N + n]; if (v < lo) lo = v; if (v > hi) hi = v; }
      const p = computeQParams(lo, hi, symmetric ? 'int4' : 'uint4', symmetric);
      const offset = symmetric ? 8 : 0;
      const zp = symmetric ? 8 : p.zeroPoint;
      for (let k = k0; k < k0 + blockSize; k++) {
        if (k >= k1) { q[k - k0] = zp; continue; }
        let v = roundHalfEven(Math.fround(weight[k * N + n] / p.scale)) + p.zeroPoint;
        v = v < r.qmin ? r.qmin : v > r.qmax ? r.qmax : v;
        q[k - k0] = v + offset;
      }
      scales[n * kBlocks + b] = p.scale;
      if (zpNibbles) zpNibbles[n * kBlocks + b] = p.zeroPoint;
      packed.set(packInt4(q), (n * kBlocks + b) * blob);
    }
  }
  let zeroPoints: Uint8Array | undefined;
  if (zpNibbles) {
    const perRow = Math.ceil(kBlocks / 2);
    zeroPoints = new Uint8Array(N * perRow);
    for (let n = 0; n < N; n++) zeroPoints.set(packInt4(zpNibbles.subarray(n * kBlocks, (n + 1) * kBlocks)), n * perRow);
  }
  return { packed, scales, zeroPoints };
}

/** INT4 weight-only for MatMul (and Gemm) via com.microsoft MatMulNBits. */
export function quantizeInt4(input: Model, options: Int4Options = {}): { model: Model; report: WeightOnlyReport } {
  const blockSize = options.blockSize ?? 32;
  const symmetric = options.symmetric ?? true;
  const accuracyLevel = options.accuracyLevel ?? 0;
  if (!(blockSize >= 16 && (blockSize & (blockSize - 1)) === 0)) throw new PassError(`block size must be a power of two >= 16, got ${blockSize}`);
  if (![0, 1, 2, 3, 4].includes(accuracyLevel)) throw new PassError(`accuracy level must be 0-4, got ${accuracyLevel}`);
  const model = forkModel(input);
  const g = model.graph.proto;
  const names = new NameAllocator(g);
  const report: WeightOnlyReport = {
    pass: 'int4-weights', quantized: [], skipped: [], tensors: [], quantizedWeightBytesBefore: 0, quantizedWeightBytesAfter: 0,
    weightBytesBefore: initializerBytes(input), weightBytesAfter: 0, blockSize, symmetric, accuracyLevel,
  };
  const replaced = new Map<NodeProto, NodeProto[]>();
  const inits: TensorProto[] = [];
  for (const node of g.node) {
    if (node.domain || !['MatMul', 'Gemm'].includes(node.opType)) continue;
    const label = nodeLabel(node);
    const why = selectionReason(node, options);
    if (why) { report.skipped.push({ node: label, opType: node.opType, reason: why }); continue; }
    const plan = planMatMul(model, node);
    if ('reason' in plan) { report.skipped.push({ node: label, opType: node.opType, reason: plan.reason }); continue; }
    const N = plan.n;
    const K = plan.weight.length / N;
    const bq = quantizeBlocks(plan.weight, K, N, blockSize, symmetric);
    const kBlocks = Math.ceil(K / blockSize);
    const base = plan.weightName;
    const qName = names.take(`${base}_Q4`);
    const sName = names.take(`${base}_scales`);
    inits.push(makeTensor(qName, 'uint8', [N, kBlocks, blockSize / 2], bq.packed), makeTensor(sName, 'float32', [N * kBlocks], bq.scales));
    const nodeInputs = [plan.activation, qName, sName];
    let zpName: string | undefined;
    if (bq.zeroPoints) {
      zpName = names.take(`${base}_zero_points`);
      inits.push(makeTensor(zpName, 'uint8', [bq.zeroPoints.length], bq.zeroPoints));
      nodeInputs.push(zpName);
    }
    const out = node.output[0];
    const hasBias = plan.bias || plan.biasValue;
    const mmOut = hasBias ? names.take(`${label}_MatMulNBits_output`) : out;
    const emitted = [makeNode('MatMulNBits', nodeInputs, [mmOut], { K, N, bits: 4, block_size: blockSize, accuracy_level: accuracyLevel }, names.take(`${label}_MatMulNBits`), 'com.microsoft')];
    if (hasBias) {
      let bias = plan.biasValue;
      if (plan.bias) { const b = makeTensor(names.take(`${plan.biasName}_scaled`), 'float32', plan.biasDims!, plan.bias); inits.push(b); bias = b.name; }
      emitted.push(makeNode('Add', [mmOut, bias!], [out], {}, names.take(`${label}_bias_Add`)));
    }
    replaced.set(node, emitted);
    const after = bq.packed.length + bq.scales.length * 4 + (bq.zeroPoints?.length ?? 0);
    report.quantizedWeightBytesBefore += plan.weight.length * 4;
    report.quantizedWeightBytesAfter += after;
    report.tensors.push({
      float: plan.tensorName, quantized: qName, kind: 'weight', node: label, dtype: symmetric ? 'int4' : 'uint4',
      scale: sName, zeroPoint: zpName, bytesBefore: plan.weight.length * 4, bytesAfter: after,
    });
    report.quantized.push({ node: label, opType: node.opType, detail: `[${K}x${N}] 4-bit, block ${blockSize}${symmetric ? '' : ', asymmetric'}` });
  }
  if (!report.quantized.length && !report.skipped.length) throw new PassError(`${input.label}: no MatMul or Gemm with a constant float32 weight to quantize`);
  g.node = g.node.flatMap((n) => replaced.get(n) ?? [n]);
  pushAll(g.initializer, inits);
  model.graph.invalidate();
  pruneUnused(model.graph);
  declareInitializerInputs(model);
  if (report.quantized.length) setOpset(model, 'com.microsoft', 1);
  report.weightBytesAfter = initializerBytes(model);
  return { model, report };
}

export interface Int8WeightOptions extends NodeSelection {
  /** One scale per output channel (default true). */
  perChannel?: boolean;
}

/** INT8 weight-only: int8 weights + DequantizeLinear in front of float MatMul/Gemm/Conv. */
export function quantizeInt8Weights(input: Model, options: Int8WeightOptions = {}): { model: Model; report: WeightOnlyReport } {
  const perChannel = options.perChannel ?? true;
  const decision = opsetUpgrade(input, 13);
  const from = input.opsetVersion('') ?? 0;
  if (decision.action === 'refuse' && (perChannel || from < 10)) throw new PassError(`${input.label}: ${decision.reason}; per-channel DequantizeLinear needs opset 13`);
  const model = forkModel(input);
  if (decision.action === 'upgrade') setOpset(model, '', decision.to);
  const graph = model.graph;
  const g = graph.proto;
  const names = new NameAllocator(g);
  const report: WeightOnlyReport = {
    pass: 'int8-weights', quantized: [], skipped: [], tensors: [], quantizedWeightBytesBefore: 0, quantizedWeightBytesAfter: 0,
    weightBytesBefore: initializerBytes(input), weightBytesAfter: 0, perChannel,
  };
  const cache = new Map<string, string>();
  const added: NodeProto[] = [];
  for (const node of g.node) {
    if (node.domain || !['MatMul', 'Gemm', 'Conv'].includes(node.opType)) continue;
    const label = nodeLabel(node);
    const why = selectionReason(node, options);
    if (why) { report.skipped.push({ node: label, opType: node.opType, reason: why }); continue; }
    const w = floatConstant(model, graph, node.input[1]);
    if (!w) { report.skipped.push({ node: label, opType: node.opType, reason: 'the weight is not a constant float32 tensor' }); continue; }
    const transB = node.attribute.find((a) => a.name === 'transB')?.i;
    const axis = !perChannel ? undefined : node.opType === 'Conv' ? 0 : node.opType === 'Gemm' && transB ? 0 : w.dims.length - 1;
    const key = `${w.tensor.name}@${axis}`;
    let out = cache.get(key);
    if (!out) {
      const dw = dequantizedWeight(w.tensor.name, w.values, w.dims, 'int8', true, axis, names, label);
      pushAll(g.initializer, dw.initializers);
      added.push(dw.node);
      report.tensors.push(dw.mapping);
      report.quantizedWeightBytesBefore += dw.mapping.bytesBefore!;
      report.quantizedWeightBytesAfter += dw.mapping.bytesAfter! + dw.q.scales.length * 5;
      out = dw.node.output[0];
      cache.set(key, out);
    }
    node.input[1] = out;
    report.quantized.push({ node: label, opType: node.opType, detail: `int8 weights${axis !== undefined ? ` per-channel (axis ${axis})` : ''}, float math` });
  }
  if (!report.quantized.length) {
    throw new PassError(`${input.label}: no MatMul, Gemm or Conv with a constant float32 weight to quantize${report.skipped.length ? ` (${report.skipped.length} skipped: ${report.skipped[0].reason})` : ''}`);
  }
  g.node = [...added, ...g.node];
  graph.invalidate();
  pruneUnused(graph);
  declareInitializerInputs(model);
  report.weightBytesAfter = initializerBytes(model);
  return { model, report };
}
