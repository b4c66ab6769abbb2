/**
 * One ONNX model that runs the float and the quantized graph side by side on the same inputs and
 * reduces every matched tensor pair to five sums inside ONNX Runtime: Σr², Σ(r−q)², Σr·q, Σq²
 * and max|r−q|, in float64 (float32 sums over a million values drift by 1e-4: a cosine of 1.00008). Fetching a few numbers per tensor instead of the tensors themselves is what
 * keeps per-layer analysis of deep models fast.
 */
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, TensorProtoSchema, ValueInfoProtoSchema, type GraphProto, type NodeProto } from '../formats/onnx/proto/onnx_pb';
import type { Model } from '../formats/onnx/model';
import { makeNode, makeTensor } from '../formats/onnx/build';
import { encodeModelProto } from '../formats/onnx/codec';

export const STATS_PER_TENSOR = 5;
const PREFIX = 'ew_q::';
const DOUBLE = 11;

/** The name a quantized-model value has in the combined graph. */
export const quantizedName = (v: string): string => PREFIX + v;

/** Why the two models cannot share one graph, or undefined when they can. */
export function combineObstacle(floatModel: Model, quantModel: Model): string | undefined {
  if (floatModel.opsetVersion('') !== quantModel.opsetVersion('')) return 'the models import different ONNX opsets';
  if (floatModel.proto.functions.length || quantModel.proto.functions.length) return 'a model defines local functions';
  const hasSubgraphs = (m: Model) => m.graph.nodes.some((n) => n.attribute.some((a) => a.g || a.graphs.length));
  if (hasSubgraphs(floatModel) || hasSubgraphs(quantModel)) return 'a model has control-flow subgraphs';
  const names = (m: Model) => m.graph.realInputs().map((i) => i.name).sort().join('\n');
  if (names(floatModel) !== names(quantModel)) return 'the models have different inputs';
  return undefined;
}

/**
 * The combined model's bytes; its output `ew_stats` (float64) holds STATS_PER_TENSOR sums per pair,
 * summed over the batch. `pairs` are [float tensor, quantized tensor] names, both float32.
 * With `output` (a graph output of both models), both models' values of it are outputs too:
 * `output` and `quantizedName(output)`.
 */
export function comparisonModelBytes(floatModel: Model, quantModel: Model, pairs: readonly [string, string][], output?: string): Uint8Array {
  const f = floatModel.graph.proto;
  const q = quantModel.graph.proto;
  const inputs = new Set(floatModel.graph.realInputs().map((i) => i.name));
  const rename = (v: string) => (v === '' || inputs.has(v) ? v : PREFIX + v);
  const qNodes: NodeProto[] = q.node.map((n) => create(NodeProtoSchema, { ...n, name: n.name ? PREFIX + n.name : '', input: n.input.map(rename), output: n.output.map(rename) }));
  const qInits = q.initializer.filter((t) => !inputs.has(t.name)).map((t) => create(TensorProtoSchema, { ...t, name: rename(t.name) }));
  const nodes: NodeProto[] = [];
  const stats: string[] = [];
  const one = 'ew_shape_1';
  pairs.forEach(([ft, qt], i) => {
    const p = `ew_${i}_`, r = `${p}r`, t = `${p}t`;
    const flat = (name: string, op: string, ins: string[], attrs: Record<string, number> = {}) => {
      nodes.push(makeNode(op, ins, [`${p}${name}_k`], { keepdims: 1, ...attrs }));
      nodes.push(makeNode('Reshape', [`${p}${name}_k`, one], [`${p}${name}`]));
      stats.push(`${p}${name}`);
    };
    nodes.push(makeNode('Cast', [ft], [r], { to: DOUBLE }), makeNode('Cast', [rename(qt)], [t], { to: DOUBLE }));
    nodes.push(makeNode('Sub', [r, t], [`${p}d`]));
    nodes.push(makeNode('Mul', [r, t], [`${p}rq`]));
    nodes.push(makeNode('Abs', [`${p}d`], [`${p}ad`]));
    flat('ss', 'ReduceSumSquare', [r]);
    flat('nn', 'ReduceSumSquare', [`${p}d`]);
    flat('dot', 'ReduceSum', [`${p}rq`]);
    flat('qq', 'ReduceSumSquare', [t]);
    flat('max', 'ReduceMax', [`${p}ad`]);
  });
  nodes.push(makeNode('Concat', stats, ['ew_stats'], { axis: 0 }));
  const graph: GraphProto = create(GraphProtoSchema, {
    name: 'ew_compare',
    input: floatModel.graph.realInputs(),
    output: ['ew_stats', ...(output ? [output, rename(output)] : [])].map((name) => create(ValueInfoProtoSchema, { name })),
    initializer: [...f.initializer, ...qInits, makeTensor(one, 'int64', [1], BigInt64Array.of(1n))],
    node: [...f.node, ...qNodes, ...nodes],
  });
  const opsets = new Map<string, bigint>();
  for (const o of [...floatModel.proto.opsetImport, ...quantModel.proto.opsetImport]) {
    const prev = opsets.get(o.domain);
    if (prev === undefined || o.version > prev) opsets.set(o.domain, o.version);
  }
  const proto = create(ModelProtoSchema, {
    ...floatModel.proto,
    graph,
    opsetImport: [...opsets].map(([domain, version]) => ({ $typeName: 'onnx.OperatorSetIdProto' as const, domain, version })),
    metadataProps: [],
  });
  return encodeModelProto(proto);
}
