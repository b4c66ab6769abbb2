import { nodeIds } from './node-id';
import { AttributeProto_AttributeType as AttrType, type AttributeProto, type NodeProto, type SparseTensorProto, type TensorProto, type ValueInfoProto } from './proto/onnx_pb';
import type { Graph, Model } from './model';
import { makeTensor } from './build';
import { inferShapes } from './shapes';
import { tensorType } from './value-type';
import { elementCount, sparseByteLength, sparseElementCount, tensorByteLength } from './tensor';
import { dtypeName } from '../../tensor/dtypes';
import type { AttributeInfo, TensorInfo, ViewGraph, ViewNode, WeightInfo } from '../../graph/types';
import { valueRecord } from '../../graph/types';
import { PackedNodesText, packedTextWithNodes, ViewPacker, type PackedView } from '../../graph/packed';
import { modelMacs, type MainGraphShapes } from './macs';
import { TORCH_NAME_SCOPES, torchModuleScope } from './torch-metadata';


/** The format-neutral view of an ONNX model's main graph, with If/Loop/Scan bodies nested in their nodes. */
export function onnxViewGraph(model: Model, main?: () => MainGraphShapes): ViewGraph {
  return viewOf(model, model.graph, main);
}

/**
 * The same view packed for the graph view (graph/packed.ts), each node as it is made and written
 * out as text soon after: the open of a large model never holds every ViewNode, nor every packed
 * node, at once. Unpacked, it is onnxViewGraph's result.
 */
export function onnxPackedView(model: Model, main?: () => MainGraphShapes): PackedView {
  const g = model.graph;
  const parts = graphParts(model, g, main);
  const packer = new ViewPacker();
  const nodes = new PackedNodesText();
  for (let i = 0; i < g.nodes.length; i++) nodes.push(packer.node(viewNode(model, g, parts, g.nodes[i], i)));
  const nodesText = nodes.text();
  const packed = packer.result(packer.graph(g.proto.name, [], graphInputs(g), graphOutputs(g), parts.values), g.nodes.length);
  return { text: packedTextWithNodes(packed, nodesText), nodes: g.nodes.length };
}

function viewOf(model: Model, g: Graph, main?: () => MainGraphShapes): ViewGraph {
  const parts = graphParts(model, g, main);
  return {
    name: g.proto.name,
    nodes: g.nodes.map((n, i) => viewNode(model, g, parts, n, i)),
    inputs: graphInputs(g),
    outputs: graphOutputs(g),
    values: valuesByName(parts.values),
  };
}

/** What a graph's view nodes are made from besides the nodes themselves. */
interface GraphParts {
  /** Its values with a known type (knownValues). */
  values: TensorInfo[];
  /** MACs by node index (main graph only). */
  macs: (number | undefined)[];
  ids: string[];
  inits: Map<string, TensorProto>;
  constants: Map<string, TensorProto>;
  sparse: Map<string, SparseTensorProto>;
}

function graphParts(model: Model, g: Graph, main?: () => MainGraphShapes): GraphParts {
  const inits = g.initializers();
  const inferred: TensorInfo[] = [];
  let macs: (number | undefined)[] = [];
  let ids: string[] | undefined;
  // Inferred types fill in what value_info leaves out (most exporters record none).
  try {
    const known = g === model.graph ? main?.() : undefined;
    ids = known?.ids;
    const types = known?.types ?? inferShapes(model, g);
    // inferShapes enters inputs and initializers before any node output: a name first entered
    // past their count is a node's output, never an initializer (no lookup for most values).
    const declaredFirst = g.proto.input.length + g.proto.sparseInitializer.length + g.proto.initializer.length;
    let k = 0;
    for (const [name, t] of types) {
      if (t.shape && t.dtype && (k >= declaredFirst || !inits.has(name))) inferred.push({ name, dtype: dtypeName(t.dtype), shape: t.shape });
      k++;
    }
    if (g === model.graph) macs = (known?.macs ?? modelMacs(model, types, (ids ??= nodeIds(g.nodes)))).byIndex;
  } catch {
    // A graph the inference cannot walk keeps only its declared types.
  }
  ids ??= nodeIds(g.nodes);
  const constants = constantTensors(g);
  const sparse = new Map(g.proto.sparseInitializer.map((sp) => [sp.values?.name ?? '', sp]));
  return { values: knownValues(g, inferred), macs, ids, inits, constants, sparse };
}

/**
 * The graph's values with a known type, each once, in the order first known: the inferred ones,
 * then those only declared. A declared type with a shape wins over the inferred one (the last
 * such); one without a shape stands in only for a value nothing else knows (the first such).
 * A list, not a record: the open packs it without a dictionary of every value name.
 */
function knownValues(g: Graph, inferred: TensorInfo[]): TensorInfo[] {
  const declared = new Map<string, TensorInfo>();
  for (const list of [g.proto.valueInfo, g.proto.input, g.proto.output]) {
    for (const v of list) {
      const info = valueInfoToTensor(v);
      if (info && (info.shape || !declared.has(v.name))) declared.set(v.name, info);
    }
  }
  if (!declared.size) return inferred;
  const values = inferred.map((t) => {
    const d = declared.get(t.name);
    if (!d) return t;
    declared.delete(t.name);
    return d.shape ? d : t;
  });
  for (const d of declared.values()) values.push(d);
  return values;
}

function valuesByName(list: readonly TensorInfo[]): Record<string, TensorInfo> {
  const values: Record<string, TensorInfo> = valueRecord();
  for (const t of list) values[t.name] = t;
  return values;
}

function viewNode(model: Model, g: Graph, parts: GraphParts, n: NodeProto, i: number): ViewNode {
  const { inits, constants, sparse } = parts;
  const weights: WeightInfo[] = [];
  // A weight read twice by one node is listed once; linear in the node's inputs (a set only
  // for nodes with many: most have two or three, and a graph-wide map cost 400,000 entries).
  const many = n.input.length > 8 ? new Set<string>() : undefined;
  for (let k = 0; k < n.input.length; k++) {
    const input = n.input[k];
    if (!input) continue;
    if (many) {
      if (many.has(input)) continue;
      many.add(input);
    } else if (n.input.indexOf(input) < k) continue;
    // inits is g.initializers(): only an enclosing graph's are left to look up (g.initializer would ask inits again).
    const tensor = inits.get(input) ?? g.parent?.initializer(input) ?? (constants.size ? constants.get(input) : undefined);
    const sp = tensor || !sparse.size ? undefined : sparse.get(input);
    if (sp) weights.push(sparseWeightInfo(sp, input));
    if (!tensor) continue;
    const w = weightInfo(tensor);
    w.name = input;
    const value = tensor.dataLocation === 1 ? undefined : smallValues(tensor);
    if (value !== undefined) w.value = value;
    weights.push(w);
  }
  const subgraphs = g.subgraphs(n).map((s) => ({ attribute: s.attribute, graph: viewOf(model, s.graph) }));
  // One object literal, `macs` set after: a conditional spread here made every node a slow (dictionary) object.
  const node: ViewNode = {
    id: parts.ids[i],
    name: n.name,
    opType: n.opType,
    domain: n.domain === 'ai.onnx' ? '' : n.domain,
    inputs: n.input.slice(),
    outputs: n.output.slice(),
    attributes: n.attribute.map(attributeInfo),
    weights,
    weightBytes: weights.reduce((s, w) => s + w.bytes, 0),
    scope: nodeScope(n.name, n.metadataProps.length ? n.metadataProps.find((p) => p.key === TORCH_NAME_SCOPES)?.value : undefined),
    subgraphs,
  };
  const m = parts.macs[i];
  if (m !== undefined) node.macs = m;
  return node;
}

const graphInputs = (g: Graph): TensorInfo[] => g.realInputs().map((v) => valueInfoToTensor(v) ?? { name: v.name, dtype: 'unknown', shape: null });
const graphOutputs = (g: Graph): TensorInfo[] => g.proto.output.map((v) => valueInfoToTensor(v) ?? { name: v.name, dtype: 'unknown', shape: null });

/** Whether a node is an ONNX Constant (no inputs, one value attribute). */
export function isConstantNode(n: NodeProto): boolean {
  return n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx') && n.input.length === 0;
}

/**
 * The tensors Constant nodes produce, by output value name (PaddlePaddle exports keep every weight
 * there). value_float(s)/value_int(s) become small tensors; sparse and string values are left out.
 */
export function constantTensors(g: Graph): Map<string, TensorProto> {
  const out = new Map<string, TensorProto>();
  for (const n of g.nodes) {
    if (!isConstantNode(n) || !n.output[0]) continue;
    const t = constantValue(n);
    if (t) out.set(n.output[0], t);
  }
  return out;
}

function constantValue(n: NodeProto): TensorProto | undefined {
  const a = n.attribute[0];
  if (!a) return undefined;
  const name = n.output[0];
  switch (a.name) {
    // Named after its output; the same prototype keeps proto2's defaults (a spread would drop them).
    case 'value': return a.t ? (a.t.name ? a.t : Object.assign(Object.create(Object.getPrototypeOf(a.t)) as TensorProto, a.t, { name })) : undefined;
    case 'value_float': return makeTensor(name, 'float32', [], new Float32Array([a.f]));
    case 'value_floats': return makeTensor(name, 'float32', [a.floats.length], new Float32Array(a.floats));
    case 'value_int': return makeTensor(name, 'int64', [], new BigInt64Array([a.i]));
    case 'value_ints': return makeTensor(name, 'int64', [a.ints.length], new BigInt64Array(a.ints));
    default: return undefined;
  }
}

/** Display text of a constant's values when it has at most a few elements. */
function smallValues(t: TensorProto): string | undefined {
  if (elementCount(t) > 4) return undefined;
  const text = tensorText(t);
  const m = text.match(/\[([^\]]*)\]$/) ?? text.match(/ (\S+)$/);
  return m ? m[1] : undefined;
}


/**
 * Hierarchy path of a node: the module it was made in from the torch exporter's name scopes when
 * present (torch-metadata.ts), else the name's slash-separated prefix
 * ('/encoder/layer.0/attention/MatMul' -> ['encoder', 'layer.0', 'attention']).
 */
export function nodeScope(name: string, torchScopes?: string): string[] {
  if (torchScopes !== undefined) {
    const modules = torchModuleScope(torchScopes);
    if (modules) return modules;
  }
  if (!name.includes('/')) return [];
  const parts = name.split('/').filter((p) => p.length > 0);
  return parts.slice(0, -1);
}

export function valueInfoToTensor(v: ValueInfoProto): TensorInfo | null {
  const t = v.type?.value;
  if (!t || t.case !== 'tensorType') {
    if (t?.case === 'sequenceType') return { name: v.name, dtype: 'sequence', shape: null };
    return null;
  }
  return { name: v.name, dtype: dtypeName(t.value.elemType ?? 0), shape: tensorType(v.type)?.shape ?? null };
}

export function weightInfo(t: TensorProto): WeightInfo {
  return {
    name: t.name,
    dtype: dtypeName(t.dataType),
    shape: t.dims.map(Number),
    bytes: tensorByteLength(t),
    elements: elementCount(t),
  };
}

/** A sparse initializer as a weight: its dense shape, the bytes of its values and indices. */
function sparseWeightInfo(sp: SparseTensorProto, name: string): WeightInfo {
  return {
    name, dtype: `sparse ${dtypeName(sp.values?.dataType ?? 0)}`, shape: sp.dims.map(Number),
    bytes: sparseByteLength(sp), elements: sparseElementCount(sp),
  };
}

const MAX_LIST = 8;

/** An attribute with display text (long lists and tensors summarised). */
export function attributeInfo(a: AttributeProto): AttributeInfo {
  const dec = new TextDecoder();
  const list = (xs: readonly (number | bigint | string)[]): string =>
    '[' + xs.slice(0, MAX_LIST).map(String).join(', ') + (xs.length > MAX_LIST ? `, … ${xs.length} items` : '') + ']';
  const num = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));
  switch (a.type) {
    case AttrType.FLOAT: return { name: a.name, type: 'float', value: num(a.f) };
    case AttrType.INT: return { name: a.name, type: 'int', value: String(a.i) };
    case AttrType.STRING: return { name: a.name, type: 'string', value: dec.decode(a.s) };
    case AttrType.FLOATS: return { name: a.name, type: 'floats', value: list(a.floats.map(num)) };
    case AttrType.INTS: return { name: a.name, type: 'ints', value: list(a.ints) };
    case AttrType.STRINGS: return { name: a.name, type: 'strings', value: list(a.strings.map((s) => dec.decode(s))) };
    case AttrType.TENSOR: return { name: a.name, type: 'tensor', value: a.t ? tensorText(a.t) : 'tensor' };
    case AttrType.TENSORS: return { name: a.name, type: 'tensors', value: `${a.tensors.length} tensors` };
    case AttrType.GRAPH: return { name: a.name, type: 'graph', value: `graph '${a.g?.name ?? ''}' (${a.g?.node.length ?? 0} nodes)` };
    case AttrType.GRAPHS: return { name: a.name, type: 'graphs', value: `${a.graphs.length} graphs` };
    case AttrType.SPARSE_TENSOR: return { name: a.name, type: 'sparse_tensor', value: 'sparse tensor' };
    case AttrType.TYPE_PROTO: return { name: a.name, type: 'type_proto', value: 'type' };
    default: return { name: a.name, type: 'unknown', value: '' };
  }
}

/** A tensor attribute (Constant's value): small ones show their values, large ones dtype and shape. */
function tensorText(t: TensorProto): string {
  const dtype = dtypeName(t.dataType);
  const shape = `[${t.dims.map(Number).join(', ')}]`;
  const n = elementCount(t);
  if (n > MAX_LIST) return `${dtype}${shape}`;
  let vals: string[] = [];
  if (t.rawData.length > 0) {
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const bytes = tensorByteLength(t) / Math.max(n, 1);
    for (let i = 0; i < n; i++) {
      if (dtype === 'float32') vals.push(String(Number(dv.getFloat32(i * 4, true).toPrecision(6))));
      else if (dtype === 'int64') vals.push(String(dv.getBigInt64(i * 8, true)));
      else if (dtype === 'int32') vals.push(String(dv.getInt32(i * 4, true)));
      else if (dtype === 'float64') vals.push(String(dv.getFloat64(i * 8, true)));
      else if (bytes === 1) vals.push(String(dtype === 'int8' ? dv.getInt8(i) : dv.getUint8(i)));
      else return `${dtype}${shape}`;
    }
  } else {
    vals = [...t.floatData, ...t.int64Data, ...t.int32Data, ...t.doubleData].slice(0, n).map((x) => String(x));
  }
  return t.dims.length === 0 ? `${dtype} ${vals[0] ?? ''}` : `${dtype}${shape} [${vals.join(', ')}]`;
}
