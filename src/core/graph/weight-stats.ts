import type { Graph, Model } from '../onnx/model';
import { toFloat32 } from '../onnx/tensor';
import { DataType } from '../tensor/dtypes';
import { constantTensors } from './onnx-view';
import type { NodeDetails, ViewGraph, WeightStats } from './types';

export const HISTOGRAM_BINS = 32;

/**
 * The inspector's data for one node: its weights with statistics. `graphPath` selects a subgraph
 * as [nodeId, attribute, nodeId, attribute, ...] from the main graph down.
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
    nodeId,
    weights: node.weights.map((w) => {
      const t = g.initializer(w.name) ?? constants?.get(w.name);
      let stats: WeightStats | null = null;
      if (t && isNumeric(t.dataType)) stats = weightStats(toFloat32(t.dataType, model.tensorData(t)));
      return { ...w, stats };
    }),
  };
}

function isNumeric(code: number): boolean {
  return code !== DataType.string && code !== DataType.complex64 && code !== DataType.complex128 &&
    code !== DataType.uint4 && code !== DataType.int4 && code !== DataType.float4e2m1 && code < DataType.float8e4m3fn;
}

/** min, max, mean, std, sparsity and a 32-bin histogram; NaNs are skipped, two passes, no allocation per element. */
export function weightStats(data: Float32Array): WeightStats {
  const n = data.length;
  let min = Infinity, max = -Infinity, sum = 0, zeros = 0, count = 0;
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (x !== x) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x === 0) zeros++;
    sum += x;
    count++;
  }
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (count === 0) return { min: 0, max: 0, mean: 0, std: 0, sparsity: 0, histogram: { min: 0, max: 0, counts } };
  const mean = sum / count;
  const finite = Number.isFinite(min) && Number.isFinite(max);
  const width = finite && max > min ? (max - min) / HISTOGRAM_BINS : 0;
  const bins = new Float64Array(HISTOGRAM_BINS);
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (x !== x) continue;
    const d = x - mean;
    sq += d * d;
    if (width > 0) {
      let b = Math.floor((x - min) / width);
      if (b >= HISTOGRAM_BINS) b = HISTOGRAM_BINS - 1;
      bins[b]++;
    } else {
      bins[0]++;
    }
  }
  for (let b = 0; b < HISTOGRAM_BINS; b++) counts[b] = bins[b];
  return { min, max, mean, std: Math.sqrt(sq / count), sparsity: zeros / n, histogram: { min, max, counts } };
}
