import { clone, create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttrType, GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema,
  type GraphProto, type NodeProto, type TensorProto,
} from '../formats/onnx/proto/onnx_pb';
import { Model, attr, type Graph } from '../formats/onnx/model';
import { toFloat32 } from '../tensor/views';
import { DataType, dtypeName, type DType } from '../tensor/dtypes';
import { makeValueInfo } from '../formats/onnx/build';

/** Which nodes a pass may touch. Include lists, when given, are allow-lists; exclude lists win. */
export interface NodeSelection {
  includeOps?: string[];
  excludeOps?: string[];
  /** Node names (or, for unnamed nodes, the name of their first output). */
  includeNodes?: string[];
  excludeNodes?: string[];
}

/** A node a pass left alone, and why. */
export interface SkippedNode { node: string; opType: string; reason: string }

/** A node a pass changed. */
export interface ChangedNode { node: string; opType: string; detail?: string }

/** The name used for a node in reports and selections: its name, or its first output's. */
export function nodeLabel(node: NodeProto): string {
  return node.name || node.output[0] || `<${node.opType}>`;
}

/** Why a node is not selected, or undefined when it is. */
export function selectionReason(node: NodeProto, sel: NodeSelection): string | undefined {
  const label = nodeLabel(node);
  if (sel.excludeNodes?.includes(label)) return 'excluded by name';
  if (sel.excludeOps?.includes(node.opType)) return `excluded op type ${node.opType}`;
  if (sel.includeNodes?.length && !sel.includeNodes.includes(label)) {
    if (!sel.includeOps?.includes(node.opType)) return 'not in the include list';
  }
  if (sel.includeOps?.length && !sel.includeOps.includes(node.opType) && !sel.includeNodes?.includes(label)) {
    return 'op type not in the include list';
  }
  return undefined;
}

/**
 * A copy of the model a pass may edit freely. Nodes, value infos and the graph structure are
 * deep-copied; initializer TensorProtos are shared (passes replace them, never mutate them).
 * `replacesNodes`: the pass never edits a main-graph node in place, it only replaces nodes in the
 * list (dynamic INT8): the node objects are shared too, so a 200,000-node model is not copied.
 */
export function forkModel(model: Model, how: { replacesNodes?: boolean } = {}): Model {
  const src = model.proto;
  const graph = src.graph!;
  let graphCopy: GraphProto;
  if (how.replacesNodes) {
    // Same prototype (proto2's defaults live there; a spread would drop them), own lists.
    graphCopy = Object.assign(Object.create(Object.getPrototypeOf(graph)) as GraphProto, graph);
    for (const k of ['node', 'input', 'output', 'valueInfo', 'initializer', 'sparseInitializer', 'quantizationAnnotation', 'metadataProps'] as const) {
      (graphCopy[k] as unknown[]) = [...(graph[k] as unknown[])];
    }
  } else {
    const inits = graph.initializer;
    graph.initializer = [];
    try {
      graphCopy = clone(GraphProtoSchema, graph);
    } finally {
      graph.initializer = inits;
    }
  }
  graphCopy.initializer = [...graph.initializer];
  const proto = create(ModelProtoSchema, { ...src, graph: graphCopy, opsetImport: src.opsetImport.map((o) => create(OperatorSetIdProtoSchema, { domain: o.domain, version: o.version })) });
  proto.metadataProps = [...src.metadataProps];
  return new Model(proto, model.source);
}

/** Sets (or adds) an opset import. */
export function setOpset(model: Model, domain: string, version: number): void {
  const o = model.proto.opsetImport.find((x) => (x.domain === 'ai.onnx' ? '' : x.domain) === domain);
  if (o) o.version = BigInt(version);
  else model.proto.opsetImport.push(create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) }));
}

/** A constant float tensor feeding a node input: an initializer, possibly through Identity nodes. */
export interface ConstantInput { tensor: TensorProto; values: Float32Array; dims: number[] }

/**
 * The initializer behind `value`, following Identity chains; else undefined. An initializer that
 * is also a graph input can be overridden at run time, so it is not constant, except in IR < 4
 * models, where every initializer is listed as an input.
 */
export function constantTensor(graph: Graph, value: string, initializerInputsAreConstant = false): TensorProto | undefined {
  let name = value;
  for (let hops = 0; hops < 16; hops++) {
    const t = graph.initializers().get(name);
    if (t) return !initializerInputsAreConstant && graph.isInput(name) ? undefined : t;
    const p = graph.identityOrConstantProducer(name);
    if (p?.opType === 'Identity') { name = p.input[0]; continue; }
    if (p?.opType === 'Constant') {
      const v = p.attribute.find((a) => a.name === 'value' && a.type === AttrType.TENSOR);
      return v?.t;
    }
    return undefined;
  }
  return undefined;
}

/** float32 values of a constant float32 input, or undefined (not constant, or not float32). */
export function floatConstant(model: Model, graph: Graph, value: string): ConstantInput | undefined {
  const t = constantTensor(graph, value, Number(model.proto.irVersion) < 4);
  if (!t || t.dataType !== DataType.float32) return undefined;
  return { tensor: t, values: toFloat32(t.dataType, model.tensorData(t)), dims: t.dims.map(Number) };
}

export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  const v = attr(node, name);
  return typeof v === 'number' ? v : fallback;
}

/**
 * Removes initializers nobody reads and Identity/Constant nodes whose outputs nobody reads (what
 * a pass leaves behind after replacing float weights). Never removes graph inputs or outputs.
 */
export function pruneUnused(graph: Graph): void {
  const g = graph.proto;
  const removable = (n: NodeProto) => (n.opType === 'Identity' || n.opType === 'Constant') && !n.domain;
  let unread: Set<string>;
  // Only dropping a node can make more values unused (initializers read nothing), so the
  // reads are counted again only after a round that dropped nodes: one round for most passes.
  for (;;) {
    // Only these names can be dropped (the reads of every other value need no record), each
    // struck off when read: one set, where a 200,000-node graph held two.
    unread = new Set<string>();
    for (const t of g.initializer) unread.add(t.name);
    for (const n of g.node) if (removable(n)) for (const o of n.output) unread.add(o);
    const read = (name: string) => { unread.delete(name); };
    for (const o of g.output) read(o.name);
    for (const n of g.node) {
      for (const i of n.input) read(i);
      for (const a of n.attribute) for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) for (const r of subgraphReads(sub)) read(r);
    }
    const before = g.node.length;
    g.node = g.node.filter((n) => !(removable(n) && n.output.every((o) => unread.has(o))));
    if (g.node.length === before) break;
  }
  if (g.initializer.some((t) => unread.has(t.name))) {
    const dropped = new Set<string>();
    g.initializer = g.initializer.filter((t) => !unread.has(t.name) || (dropped.add(t.name), false));
    g.input = g.input.filter((i) => !dropped.has(i.name));
  }
  graph.invalidate();
}

function subgraphReads(g: GraphProto): string[] {
  const out: string[] = [];
  for (const n of g.node) {
    out.push(...n.input);
    for (const a of n.attribute) for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) out.push(...subgraphReads(sub));
  }
  return out;
}

/**
 * IR versions below 4 require every initializer to be listed as a graph input too: declares the
 * initializers a pass added (typed and shaped from the tensor) so such models stay valid.
 */
export function declareInitializerInputs(model: Model): void {
  if (Number(model.proto.irVersion) >= 4) return;
  const g = model.graph.proto;
  const listed = new Set(g.input.map((i) => i.name));
  for (const t of g.initializer) {
    if (listed.has(t.name)) continue;
    g.input.push(makeValueInfo(t.name, dtypeName(t.dataType) as DType, t.dims.map(Number)));
  }
  model.graph.invalidate();
}

/** After a pass rewrote a graph: topological order again, drop what nobody reads, keep IR<4 models valid. */
export function finishGraph(model: Model, graph: Graph): void {
  graph.invalidate();
  graph.proto.node = graph.topologicalOrder();
  graph.invalidate();
  pruneUnused(graph);
  declareInitializerInputs(model);
}

/** Bytes of all initializers (what a pass shrinks). */
export function initializerBytes(model: Model): number {
  let total = 0;
  for (const g of model.allGraphs()) for (const t of g.proto.initializer) total += model.rawBytes(t).length || tensorFieldBytes(t);
  return total;
}

function tensorFieldBytes(t: TensorProto): number {
  return t.floatData.length * 4 + t.int32Data.length * 4 + t.int64Data.length * 8 + t.doubleData.length * 8;
}

/** Graph inputs and outputs (name, type) so tests and callers can check a pass kept them. */
export function ioSignature(model: Model): string {
  const sig = (list: { name: string; type?: unknown }[]) => list.map((v) => `${v.name}:${JSON.stringify(v.type, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))}`);
  return JSON.stringify({ inputs: sig(model.graph.realInputs()), outputs: sig(model.proto.graph!.output) });
}

/** Thrown when a pass cannot run on a model at all; the message says why in one line. */
export class PassError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PassError';
  }
}
