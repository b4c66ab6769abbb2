import type { NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor, NameAllocator } from '../../formats/onnx/build';
import { attrInt, type Model } from '../../formats/onnx/model';
import { DataType } from '../../tensor/dtypes';
import { quantizeTensor } from '../../tensor/quant';
import {
  declareInitializerInputs, attrFloat, floatConstant, forkModel, initializerBytes, nodeLabel, PassError, pruneUnused, selectionReason, setOpset,
  type ChangedNode, type NodeSelection, type SkippedNode,
} from '../common';
import { opsetUpgrade } from './opset';
import { scaleSummary, type TensorMapping } from './weights';
import { pushAll } from '../../base/arrays';

export interface DynamicOptions extends NodeSelection {
  /** One scale per output column instead of one per weight (default false). */
  perChannel?: boolean;
  /**
   * 'onnx': DynamicQuantizeLinear + MatMulInteger + scale Muls (standard ONNX; ORT fuses the chain
   * into DynamicQuantizeMatMul). 'com.microsoft': emit DynamicQuantizeMatMul directly (ORT only).
   */
  form?: 'onnx' | 'com.microsoft';
}

export interface DynamicReport {
  pass: 'dynamic-int8';
  form: 'onnx' | 'com.microsoft';
  perChannel: boolean;
  quantized: ChangedNode[];
  skipped: SkippedNode[];
  tensors: TensorMapping[];
  weightBytesBefore: number;
  weightBytesAfter: number;
}

const CONV_REASON = 'Conv stays float: dynamic quantization would need ConvInteger, which is slow on CPU (use static INT8 for convolutions)';

/** Dynamic INT8: MatMul/Gemm weights to int8 offline, activations quantized at run time. */
export function quantizeDynamic(input: Model, options: DynamicOptions = {}): { model: Model; report: DynamicReport } {
  const form = options.form ?? 'onnx';
  // DynamicQuantizeLinear and MatMulInteger exist from opset 11 (10 for MatMulInteger).
  let upgradeTo: number | undefined;
  if (form === 'onnx') {
    const decision = opsetUpgrade(input, 11);
    if (decision.action === 'refuse') throw new PassError(`${input.label}: ${decision.reason}; DynamicQuantizeLinear needs opset 11 (try the com.microsoft form)`);
    if (decision.action === 'upgrade') upgradeTo = decision.to;
  }
  const model = forkModel(input, { replacesNodes: true }); // nodes are replaced below, never edited
  const perChannel = options.perChannel ?? false;
  const graph = model.graph;
  const g = graph.proto;
  const names = new NameAllocator(g);
  const report: DynamicReport = {
    pass: 'dynamic-int8', form, perChannel, quantized: [], skipped: [], tensors: [],
    weightBytesBefore: initializerBytes(input), weightBytesAfter: 0,
  };
  const activationQ = new Map<string, { q: string; scale: string; zp: string }>();
  const newNodes = new Map<NodeProto, NodeProto[]>();
  const newInits: TensorProto[] = [];

  for (const node of g.node) {
    if (node.domain || !['MatMul', 'Gemm', 'Conv'].includes(node.opType)) continue;
    const label = nodeLabel(node);
    const skip = (reason: string) => report.skipped.push({ node: label, opType: node.opType, reason });
    if (node.opType === 'Conv') { skip(CONV_REASON); continue; }
    const why = selectionReason(node, options);
    if (why) { skip(why); continue; }
    const plan = planMatMul(model, node);
    if ('reason' in plan) { skip(plan.reason); continue; }

    const [K, N] = [plan.weight.length / plan.n, plan.n];
    const q = quantizeTensor(plan.weight, [K, N], 'int8', true, perChannel ? 1 : undefined);
    const wName = plan.weightName;
    const qName = names.take(`${wName}_quantized`);
    const dims = perChannel ? [N] : [];
    const scaleT = makeTensor(names.take(`${wName}_scale`), 'float32', dims, q.scales);
    const zpT = makeTensor(names.take(`${wName}_zero_point`), 'int8', dims, new Int8Array(dims.length ? N : 1));
    newInits.push(makeTensor(qName, 'int8', [K, N], q.values), scaleT, zpT);
    let bias: string | undefined;
    if (plan.bias) {
      const b = makeTensor(names.take(`${plan.biasName}_scaled`), 'float32', plan.biasDims!, plan.bias);
      newInits.push(b);
      bias = b.name;
    } else bias = plan.biasValue;
    report.tensors.push({
      float: plan.tensorName, quantized: qName, kind: 'weight', node: label, dtype: 'int8', axis: perChannel ? 1 : undefined,
      scale: scaleT.name, zeroPoint: zpT.name, ...scaleSummary(q), bytesBefore: plan.weight.length * 4, bytesAfter: q.values.length,
    });

    const out = node.output[0];
    const emitted: NodeProto[] = [];
    if (form === 'com.microsoft') {
      emitted.push(makeNode('DynamicQuantizeMatMul', [plan.activation, qName, scaleT.name, zpT.name, bias ?? ''], [out], {}, names.take(`${label}_DynamicQuantizeMatMul`), 'com.microsoft'));
    } else {
      let a = activationQ.get(plan.activation);
      if (!a) {
        const base = plan.activation.replace(/^\//, '');
        a = { q: names.take(`${base}_quantized`), scale: names.take(`${base}_scale`), zp: names.take(`${base}_zero_point`) };
        activationQ.set(plan.activation, a);
        emitted.push(makeNode('DynamicQuantizeLinear', [plan.activation], [a.q, a.scale, a.zp], {}, names.take(`${base}_DynamicQuantizeLinear`)));
        report.tensors.push({ float: plan.activation, quantized: a.q, kind: 'activation', node: label, dtype: 'uint8', scale: a.scale, zeroPoint: a.zp });
      }
      const mm = names.take(`${label}_MatMulInteger_output`);
      const cast = names.take(`${label}_cast_output`);
      const scale = names.take(`${label}_output_scale`);
      const scaled = bias ? names.take(`${label}_scaled_output`) : out;
      emitted.push(
        makeNode('MatMulInteger', [a.q, qName, a.zp, zpT.name], [mm], {}, names.take(`${label}_MatMulInteger`)),
        makeNode('Cast', [mm], [cast], { to: DataType.float32 }, names.take(`${label}_Cast`)),
        makeNode('Mul', [a.scale, scaleT.name], [scale], {}, names.take(`${label}_scale_Mul`)),
        makeNode('Mul', [cast, scale], [scaled], {}, names.take(`${label}_output_Mul`)),
      );
      if (bias) emitted.push(makeNode('Add', [scaled, bias], [out], {}, names.take(`${label}_bias_Add`)));
    }
    newNodes.set(node, emitted);
    report.quantized.push({ node: label, opType: node.opType, detail: `[${K}x${N}] int8${perChannel ? ' per-channel' : ''}` });
  }

  names.release();
  g.node = g.node.flatMap((n) => newNodes.get(n) ?? [n]);
  newNodes.clear(); // garbage before pruning, which builds sets of its own
  pushAll(g.initializer, newInits);
  graph.invalidate();
  pruneUnused(graph);
  declareInitializerInputs(model);
  if (form === 'com.microsoft' && report.quantized.length) setOpset(model, 'com.microsoft', 1);
  else if (upgradeTo && report.quantized.length) setOpset(model, '', upgradeTo);
  report.weightBytesAfter = initializerBytes(model);
  return { model, report };
}

interface MatMulPlan {
  activation: string;
  /** Name in the graph (an initializer) and name of the tensor as the node reads it. */
  weightName: string;
  tensorName: string;
  /** Weight as [K, N], row-major, alpha folded in. */
  weight: Float32Array;
  n: number;
  bias?: Float32Array;
  biasDims?: number[];
  biasName?: string;
  /** A bias input used as is (non-constant, beta = 1). */
  biasValue?: string;
}

/** What a MatMul/Gemm needs to become an integer matmul, or the reason it cannot. */
export function planMatMul(model: Model, node: NodeProto): MatMulPlan | { reason: string } {
  const graph = model.graph;
  const w = floatConstant(model, graph, node.input[1]);
  if (!w) {
    const a = floatConstant(model, graph, node.input[0]);
    if (a) return { reason: 'the constant is the first operand; only constant right-hand weights are quantized' };
    return { reason: 'both operands are activations (no constant float32 weight)' };
  }
  if (floatConstant(model, graph, node.input[0])) return { reason: 'both operands are constants (fold them instead)' };
  if (w.dims.length !== 2) return { reason: `weight has rank ${w.dims.length}; only 2-D weights are quantized` };
  let [K, N] = w.dims;
  let weight = w.values;
  if (node.opType === 'MatMul') {
    return { activation: node.input[0], weightName: w.tensor.name, tensorName: node.input[1], weight, n: N };
  }
  if (attrInt(node, 'transA', 0)) return { reason: 'Gemm with transA=1 is not quantized' };
  if (attrInt(node, 'transB', 0)) {
    [K, N] = [N, K];
    weight = transpose(w.values, N, K);
  }
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  if (alpha !== 1) {
    const scaled = new Float32Array(weight.length);
    for (let i = 0; i < weight.length; i++) scaled[i] = weight[i] * alpha;
    weight = scaled;
  }
  const plan: MatMulPlan = { activation: node.input[0], weightName: w.tensor.name, tensorName: node.input[1], weight, n: N };
  const c = node.input[2];
  if (c) {
    const bc = floatConstant(model, graph, c);
    if (beta === 1) plan.biasValue = c; // used as is, constant or not
    else if (bc) {
      plan.bias = bc.values.map((v) => v * beta);
      plan.biasDims = bc.dims;
      plan.biasName = bc.tensor.name;
    } else return { reason: `Gemm with beta=${beta} and a non-constant C is not quantized` };
  }
  return plan;
}

/** rows x cols row-major -> cols x rows. */
function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}
