/**
 * Per-tensor error of a quantized model against its float original: both run on the same inputs
 * with the matched intermediate tensors exposed as graph outputs, and SQNR, cosine and relative
 * error accumulated over all samples.
 */
import type { Model } from '../onnx/model';
import { nodeIds } from '../graph/node-id';
import { ErrorSums } from './metrics';
import { bytesWithOutputs, floatData, runBatches, type Feeds, type RunOptions } from './ort-run';

export interface TensorError {
  /** Tensor name in the float model. */
  tensor: string;
  /** The tensor carrying the same value in the quantized model. */
  quantTensor: string;
  /** ViewNode.id of the float node that produces the tensor (the layer it belongs to). */
  layer: string;
  opType: string;
  sqnrDb: number;
  cosine: number;
  relativeError: number;
  maxAbsError: number;
}

export interface TensorErrorOptions extends RunOptions {
  /** Bound on float elements fetched per batch per model; batches stay as given (default 64M). */
  maxElementsPerRun?: number;
}

/** Compares every mapped float tensor; results follow the float graph's topological order. */
export async function tensorErrors(
  floatModel: Model, quantModel: Model, tensorMap: Record<string, string>, batches: readonly Feeds[],
  options: TensorErrorOptions = {},
): Promise<TensorError[]> {
  const g = floatModel.graph;
  const ids = nodeIds(g.nodes);
  const idOf = new Map(g.nodes.map((n, i) => [n, ids[i]]));
  const quantValues = new Set<string>();
  for (const n of quantModel.graph.nodes) for (const o of n.output) quantValues.add(o);
  for (const i of quantModel.graph.proto.input) quantValues.add(i.name);
  const pairs: { tensor: string; quant: string; layer: string; opType: string; order: number }[] = [];
  const order = new Map(g.topologicalOrder().map((n, i) => [n, i]));
  for (const [tensor, quant] of Object.entries(tensorMap)) {
    const producer = g.producer(tensor);
    if (!producer) continue; // graph inputs are not quantization error
    if (!quantValues.has(quant)) throw new Error(`the quantized model has no tensor '${quant}' (mapped from '${tensor}')`);
    pairs.push({ tensor, quant, layer: idOf.get(producer)!, opType: producer.opType, order: order.get(producer)! });
  }
  pairs.sort((a, b) => a.order - b.order);
  const sums = pairs.map(() => new ErrorSums());
  // Float tensors per batch are kept until the quantized run of the same batch consumes them;
  // groups of tensors bound the memory that takes.
  const groups = groupPairs(pairs.length, batches, options.maxElementsPerRun ?? 64 * 1024 * 1024, floatModel);
  for (const [from, to] of groups) {
    const slice = pairs.slice(from, to);
    const floatNames = slice.map((p) => p.tensor);
    const quantNames = slice.map((p) => p.quant);
    const reference: Float32Array[][] = [];
    await runBatches(bytesWithOutputs(floatModel, floatNames), batches, floatNames,
      (b, r) => { reference[b] = floatNames.map((n) => floatData(r, n)); }, options);
    await runBatches(bytesWithOutputs(quantModel, quantNames), batches, quantNames, (b, r) => {
      quantNames.forEach((n, k) => sums[from + k].add(reference[b][k], floatData(r, n)));
      reference[b] = [];
    }, options);
  }
  return pairs.map((p, i) => ({
    tensor: p.tensor, quantTensor: p.quant, layer: p.layer, opType: p.opType,
    sqnrDb: sums[i].sqnrDb, cosine: sums[i].cosine, relativeError: sums[i].relativeError, maxAbsError: sums[i].maxAbsError,
  }));
}

/**
 * Ranges of tensor indices fetched together. Without shapes we assume the worst case of every
 * tensor being as large as the model input times 64, which keeps typical CNNs in one group.
 */
function groupPairs(count: number, batches: readonly Feeds[], budget: number, model: Model): [number, number][] {
  const inputElements = batches.reduce((a, b) => a + Object.values(b).reduce((s, t) => s + t.size, 0), 0);
  const perTensor = Math.max(1, inputElements * tensorGrowth(model));
  const size = Math.max(1, Math.floor(budget / perTensor));
  const out: [number, number][] = [];
  for (let i = 0; i < count; i += size) out.push([i, Math.min(count, i + size)]);
  return out;
}

/** Largest intermediate / input element ratio, from value_info shapes when present (else 64). */
function tensorGrowth(model: Model): number {
  const numel = (shape: (number | null)[]): number | null => (shape.every((d) => d !== null) ? shape.reduce((a: number, b) => a * b!, 1) : null);
  const shapeOf = (v: (typeof model.graph.proto.valueInfo)[number]): (number | null)[] | null => {
    const t = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    if (!t?.shape) return null;
    return t.shape.dim.slice(1).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : null));
  };
  const inputs = model.graph.realInputs().map(shapeOf).map((s) => (s ? numel(s) : null));
  const inSize = inputs.reduce<number>((a, b) => a + (b ?? 0), 0);
  if (!inSize || model.graph.proto.valueInfo.length === 0) return 64;
  let max = 1;
  for (const v of model.graph.proto.valueInfo) {
    const s = shapeOf(v);
    const n = s ? numel(s) : null;
    if (n) max = Math.max(max, n / inSize);
  }
  return max;
}
