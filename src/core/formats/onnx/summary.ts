import type { Graph, Model } from './model';
import { attrInt } from './model';
import type { NodeProto, ValueInfoProto } from './proto/onnx_pb';
import { elementCount, sparseByteLength, tensorByteLength } from './tensor';
import { countParameters } from './parameters';
import { dtypeName } from '../../tensor/dtypes';
import { inferShapes } from './shapes';
import { tensorType, typeName, UNKNOWN_DIM, type ValueType } from './value-type';
import type { Dim, ModelSummary, TensorInfo } from '../../graph/types';

/** The format-neutral summary of an ONNX model (`edgewise inspect`). Reads no weight data. */
export function summarizeOnnx(model: Model): ModelSummary {
  const p = model.proto;
  const g = model.graph;
  const types = inferShapes(model);
  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  const bytesByDtype: Record<string, number> = {};
  let initBytes = 0;
  for (const t of g.proto.initializer) {
    const bytes = tensorByteLength(t);
    const name = dtypeName(t.dataType);
    bytesByDtype[name] = (bytesByDtype[name] ?? 0) + bytes;
    initBytes += bytes;
  }
  // Sparse initializers: their stored values and indices are bytes (their dense shape's elements, parameters).
  for (const sp of g.proto.sparseInitializer) {
    const bytes = sparseByteLength(sp);
    const name = dtypeName(sp.values?.dataType ?? 0);
    bytesByDtype[name] = (bytesByDtype[name] ?? 0) + bytes;
    initBytes += bytes;
  }
  const macs = countMacs(g, types);
  const constants = { count: 0, elements: 0, bytes: 0 };
  for (const n of g.nodes) {
    if (n.opType !== 'Constant' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
    const t = n.attribute.find((a) => a.name === 'value')?.t;
    if (!t) continue;
    constants.count++;
    constants.elements += elementCount(t);
    constants.bytes += tensorByteLength(t);
  }
  return {
    file: model.label,
    format: 'onnx',
    fileBytes: model.source.fileBytes ?? 0,
    irVersion: Number(p.irVersion),
    producer: { name: p.producerName, version: p.producerVersion },
    opsets: model.opsets(),
    inputs: g.realInputs().map((v) => tensorInfo(v, types)),
    outputs: g.proto.output.map((v) => tensorInfo(v, types)),
    nodes: g.nodes.length,
    nodesWithSubgraphs: countNodes(g),
    ops,
    initializers: { count: g.proto.initializer.length + g.proto.sparseInitializer.length, bytes: initBytes, sparse: g.proto.sparseInitializer.length },
    parameters: countParameters(model),
    constants,
    bytesByDtype,
    externalData: model.hasExternalData(),
    // A partial sum would pass for the whole cost: only a complete count is reported.
    macs: macs.unknown === 0 ? macs.total : null,
    macsUnknownNodes: macs.unknown,
    metadata: model.metadata(),
  };
}

function tensorInfo(v: ValueInfoProto, types: Map<string, ValueType>): TensorInfo {
  const declared = tensorType(v.type);
  const shape = declared?.shape ?? types.get(v.name)?.shape ?? null;
  return { name: v.name, dtype: typeName(v.type), shape };
}

function countNodes(g: Graph): number {
  let n = g.nodes.length;
  for (const node of g.nodes) for (const s of g.subgraphs(node)) n += countNodes(s.graph);
  return n;
}

/**
 * Multiply-accumulates of Conv, ConvTranspose, MatMul and Gemm in the main graph. A symbolic
 * dimension (batch, sequence) counts as 1, so the figure is per unit of each; a node whose
 * shapes are not known is counted in `unknown`.
 */
export function countMacs(g: Graph, types: Map<string, ValueType>): { total: number; known: number; unknown: number } {
  let total = 0;
  let known = 0;
  let unknown = 0;
  for (const node of g.nodes) {
    if (!MAC_OPS.has(node.opType) || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
    const m = nodeMacs(node, (name) => types.get(name)?.shape ?? null);
    if (m === undefined) unknown++;
    else { total += m; known++; }
  }
  return { total, known, unknown };
}

const MAC_OPS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);

/** Dims as numbers with symbols counted as 1; undefined if a dim is unknown. */
function numeric(shape: Dim[] | null): number[] | undefined {
  if (!shape) return undefined;
  const out: number[] = [];
  for (const d of shape) {
    if (typeof d === 'number') out.push(d);
    else if (d === UNKNOWN_DIM) return undefined;
    else out.push(1);
  }
  return out;
}

const product = (xs: number[]) => xs.reduce((p, x) => p * x, 1);

export function nodeMacs(node: NodeProto, shapeOf: (value: string) => Dim[] | null): number | undefined {
  const a = numeric(shapeOf(node.input[0]));
  const b = numeric(shapeOf(node.input[1]));
  switch (node.opType) {
    case 'Conv': {
      // Each output element sums (C_in / group) * kernel products.
      const y = numeric(shapeOf(node.output[0]));
      if (!y || !b) return undefined;
      return product(y) * product(b.slice(1));
    }
    case 'ConvTranspose': {
      // Each input element is scattered through (C_out / group) * kernel products.
      if (!a || !b) return undefined;
      return product(a) * product(b.slice(1));
    }
    case 'Gemm': {
      if (!a || !b || a.length !== 2 || b.length !== 2) return undefined;
      const m = attrInt(node, 'transA', 0) ? a[1] : a[0];
      const k = attrInt(node, 'transA', 0) ? a[0] : a[1];
      const n = attrInt(node, 'transB', 0) ? b[0] : b[1];
      return m * k * n;
    }
    case 'MatMul': {
      const y = numeric(shapeOf(node.output[0]));
      if (!a || !b || !y || a.length === 0) return undefined;
      return product(y) * a[a.length - 1];
    }
    default:
      return undefined;
  }
}
