/**
 * A view graph as the diff sees it: Quantize/Dequantize nodes folded into the nodes they serve,
 * so a float Conv and its QDQ or integer counterpart have the same data inputs and outputs. A
 * weight read through DequantizeLinear becomes a weight of its consumer, with the scale and zero
 * point to dequantize it by.
 */
import type { ViewGraph, ViewNode, WeightInfo } from '../../graph/types';
import { DEQUANTIZE_OPS, INTEGER_OPS, PARAM_INPUTS, QDQ_OPS, QUANT_SLOTS, opClass } from './ops';

/** A constant input of a core node; `scale`/`zeroPoint` name the constants that dequantize it. */
export interface LogicalWeight {
  name: string;
  scale?: string;
  zeroPoint?: string;
  /** Per-channel axis of `scale` (DequantizeLinear's axis attribute, default 1). */
  axis?: number;
}

export interface CoreNode {
  /** Index in the view graph's nodes. */
  view: number;
  id: string;
  name: string;
  op: string;
  cls: string;
  /** Data inputs (non-constant), as canonical value names: Quantize/Dequantize looked through. */
  inputs: string[];
  weights: LogicalWeight[];
  outputs: string[];
  /** Computes in integers: an integer op, a dequantized weight, or dequantized inputs with a quantized output. */
  quantized: boolean;
  /** View indices of the Quantize/Dequantize nodes folded into this node. */
  helpers: number[];
}

export interface CoreGraph {
  view: ViewGraph;
  nodes: CoreNode[];
  /** Canonical value -> the core node writing it. */
  producer: Map<string, number>;
  /** Canonical value -> core nodes reading it (each once). */
  consumers: Map<string, number[]>;
  /** The graph's inputs and outputs as canonical values. */
  inputs: string[];
  outputs: string[];
  /** Every constant of the graph by name (shape, dtype, size; a TFLite tensor's quantization). */
  weightInfo: Map<string, WeightInfo>;
}

export function coreGraph(view: ViewGraph): CoreGraph {
  const weightInfo = new Map<string, WeightInfo>();
  const viewProducer = new Map<string, number>();
  view.nodes.forEach((n, i) => {
    for (const w of n.weights) weightInfo.set(w.name, w);
    for (const o of n.outputs) if (o) viewProducer.set(o, i);
  });
  const constants = { has: (v: string) => weightInfo.has(v) };
  const isQdq = (n: ViewNode | undefined): n is ViewNode => !!n && QDQ_OPS.has(n.opType);
  // A Constant node whose value its readers list as a weight is a weight, not a node to match (Clip's bounds).
  const isConstantNode = (n: ViewNode) => n.opType === 'Constant' && n.inputs.length === 0 && n.outputs.every((o) => weightInfo.has(o));
  const folded = (n: ViewNode) => QDQ_OPS.has(n.opType) || isConstantNode(n);
  const canonicalMemo = new Map<string, string>();
  const canonical = (v: string): string => {
    let c = canonicalMemo.get(v);
    if (c !== undefined) return c;
    c = v;
    for (let p = view.nodes[viewProducer.get(c) ?? -1]; isQdq(p) && p.inputs[0] && !constants.has(p.inputs[0]); p = view.nodes[viewProducer.get(c) ?? -1]) c = p.inputs[0];
    canonicalMemo.set(v, c);
    return c;
  };
  const quantizedValue = (v: string) => !!view.values[v]?.quant && /int/.test(view.values[v].dtype);

  const nodes: CoreNode[] = [];
  const ownerOfView = new Map<number, number>();
  view.nodes.forEach((n, i) => {
    if (folded(n)) return;
    const slots = QUANT_SLOTS[n.opType];
    const skip = slots || PARAM_INPUTS[n.opType] ? [...(PARAM_INPUTS[n.opType] ?? []), ...(slots ?? []).flatMap((s) => [s.scale, s.zeroPoint])] : undefined;
    const inputs: string[] = [];
    const weights: LogicalWeight[] = [];
    const helpers: number[] = [];
    let weightQuantized = false;
    n.inputs.forEach((v, slot) => {
      if (!v || skip?.includes(slot)) return;
      const qs = slots?.find((s) => s.value === slot);
      if (constants.has(v)) {
        weights.push(qs ? { name: v, scale: n.inputs[qs.scale], zeroPoint: n.inputs[qs.zeroPoint] } : { name: v });
        return;
      }
      const p = viewProducer.get(v);
      const dq = p === undefined ? undefined : view.nodes[p];
      if (dq && DEQUANTIZE_OPS.has(dq.opType) && constants.has(dq.inputs[0])) {
        const axis = Number(dq.attributes.find((a) => a.name === 'axis')?.value ?? 1);
        weights.push({ name: dq.inputs[0], scale: dq.inputs[1] || undefined, zeroPoint: dq.inputs[2] || undefined, axis });
        helpers.push(p!);
        ownerOfView.set(p!, nodes.length);
        weightQuantized = true;
        return;
      }
      inputs.push(canonical(v));
    });
    const outputs = n.outputs.filter((o) => o);
    // TFLite keeps integer activations in the tensors themselves.
    const quantizedOutput = outputs.some(quantizedValue);
    nodes.push({
      view: i, id: n.id, name: n.name, op: n.opType, cls: opClass(n.opType), inputs, weights, outputs, helpers,
      quantized: INTEGER_OPS.has(n.opType) || weightQuantized || quantizedOutput || weights.some((w) => isQuantizedWeight(weightInfo, w)),
    });
  });

  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((c, k) => {
    for (const o of c.outputs) producer.set(o, k);
    c.inputs.forEach((v, i) => {
      if (c.inputs.indexOf(v) !== i) return;
      const list = consumers.get(v);
      if (list) list.push(k);
      else consumers.set(v, [k]);
    });
  });
  // Activation Quantize/Dequantize nodes belong to the node writing the value (or, for a graph
  // input, its first reader); a node whose output is requantized and whose inputs are
  // dequantized runs quantized.
  const weightReaders = new Map<string, number>();
  nodes.forEach((c, k) => { for (const w of c.weights) if (!weightReaders.has(w.name)) weightReaders.set(w.name, k); });
  view.nodes.forEach((n, i) => {
    if (!folded(n) || ownerOfView.has(i)) return;
    if (isConstantNode(n)) {
      const reader = weightReaders.get(n.outputs[0]);
      if (reader !== undefined) nodes[reader].helpers.push(i);
      return;
    }
    const v = canonical(n.inputs[0] ?? '');
    const owner = producer.get(v) ?? consumers.get(v)?.[0];
    if (owner === undefined) return;
    nodes[owner].helpers.push(i);
    if (!DEQUANTIZE_OPS.has(n.opType) && producer.has(v)) nodes[owner].quantized ||= readsDequantized(view, nodes[owner], viewProducer);
  });
  return {
    view, nodes, producer, consumers, weightInfo,
    inputs: view.inputs.map((t) => canonical(t.name)),
    outputs: view.outputs.map((t) => canonical(t.name)),
  };
}

/** Whether some data input of the node comes straight from a Dequantize node. */
function readsDequantized(view: ViewGraph, c: CoreNode, viewProducer: Map<string, number>): boolean {
  return view.nodes[c.view].inputs.some((v) => {
    const p = viewProducer.get(v);
    return p !== undefined && DEQUANTIZE_OPS.has(view.nodes[p].opType);
  });
}

/** A weight stored as integers with its own quantization (TFLite), or an integer op's weight. */
function isQuantizedWeight(weightInfo: Map<string, WeightInfo>, w: LogicalWeight): boolean {
  if (w.scale) return true;
  const info = weightInfo.get(w.name);
  return !!info?.quant && /int/.test(info.dtype) && info.dtype !== 'int32';
}
