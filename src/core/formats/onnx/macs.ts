/**
 * Multiply-accumulates of the ops that carry a model's compute (Conv, ConvTranspose, MatMul,
 * Gemm), per node and in total: what `inspect` sums, the graph view shows per node (ViewNode.macs)
 * and a MACs overlay colours. A symbolic dimension (batch, sequence) counts as 1, so the figures
 * are per sample. A PyTorch export computes its reshapes from the input's shape (Shape -> Gather
 * -> Concat -> Reshape): with a symbolic batch those shapes are unknown, so the shapes are worked
 * out again with every symbolic input dim set to 1, and the result says so (`note`).
 */
import type { Graph, Model } from './model';
import { attrInt } from './model';
import type { NodeProto } from './proto/onnx_pb';
import { nodeIds } from './node-id';
import { inferShapes } from './shapes';
import { UNKNOWN_DIM, type ValueType } from './value-type';
import { valueRecord, type Dim } from '../../graph/types';

export interface MacsCount {
  /** The sum over every counted node; null when some node's shapes stay unknown (a partial sum would pass for the whole). */
  total: number | null;
  /** MACs of each counted node of the main graph, keyed by ViewNode.id; nodes with unknown shapes are absent. */
  byNode: Record<string, number>;
  /** The same by node index (a hole where byNode has no entry): the view reads it without a lookup by id per node. */
  byIndex: (number | undefined)[];
  /** Conv/ConvTranspose/MatMul/Gemm nodes whose shapes are unknown. */
  unknownNodes: number;
  /** How the figures were obtained when the inputs have symbolic dims ('per sample: N taken as 1'). */
  note?: string;
}

/** The main graph's inferred types, MACs and node ids, worked out once per opened model (reader.ts) for its view and summary. */
export interface MainGraphShapes {
  types: Map<string, ValueType>;
  macs: MacsCount;
  /** nodeIds of the main graph's nodes. */
  ids?: string[];
}

/** The MACs of `model`'s main graph; `types` and `ids` (its nodeIds) when the caller has them already. */
export function modelMacs(model: Model, types: Map<string, ValueType> = inferShapes(model), ids = nodeIds(model.graph.nodes)): MacsCount {
  const g = model.graph;
  const symbols = [...new Set(g.realInputs().flatMap((v) => types.get(v.name)?.shape?.filter((d): d is string => typeof d === 'string' && d !== UNKNOWN_DIM) ?? []))];
  let count = countMacs(g, types);
  let fixed = false;
  if (count.unknownNodes > 0 && symbols.length > 0) {
    // The export's shape arithmetic works out once the symbols have a size.
    const concrete = countMacs(g, inferShapes(model, g, new Map(), 1));
    if (concrete.unknownNodes < count.unknownNodes) { count = concrete; fixed = true; }
  }
  const note = symbols.length === 0 ? undefined
    : `per sample: the inputs' symbolic dims (${symbols.join(', ')}) counted as 1${fixed ? ', and the shapes worked out with them set to 1' : ''}`;
  const { byIndex } = count;
  let byNode: Record<string, number> | undefined;
  return {
    total: count.unknownNodes === 0 ? count.total : null,
    // Keyed by id when first asked for (the MACs overlay): opening the view reads byIndex only.
    get byNode() {
      if (!byNode) {
        byNode = valueRecord<number>();
        for (let i = 0; i < byIndex.length; i++) if (byIndex[i] !== undefined) byNode[ids[i]] = byIndex[i]!;
      }
      return byNode;
    },
    byIndex,
    unknownNodes: count.unknownNodes,
    ...(note ? { note } : {}),
  };
}

function countMacs(g: Graph, types: Map<string, ValueType>): { total: number; byIndex: (number | undefined)[]; unknownNodes: number } {
  const byIndex = new Array<number | undefined>(g.nodes.length);
  let total = 0;
  let unknownNodes = 0;
  g.nodes.forEach((node, i) => {
    if (!MAC_OPS.has(node.opType) || (node.domain !== '' && node.domain !== 'ai.onnx')) return;
    const m = nodeMacs(node, (name) => types.get(name)?.shape ?? null);
    if (m === undefined) unknownNodes++;
    else { byIndex[i] = m; total += m; }
  });
  return { total, byIndex, unknownNodes };
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
