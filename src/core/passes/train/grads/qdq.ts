import { attrInt, type Graph } from '../../../formats/onnx/model';
import { makeNode } from '../../../formats/onnx/build';
import type { NodeProto } from '../../../formats/onnx/proto/onnx_pb';
import { DataType } from '../../../tensor/dtypes';
import { constantTensor } from '../../common';
import { dy, normalizeAxis, unsupported, type GradRule } from '../grad-rule';

/** Domain of nodes that exist only for the backward pass (never written to a model). */
export const VIRTUAL_DOMAIN = 'edgewise.train';

/** Integer range of a quantized type (by ONNX data type code). */
const Q_RANGES: Record<number, [number, number]> = {
  [DataType.int8]: [-128, 127], [DataType.uint8]: [0, 255], [DataType.int16]: [-32768, 32767], [DataType.uint16]: [0, 65535],
  [DataType.int4]: [-8, 7], [DataType.uint4]: [0, 15],
};

/**
 * Forward nodes for differentiation, with every QuantizeLinear -> DequantizeLinear pair (the
 * quantized value read by that DequantizeLinear only) seen as one virtual op,
 * FakeQuant(x, scale, zero_point), whose output is the DequantizeLinear's. The pair's integer
 * output would otherwise stop the gradient.
 */
export function fuseFakeQuant(graph: Graph, nodes: NodeProto[]): NodeProto[] {
  const fused = new Map<NodeProto, NodeProto | null>();
  for (const dq of nodes) {
    if (dq.opType !== 'DequantizeLinear' || dq.domain) continue;
    const q = graph.producer(dq.input[0]);
    if (!q || q.opType !== 'QuantizeLinear' || q.domain || graph.consumersOf(q.output[0]).length !== 1) continue;
    const zp = q.input[2] ? constantTensor(graph, q.input[2]) : undefined;
    const [qmin, qmax] = Q_RANGES[zp?.dataType ?? attrInt(q, 'output_dtype', DataType.uint8)] ?? Q_RANGES[DataType.uint8];
    fused.set(q, null);
    fused.set(dq, makeNode('FakeQuant', [q.input[0], q.input[1], q.input[2] ?? ''], [dq.output[0]], {
      axis: attrInt(q, 'axis', 1), qmin, qmax,
    }, `${q.name || q.output[0]}+${dq.name || dq.output[0]}`, VIRTUAL_DOMAIN));
  }
  if (fused.size === 0) return nodes;
  return nodes.flatMap((n) => (fused.has(n) ? (fused.get(n) ? [fused.get(n)!] : []) : [n]));
}

/**
 * Straight-through estimator: the gradient passes where x lies inside the quantization range
 * [(qmin - zp) * scale, (qmax - zp) * scale] and is zero outside (scales stay fixed).
 */
const fakeQuant: GradRule = {
  inputs: [0],
  grad(c) {
    const e = c.e;
    const [x, scaleName, zpName] = c.node.input;
    const scale = c.floats(scaleName) ?? unsupported(c.node, 'its scale must be constant');
    const zp = zpName ? c.ints(zpName) ?? unsupported(c.node, 'its zero point must be constant') : scale.map(() => 0);
    const qmin = attrInt(c.node, 'qmin', -128);
    const qmax = attrInt(c.node, 'qmax', 127);
    const lo = scale.map((s, i) => (qmin - zp[i]) * s);
    const hi = scale.map((s, i) => (qmax - zp[i]) * s);
    let dims: number[] = [];
    if (scale.length > 1) {
      const rank = c.shape(x).length;
      dims = new Array(rank).fill(1);
      dims[normalizeAxis(attrInt(c.node, 'axis', 1), rank)] = scale.length;
    }
    const inside = e.op('And', [e.op('GreaterOrEqual', [x, e.floats(lo, dims)]), e.op('LessOrEqual', [x, e.floats(hi, dims)])]);
    return [e.maskGrad(inside, dy(c))];
  },
};

export const VIRTUAL_GRADS: Record<string, GradRule> = { FakeQuant: fakeQuant };
