import type { Graph, Model } from './model';
import type { ValueInfoProto } from './proto/onnx_pb';
import { elementCount, sparseByteLength, tensorByteLength } from './tensor';
import { countParameters } from './parameters';
import { modelMacs, type MainGraphShapes } from './macs';
import { dtypeName } from '../../tensor/dtypes';
import { inferShapes } from './shapes';
import { tensorType, typeName, type ValueType } from './value-type';
import type { ModelSummary, TensorInfo } from '../../graph/types';
import { valueRecord } from '../../graph/types';

/**
 * The format-neutral summary of an ONNX model (`edgewise inspect`). Reads no weight data.
 * `main`: the main graph's inferred types and MACs when the caller has them (reader.ts).
 */
export function summarizeOnnx(model: Model, main?: MainGraphShapes): ModelSummary {
  const p = model.proto;
  const g = model.graph;
  const types = main?.types ?? inferShapes(model);
  const ops = valueRecord<number>();
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
  const macs = main?.macs ?? modelMacs(model, types);
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
    macs: macs.total,
    macsUnknownNodes: macs.unknownNodes,
    ...(macs.note ? { macsNote: macs.note } : {}),
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
