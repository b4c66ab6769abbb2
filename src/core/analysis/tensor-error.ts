/**
 * Per-tensor error of a quantized model against its float original: both run on the same inputs
 * with the matched intermediate tensors exposed as graph outputs, and SQNR, cosine and relative
 * error accumulated over all samples.
 */
import type { Model } from '../formats/onnx/model';
import { nodeIds } from '../formats/onnx/node-id';
import { ErrorSums } from './metrics';
import { combineObstacle, comparisonModelBytes, quantizedName, STATS_PER_TENSOR } from './compare-graph';
import { analysisSession, doubleData, floatData, type Feeds } from './ort-run';
import { createFetcher, type TensorFetch } from './packed-fetch';
import { CancelledError } from '../base/cancel';
import { elementCount } from '../formats/onnx/tensor';
import { DataType } from '../tensor/dtypes';
import type { SessionSettings } from '../runtime/session';
import type { OptLevel } from '../runtime/types';

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

export interface TensorErrorOptions extends SessionSettings {
  /**
   * Compute the sums inside one ORT session running both graphs (default: when the models can
   * share a graph and there are at most 256 pairs); else both models run with the tensors as
   * extra outputs.
   */
  inGraph?: boolean;
  /** Optimization level of the float reference session on the fetch path (default 'disabled'). */
  referenceOptLevel?: OptLevel;
  /** Bound on float elements fetched per run (default 64M); more tensors are fetched in groups. */
  maxElementsPerRun?: number;
  /**
   * Receives each batch's first graph output from both models, fetched in the same runs, so a
   * caller can score the models without running them again (not called when the quantized
   * model lacks that output).
   */
  onOutputs?: (batch: number, float: Float32Array, quant: Float32Array) => void;
  /** Checked between runs; an aborted signal ends the work with CancelledError. */
  signal?: AbortSignal;
  /** Runs done of the runs to do (each run is one batch through both models). */
  onProgress?: (done: number, total: number) => void;
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
  const pairs: { tensor: string; quant: string; read: QuantRead; layer: string; opType: string; order: number }[] = [];
  const order = new Map(g.topologicalOrder().map((n, i) => [n, i]));
  for (const [tensor, quant] of Object.entries(tensorMap)) {
    const producer = g.producer(tensor);
    if (!producer) continue; // graph inputs are not quantization error
    if (!quantValues.has(quant)) throw new Error(`the quantized model has no tensor '${quant}' (mapped from '${tensor}')`);
    pairs.push({ tensor, quant, read: quantRead(quantModel, quant), layer: idOf.get(producer)!, opType: producer.opType, order: order.get(producer)! });
  }
  pairs.sort((a, b) => a.order - b.order);
  const sums = pairs.map(() => new ErrorSums());
  const inGraph = (options.inGraph ?? pairs.length <= IN_GRAPH_MAX_PAIRS) && !combineObstacle(floatModel, quantModel);
  // Fetched tensors come in groups when one batch of all of them would exceed the bound.
  const perBatch = Math.max(1, maxBatchElements(batches) * tensorGrowth(floatModel));
  const groupSize = inGraph ? pairs.length : Math.max(1, Math.floor((options.maxElementsPerRun ?? 64 * 1024 * 1024) / perBatch));
  const total = batches.length * Math.ceil(pairs.length / groupSize);
  let done = 0;
  const step = () => {
    if (options.signal?.aborted) throw new CancelledError();
    if (done > 0) options.onProgress?.(done, total);
    done++;
  };
  if (inGraph) {
    await inGraphSums(floatModel, quantModel, pairs.map((p) => [p.tensor, p.quant]), batches, sums, { ...options, output: sharedOutput(floatModel, quantModel) }, step);
    options.onProgress?.(total, total);
    return results(pairs, sums);
  }
  // Both sessions stay open and see each batch in turn, so only one batch's tensors are held.
  for (let from = 0; from < pairs.length; from += groupSize) {
    const slice = pairs.slice(from, from + groupSize);
    const output = from === 0 && options.onOutputs ? sharedOutput(floatModel, quantModel) : undefined;
    const extra = output ? [{ name: output, type: 'float32' as const }] : [];
    // The reference runs unoptimized: it is the model as written, and with thousands of
    // exposed tensors ORT's optimizers took 9 s to create the session (1.3 s without them).
    const [f, q] = await Promise.all([
      createFetcher(floatModel, [...slice.map((p) => ({ name: p.tensor, type: 'float32' as const })), ...extra], { ...options, optLevel: options.referenceOptLevel ?? 'disabled' }),
      createFetcher(quantModel, [...slice.map((p) => ({ name: p.read.name, type: p.read.type })), ...extra], options),
    ]);
    try {
      for (let b = 0; b < batches.length; b++) {
        step();
        const ref = await f.run(batches[b]);
        const test = await q.run(batches[b]);
        if (output) options.onOutputs!(b, ref[slice.length] as Float32Array, test[slice.length] as Float32Array);
        for (let k = 0; k < slice.length; k++) {
          const table = slice[k].read.table;
          if (table) sums[from + k].addDequantized(ref[k] as Float32Array, test[k] as Uint8Array | Int8Array, table);
          else sums[from + k].add(ref[k], test[k]);
        }
      }
    } finally {
      await Promise.all([f.release(), q.release()]);
    }
  }
  options.onProgress?.(total, total);
  return results(pairs, sums);
}

interface QuantRead extends TensorFetch {
  /** Float value of each 8-bit code (index code + 128 for int8), when the 8-bit tensor is read. */
  table?: Float32Array;
}

/**
 * What to fetch for a quantized-model tensor. A per-tensor DequantizeLinear output is read as its
 * 8-bit input and dequantized here: exposing the float output would keep ONNX Runtime from fusing
 * the QDQ pattern (twice the run time), while its input is the fused kernel's own output.
 */
function quantRead(quantModel: Model, name: string): QuantRead {
  const float: QuantRead = { name, type: 'float32' };
  const g = quantModel.graph;
  const dq = g.producer(name);
  if (!dq || dq.opType !== 'DequantizeLinear' || (dq.domain !== '' && dq.domain !== 'ai.onnx') || dq.input.length < 3) return float;
  const scale = g.initializer(dq.input[1]), zp = g.initializer(dq.input[2]);
  if (!scale || !zp || elementCount(scale) !== 1 || elementCount(zp) !== 1 || scale.dataType !== DataType.float32) return float;
  const type = zp.dataType === DataType.uint8 ? 'uint8' : zp.dataType === DataType.int8 ? 'int8' : undefined;
  if (!type) return float;
  const s = Number(quantModel.tensorData(scale)[0]), z = Number(quantModel.tensorData(zp)[0]);
  const table = new Float32Array(256);
  const lo = type === 'int8' ? -128 : 0;
  for (let c = 0; c < 256; c++) table[c] = (c + lo - z) * s;
  return { name: dq.input[0], type, table };
}

function results(pairs: readonly { tensor: string; quant: string; layer: string; opType: string }[], sums: readonly ErrorSums[]): TensorError[] {
  return pairs.map((p, i) => ({
    tensor: p.tensor, quantTensor: p.quant, layer: p.layer, opType: p.opType,
    sqnrDb: sums[i].sqnrDb, cosine: sums[i].cosine, relativeError: sums[i].relativeError, maxAbsError: sums[i].maxAbsError,
  }));
}

/**
 * Above this many tensor pairs the comparison graph's ~9 extra nodes per pair cost more per run
 * than fetching the tensors (measured on a 100-layer transformer: 2,901 pairs, 2x the CPU time).
 */
const IN_GRAPH_MAX_PAIRS = 256;

/** The float model's first graph output when the quantized model has it too. */
function sharedOutput(floatModel: Model, quantModel: Model): string | undefined {
  const first = floatModel.graph.proto.output[0]?.name;
  const isInput = floatModel.graph.realInputs().some((i) => i.name === first);
  return !isInput && quantModel.graph.proto.output.some((o) => o.name === first) ? first : undefined;
}

/** One session running both graphs; each batch returns five sums per pair. */
async function inGraphSums(
  floatModel: Model, quantModel: Model, pairs: [string, string][], batches: readonly Feeds[], sums: ErrorSums[],
  options: TensorErrorOptions & { output?: string }, step: () => void,
): Promise<void> {
  const output = options.onOutputs ? options.output : undefined;
  const session = await analysisSession(comparisonModelBytes(floatModel, quantModel, pairs, output), options);
  const fetch = output ? ['ew_stats', output, quantizedName(output)] : ['ew_stats'];
  try {
    for (let b = 0; b < batches.length; b++) {
      step();
      const r = await session.run(batches[b], fetch);
      if (output) options.onOutputs!(b, floatData(r, output), floatData(r, quantizedName(output)));
      const stats = doubleData(r, 'ew_stats');
      for (let i = 0; i < pairs.length; i++) {
        const o = i * STATS_PER_TENSOR;
        sums[i].addSums(stats[o], stats[o + 1], stats[o + 2], stats[o + 3], stats[o + 4]);
      }
    }
  } finally {
    await session.release();
  }
}

function maxBatchElements(batches: readonly Feeds[]): number {
  return batches.reduce((m, b) => Math.max(m, Object.values(b).reduce((s, t) => s + t.size, 0)), 0);
}

/** Largest intermediate / input element ratio, from value_info shapes when present (else 16, typical of CNNs). */
function tensorGrowth(model: Model): number {
  const numel = (shape: (number | null)[]): number | null => (shape.every((d) => d !== null) ? shape.reduce((a: number, b) => a * b!, 1) : null);
  const shapeOf = (v: (typeof model.graph.proto.valueInfo)[number]): (number | null)[] | null => {
    const t = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    if (!t?.shape) return null;
    return t.shape.dim.slice(1).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : null));
  };
  const inputs = model.graph.realInputs().map(shapeOf).map((s) => (s ? numel(s) : null));
  const inSize = inputs.reduce<number>((a, b) => a + (b ?? 0), 0);
  if (!inSize || model.graph.proto.valueInfo.length === 0) return 16;
  let max = 1;
  for (const v of model.graph.proto.valueInfo) {
    const s = shapeOf(v);
    const n = s ? numel(s) : null;
    if (n) max = Math.max(max, n / inSize);
  }
  return max;
}
