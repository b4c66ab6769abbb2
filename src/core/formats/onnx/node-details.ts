import type { NodeDetails, ViewGraph, WeightStats } from '../../graph/types';
import { weightStats } from '../../graph/weight-stats';
import { DataType } from '../../tensor/dtypes';
import { toFloat32 } from '../../tensor/views';
import type { Graph, Model } from './model';
import { constantTensors } from './view';
import type { NodeProto } from './proto/onnx_pb';
import { TORCH_CLASS_HIERARCHY, TORCH_NAME_SCOPES, TORCH_STACK_TRACE, parseStackTrace, torchModule } from './torch-metadata';

/**
 * The inspector's data for one node: its weights with statistics, and where it came from when its
 * exporter says. `graphPath` selects a subgraph as [nodeId, attribute, nodeId, attribute, ...]
 * from the main graph down.
 */
export function onnxNodeDetails(model: Model, view: ViewGraph, nodeId: string, graphPath: string[]): NodeDetails {
  let g: Graph = model.graph;
  let v: ViewGraph = view;
  for (let i = 0; i + 1 < graphPath.length; i += 2) {
    const [owner, attribute] = [graphPath[i], graphPath[i + 1]];
    const idx = v.nodes.findIndex((n) => n.id === owner);
    if (idx < 0) throw new Error(`no node '${owner}' in graph '${v.name}'`);
    const sub = v.nodes[idx].subgraphs.find((s) => s.attribute === attribute);
    const subG = g.subgraphs(g.nodes[idx]).find((s) => s.attribute === attribute);
    if (!sub || !subG) throw new Error(`node '${owner}' has no subgraph '${attribute}'`);
    v = sub.graph;
    g = subG.graph;
  }
  const idx = v.nodes.findIndex((n) => n.id === nodeId);
  if (idx < 0) throw new Error(`no node '${nodeId}' in graph '${v.name || 'main'}'`);
  const node = v.nodes[idx];
  const constants = node.weights.some((w) => !g.initializer(w.name)) ? constantTensors(g) : undefined;
  return {
    ...nodeOrigin(g.nodes[idx]),
    nodeId,
    weights: node.weights.map((w) => {
      const t = g.initializer(w.name) ?? constants?.get(w.name);
      let stats: WeightStats | null = null;
      if (t && isNumeric(t.dataType)) stats = weightStats(toFloat32(t.dataType, model.tensorData(t)));
      return { ...w, stats };
    }),
  };
}

/** Where the exporter says the node came from (PyTorch's metadata: torch-metadata.ts). */
function nodeOrigin(n: NodeProto): Pick<NodeDetails, 'source' | 'module'> {
  if (!n.metadataProps.length) return {};
  const meta = new Map(n.metadataProps.map((p) => [p.key, p.value]));
  const trace = meta.get(TORCH_STACK_TRACE);
  const source = trace ? parseStackTrace(trace) : [];
  const module = torchModule(meta.get(TORCH_NAME_SCOPES), meta.get(TORCH_CLASS_HIERARCHY));
  return { ...(source.length ? { source } : {}), ...(module ? { module } : {}) };
}

function isNumeric(code: number): boolean {
  return code !== DataType.string && code !== DataType.complex64 && code !== DataType.complex128 &&
    code !== DataType.uint4 && code !== DataType.int4 && code !== DataType.float4e2m1 && code < DataType.float8e4m3fn;
}
