/**
 * What INT8 saves or costs per layer: per-node kernel times of the float model and of the
 * quantized model (from profiles), gathered per layer. Quantize/Dequantize nodes count toward the
 * layer they serve, so a layer's INT8 time includes the conversions it brings.
 */
import type { Model } from '../formats/onnx/model';
import type { NodeProto } from '../formats/onnx/proto/onnx_pb';
import { nodeIds } from '../formats/onnx/node-id';
import { compareTimes, PROFILER_RESOLUTION_US, type LatencyVerdict } from './noise';
import { valueRecord } from '../graph/types';

export interface LayerLatency {
  layer: string;
  floatUs: number;
  int8Us: number;
  /** floatUs − int8Us: positive when INT8 saves time. */
  gainUs: number;
  /** Run-to-run spread (interquartile range) of each side's time per run, µs. */
  floatSpreadUs: number;
  int8SpreadUs: number;
  /** The least difference that counts (noise.ts), µs. */
  noiseUs: number;
  /** INT8 against float by the one rule (noise.ts): a gain within the noise is 'within-noise', never advice. */
  verdict: LatencyVerdict;
}

const QDQ = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear']);

/**
 * Sums per-node times into per-layer times. `nodeUs` is keyed by node name (or node id for
 * unnamed nodes). A node belongs to the layer of the same id; a Q/DQ node to the nearest layer
 * it feeds (DequantizeLinear) or is fed by (QuantizeLinear), through other Q/DQ nodes.
 */
export function layerTimes(model: Model, nodeUs: Record<string, number>, layers: ReadonlySet<string>): Record<string, number> {
  const g = model.graph;
  const ids = nodeIds(g.nodes);
  const idOf = new Map<NodeProto, string>(g.nodes.map((n, i) => [n, ids[i]]));
  const out = valueRecord<number>();
  const find = (n: NodeProto, down: boolean, depth = 0): string | undefined => {
    const id = idOf.get(n)!;
    if (layers.has(id)) return id;
    if (!QDQ.has(n.opType) || depth > 4) return undefined;
    const next = down ? n.output.flatMap((o) => g.consumersOf(o)) : n.input.map((i) => g.producer(i)).filter((p): p is NodeProto => !!p);
    for (const m of next) {
      const hit = find(m, down, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  };
  g.nodes.forEach((n, i) => {
    const us = nodeUs[n.name || ids[i]] ?? nodeUs[ids[i]];
    if (us === undefined) return;
    const preferDown = n.opType !== 'QuantizeLinear';
    const layer = find(n, preferDown) ?? find(n, !preferDown);
    if (layer) out[layer] = (out[layer] ?? 0) + us;
  });
  return out;
}

/** A profiled node as the benchmark reports it (ORT's name, and the model nodes it stands for). */
export interface ProfiledNode {
  name: string;
  meanUs: number;
  originalNodes?: string[];
}

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'MatMulInteger', 'QLinearConv', 'QLinearMatMul']);

/**
 * Per-node times (keyed by model node name or id) from a profile at any optimization level. A
 * fused node's time goes to the weighted op among the nodes it stands for (a Conv+Clip fusion is
 * the Conv's time), else is split evenly. ORT's QDQ fusions name the fused node after the original
 * with a `_token_<n>` suffix; that name is mapped back when the profile gives no originals.
 */
export function profileNodeTimes(model: Model, profiled: readonly ProfiledNode[]): Record<string, number> {
  const ids = nodeIds(model.graph.nodes);
  const byKey = new Map<string, NodeProto>();
  model.graph.nodes.forEach((n, i) => { byKey.set(ids[i], n); if (n.name) byKey.set(n.name, n); });
  const keyOf = (n: NodeProto) => n.name || ids[model.graph.nodes.indexOf(n)];
  const out = valueRecord<number>();
  for (const p of profiled) {
    let originals = (p.originalNodes ?? []).map((o) => byKey.get(o)).filter((n): n is NodeProto => !!n);
    if (!originals.length) {
      const own = byKey.get(p.name) ?? byKey.get(p.name.replace(/_token_\d+$/, ''));
      if (own) originals = [own];
    }
    if (!originals.length) continue;
    const weighted = originals.filter((n) => WEIGHTED.has(n.opType));
    const take = weighted.length ? weighted : originals;
    for (const n of take) out[keyOf(n)] = (out[keyOf(n)] ?? 0) + p.meanUs / take.length;
  }
  return out;
}

/**
 * Gains for every layer timed in both models, biggest saving first, each with its verdict from
 * the layers' run-to-run spreads (`spreadUs`, per layer; none measured: 0).
 */
export function latencyGains(
  floatUs: Record<string, number>, int8Us: Record<string, number>,
  spreadUs: { float: Record<string, number>; int8: Record<string, number> } = { float: {}, int8: {} },
): LayerLatency[] {
  return Object.keys(floatUs)
    .filter((l) => int8Us[l] !== undefined)
    .map((layer) => {
      const float = { median: floatUs[layer], spread: spreadUs.float[layer] ?? 0 };
      const int8 = { median: int8Us[layer], spread: spreadUs.int8[layer] ?? 0 };
      const { verdict, noise } = compareTimes(int8, float, PROFILER_RESOLUTION_US);
      return { layer, floatUs: float.median, int8Us: int8.median, gainUs: float.median - int8.median, floatSpreadUs: float.spread, int8SpreadUs: int8.spread, noiseUs: noise, verdict };
    })
    .sort((a, b) => b.gainUs - a.gainUs);
}
