import type { AttributeInfo, TensorInfo, ViewGraph, ViewNode, WeightInfo } from '../../graph/types';
import { valueRecord } from '../../graph/types';
import { TfliteFormatError } from './errors';
import { bufferByteLength, isConstant, operatorName, type TfliteModel, type TfliteOperator, type TfliteSubGraph, type TfliteTensor } from './model';

/** Where a view node came from, for node details. */
export interface NodeOrigin { subgraph: number; operator: number }

export interface TfliteView {
  graph: ViewGraph;
  /** Per ViewGraph object: node id -> origin. */
  origins: Map<ViewGraph, Map<string, NodeOrigin>>;
}

/** How deep WHILE/IF/CALL subgraphs may nest in a view. */
export const MAX_SUBGRAPH_DEPTH = 64;

/**
 * The format-neutral graph of subgraph 0; subgraphs named by WHILE/IF/CALL options nest under
 * their node. A subgraph called from several places is expanded at each, so the view is bounded:
 * at most MAX_SUBGRAPH_DEPTH levels, and at most four times the file's operators (plus 10,000) in
 * all, else the file is refused (subgraphs calling each other twice per level would double at
 * every level).
 */
export function tfliteViewGraph(model: TfliteModel): TfliteView {
  const origins = new Map<ViewGraph, Map<string, NodeOrigin>>();
  const operators = model.subgraphs.reduce((n, sg) => n + sg.operators.length, 0);
  const budget = { left: 4 * operators + 10_000 };
  const graph = buildGraph(model, 0, [0], origins, budget);
  return { graph, origins };
}

function buildGraph(model: TfliteModel, s: number, stack: number[], origins: TfliteView['origins'], budget: { left: number }): ViewGraph {
  const sg = model.subgraphs[s];
  if (stack.length > MAX_SUBGRAPH_DEPTH) throw new TfliteFormatError(model.file, `subgraphs nest more than ${MAX_SUBGRAPH_DEPTH} deep (through WHILE/IF/CALL operators)`);
  budget.left -= sg.operators.length;
  if (budget.left < 0) throw new TfliteFormatError(model.file, 'subgraphs call each other so often that the graph would show more than four times the operators in the file');
  const names = valueNames(sg);
  const info = (t: TfliteTensor): TensorInfo => tensorInfo(t, names[t.index]);
  const values: Record<string, TensorInfo> = valueRecord();
  for (const t of sg.tensors) if (!isConstant(model, t)) values[names[t.index]] = info(t);

  const nodeIds = new Set<string>();
  const byId = new Map<string, NodeOrigin>();
  const nodes: ViewNode[] = sg.operators.map((op) => {
    const opType = operatorName(model, op);
    const node = buildNode(model, sg, op, opType, names);
    node.id = uniqueId(node.name, `${node.name || opType}#${op.index}`, nodeIds);
    for (const ref of op.subgraphRefs) {
      // A subgraph that (indirectly) calls itself is shown once, not expanded again.
      if (stack.includes(ref.subgraph)) continue;
      node.subgraphs.push({ attribute: ref.attribute, graph: buildGraph(model, ref.subgraph, [...stack, ref.subgraph], origins, budget) });
    }
    byId.set(node.id, { subgraph: s, operator: op.index });
    return node;
  });

  const graph: ViewGraph = {
    name: sg.name || (s === 0 ? 'main' : `subgraph_${s}`),
    nodes,
    inputs: sg.inputs.map((i) => info(sg.tensors[i])),
    outputs: sg.outputs.map((i) => info(sg.tensors[i])),
    values,
  };
  origins.set(graph, byId);
  return graph;
}

function buildNode(model: TfliteModel, sg: TfliteSubGraph, op: TfliteOperator, opType: string, names: string[]): ViewNode {
  const weights: WeightInfo[] = [];
  for (const i of op.inputs) {
    if (i < 0) continue;
    const t = sg.tensors[i];
    if (isConstant(model, t)) weights.push(weightInfo(model, t, names[i]));
  }
  const code = model.operatorCodes[op.opcodeIndex];
  const attributes: AttributeInfo[] = [...op.attributes];
  if (code.customCode) attributes.push({ name: 'custom_code', type: 'string', value: code.customCode });
  if (op.customOptionsBytes > 0) attributes.push({ name: 'custom_options', type: 'bytes', value: `${op.customOptionsBytes} bytes` });
  attributes.push({ name: 'op_version', type: 'int', value: String(code.version) });
  // Operators have no names; the first output tensor's name is the layer's name in TFLite converters.
  const first = op.outputs.find((i) => i >= 0);
  const name = first === undefined ? '' : sg.tensors[first].name;
  return {
    id: '',
    name,
    opType,
    domain: code.customCode ? 'custom' : 'tflite',
    inputs: op.inputs.map((i) => (i < 0 ? '' : names[i])),
    outputs: op.outputs.map((i) => (i < 0 ? '' : names[i])),
    attributes,
    weights,
    weightBytes: weights.reduce((a, w) => a + w.bytes, 0),
    scope: scopeOf(name),
    subgraphs: [],
  };
}

/** 'model/conv1/Conv2D;model/conv1/BiasAdd' -> ['model', 'conv1'] (fused names join with ';'). */
function scopeOf(name: string): string[] {
  const parts = name.split(';')[0].split('/').filter((p) => p.length > 0);
  return parts.slice(0, -1);
}

/** Tensor names made unique within a subgraph ('' -> 'tensor_7'; a repeated name gets '#index'). */
export function valueNames(sg: TfliteSubGraph): string[] {
  const count = new Map<string, number>();
  for (const t of sg.tensors) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  return sg.tensors.map((t) => (t.name === '' ? `tensor_${t.index}` : count.get(t.name)! > 1 ? `${t.name}#${t.index}` : t.name));
}

/** The node's name when unused so far, else `name#index` / `opType#index` (as the ONNX view does). */
function uniqueId(preferred: string, fallback: string, taken: Set<string>): string {
  let id = preferred && !taken.has(preferred) ? preferred : fallback;
  for (let k = 1; taken.has(id); k++) id = `${fallback}.${k}`;
  taken.add(id);
  return id;
}

export function tensorInfo(t: TfliteTensor, name: string): TensorInfo {
  const info: TensorInfo = { name, dtype: t.dtype, shape: displayShape(t) };
  if (t.quant) info.quant = t.quant;
  return info;
}

/** The shape with unknown dimensions as '?' (from shape_signature), or null for unknown rank. */
function displayShape(t: TfliteTensor): (number | string)[] | null {
  const sig = t.shapeSignature;
  if (sig && sig.length === t.shape.length) return sig.map((d, i) => (d < 0 ? '?' : t.shape[i]));
  return t.shape;
}

export function weightInfo(model: TfliteModel, t: TfliteTensor, name: string): WeightInfo {
  return { ...tensorInfo(t, name), bytes: bufferByteLength(model, t.buffer), elements: elementCount(t.shape) };
}

export function elementCount(shape: number[]): number {
  return shape.reduce((a, d) => a * Math.max(d, 0), 1);
}
