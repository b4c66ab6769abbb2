import type { GraphProto, NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import type { Model } from '../../formats/onnx/model';
import { forkModel } from '../common';
import { makeTensor } from '../../formats/onnx/build';
import { DataType, dtypeName, type DType } from '../../tensor/dtypes';
import { constantBytes, constantFloats, resolveConstant, type ConstantValue } from './constants';
import { withSizes, withSizesAsync, type ModelSize } from './sizes';
import { PruneError, checkSparsity, runSteps, runStepsAsync, type PruneProgress, type Steps } from './common';

export interface MagnitudeOptions {
  /** Share of each prunable weight tensor's elements to zero, in (0, 1). */
  sparsity: number;
  /** 'global' ranks all prunable weights together; 'per-layer' gives every layer the same sparsity. */
  scope?: 'global' | 'per-layer';
  /** Leave the first and last prunable layers (in graph order) dense. Default true. */
  skipFirstLast?: boolean;
  /** Node names to leave alone. */
  exclude?: string[];
  /** Measure file and gzip sizes before and after (encodes the model twice). Default true. */
  measureSizes?: boolean;
  onProgress?: PruneProgress;
  signal?: AbortSignal;
}

export interface MagnitudeLayer {
  node: string;
  opType: string;
  weight: string;
  params: number;
  zerosBefore: number;
  zerosAfter: number;
  /** zerosAfter / params. */
  sparsity: number;
}

export interface SkippedLayer {
  node: string;
  opType: string;
  weight?: string;
  reason: string;
}

export interface MagnitudeReport {
  method: 'magnitude';
  scope: 'global' | 'per-layer';
  targetSparsity: number;
  layers: MagnitudeLayer[];
  skipped: SkippedLayer[];
  /** Elements of the pruned weight tensors. */
  prunableParams: number;
  zeroParams: number;
  /** zeroParams / prunableParams. */
  achievedSparsity: number;
  sizeBefore?: ModelSize;
  sizeAfter?: ModelSize;
  /** What the user buys with zeros, said plainly. */
  note: string;
}

export const MAGNITUDE_NOTE =
  'Unstructured sparsity: the zeros make the file compress better (see the gzip size), but the tensors keep their shapes, ' +
  'so the model runs no faster and uses no less memory on stock CPU runtimes such as ONNX Runtime. ' +
  'Use channel pruning to make the model itself smaller and faster.';

interface Candidate {
  node: NodeProto;
  inputIndex: number;
  weight: ConstantValue;
}

/** Ops whose weight input (index 1, or 0 for a MatMul with a constant left side) can hold zeros. */
const WEIGHT_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

type Result = { model: Model; report: MagnitudeReport };

/**
 * Zeroes the smallest weights by |w| until the target share of each prunable tensor (per layer)
 * or of all of them together (global) is zero. Returns a new model; the input is not changed.
 */
export function magnitudePrune(model: Model, options: MagnitudeOptions): Result {
  return withSizes(model, runSteps(magnitudeSteps(model, options), options.signal), options.measureSizes !== false);
}

/** magnitudePrune that yields to the event loop as it goes (cancellable within ~50 ms per layer). */
export async function magnitudePruneAsync(model: Model, options: MagnitudeOptions): Promise<Result> {
  return withSizesAsync(model, await runStepsAsync(magnitudeSteps(model, options), options.signal), options.measureSizes !== false);
}

function* magnitudeSteps(model: Model, options: MagnitudeOptions): Steps<Result> {
  checkSparsity(options.sparsity);
  const scope = options.scope ?? 'global';
  const exclude = new Set(options.exclude ?? []);
  const out = forkModel(model);
  const graph = out.graph;
  const skipped: SkippedLayer[] = [];
  const found: Candidate[] = [];
  const seen = new Set<TensorProto>();
  for (const node of graph.topologicalOrder()) {
    if (node.domain !== '' || !WEIGHT_OPS.has(node.opType)) continue;
    const name = node.name || node.output[0];
    let inputIndex = 1;
    let weight = resolveConstant(graph, node.input[1] ?? '');
    if (!weight && node.opType === 'MatMul') { inputIndex = 0; weight = resolveConstant(graph, node.input[0]); }
    if (!weight) { skipped.push({ node: name, opType: node.opType, reason: 'its weight is computed at run time, not stored' }); continue; }
    const code = weight.tensor.dataType;
    if (code !== DataType.float32 && code !== DataType.float16 && code !== DataType.float64 && code !== DataType.bfloat16) {
      skipped.push({ node: name, opType: node.opType, weight: weight.tensor.name, reason: `weight is ${dtypeName(code)} (already quantized?), not float` });
      continue;
    }
    if (seen.has(weight.tensor)) { skipped.push({ node: name, opType: node.opType, weight: weight.tensor.name, reason: 'shares its weight with an earlier layer (pruned there)' }); continue; }
    seen.add(weight.tensor);
    found.push({ node, inputIndex, weight });
  }
  if (found.length === 0) throw new PruneError(`${model.label}: nothing to prune: no Conv, ConvTranspose, Gemm or MatMul with a stored float weight`);
  const skipFirstLast = options.skipFirstLast ?? true;
  const candidates = found.filter((c, i) => {
    const name = c.node.name || c.node.output[0];
    const base = { node: name, opType: c.node.opType, weight: c.weight.tensor.name };
    if (exclude.has(name)) { skipped.push({ ...base, reason: 'excluded by request' }); return false; }
    if (skipFirstLast && found.length > 2 && (i === 0 || i === found.length - 1)) {
      skipped.push({ ...base, reason: i === 0 ? 'first layer (kept dense by default)' : 'last layer (kept dense by default)' });
      return false;
    }
    return true;
  });
  if (candidates.length === 0) throw new PruneError(`${model.label}: nothing to prune: every weighted layer is excluded or is the first or last layer`);

  const magnitudes: Float32Array[] = [];
  for (const c of candidates) {
    magnitudes.push(absValues(constantFloats(out, c.weight)));
    yield;
  }
  const total = magnitudes.reduce((n, m) => n + m.length, 0);
  const budgets: Budget[] = [];
  if (scope === 'global') budgets.push(...yield* selectBudgets(magnitudes, Math.round(options.sparsity * total)));
  else for (const m of magnitudes) budgets.push(...yield* selectBudgets([m], Math.round(options.sparsity * m.length)));

  const layers: MagnitudeLayer[] = [];
  for (const [i, c] of candidates.entries()) {
    options.onProgress?.(`zeroing ${c.node.name || c.node.output[0]}`, i / candidates.length, { stage: 'zeroing weights', done: i, total: candidates.length, unit: 'layers' });
    yield;
    const mags = magnitudes[i];
    const { threshold, atThreshold } = budgets[i];
    const zeroMask = new Uint8Array(mags.length);
    let zerosBefore = 0;
    let zerosAfter = 0;
    let tiesLeft = atThreshold;
    for (let j = 0; j < mags.length; j++) {
      const m = mags[j];
      if (m === 0) zerosBefore++;
      let zero = m < threshold || m === 0;
      if (!zero && m === threshold && tiesLeft > 0) { zero = true; tiesLeft--; }
      if (zero) { zeroMask[j] = 1; zerosAfter++; }
    }
    replaceData(out.proto.graph!, c.weight.tensor, zeroedCopy(out, c.weight, zeroMask));
    layers.push({
      node: c.node.name || c.node.output[0], opType: c.node.opType, weight: c.weight.tensor.name,
      params: mags.length, zerosBefore, zerosAfter, sparsity: zerosAfter / mags.length,
    });
  }
  out.graph.invalidate();
  const prunableParams = layers.reduce((s, l) => s + l.params, 0);
  const zeroParams = layers.reduce((s, l) => s + l.zerosAfter, 0);
  return {
    model: out,
    report: {
      method: 'magnitude', scope, targetSparsity: options.sparsity, layers, skipped, prunableParams, zeroParams,
      achievedSparsity: zeroParams / prunableParams,
      note: MAGNITUDE_NOTE,
    },
  };
}

function absValues(w: Float32Array): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.abs(w[i]);
  return out;
}

interface Budget {
  /** Elements with |w| below this are zeroed... */
  threshold: number;
  /** ...and this many of those exactly at it (first in storage order), so the count is exact. */
  atThreshold: number;
}

/**
 * Radix select over several arrays at once: non-negative floats order like their bit patterns as
 * unsigned ints, so two 16-bit histogram passes find the k-th smallest (1-based) in linear time
 * (sorting 11M weights took 3 s). Yields after each array. Ties at the threshold are shared out
 * in array order so exactly k elements are taken; k = 0 takes nothing.
 */
function* selectBudgets(arrays: Float32Array[], k: number): Steps<Budget[]> {
  if (k <= 0) return arrays.map(() => ({ threshold: 0, atThreshold: 0 }));
  const hist = new Uint32Array(65536);
  for (const a of arrays) {
    const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
    for (let i = 0; i < bits.length; i++) hist[bits[i] >>> 16]++;
    yield;
  }
  let rank = k;
  let high = 0;
  while (rank > hist[high]) rank -= hist[high++];
  hist.fill(0);
  for (const a of arrays) {
    const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
    for (let i = 0; i < bits.length; i++) if (bits[i] >>> 16 === high) hist[bits[i] & 0xffff]++;
    yield;
  }
  let low = 0;
  while (rank > hist[low]) rank -= hist[low++];
  const threshold = new Float32Array(new Uint32Array([(high << 16 | low) >>> 0]).buffer)[0];
  // rank is now how many of the elements equal to the threshold the k smallest include.
  let ties = rank;
  const out: Budget[] = [];
  for (const a of arrays) {
    let here = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === threshold) here++;
    const take = Math.min(here, ties);
    ties -= take;
    out.push({ threshold, atThreshold: take });
  }
  return out;
}

/** A copy of the weight with masked elements set to zero, in the weight's own data type. */
function zeroedCopy(model: Model, w: ConstantValue, mask: Uint8Array): TensorProto {
  const bytes = constantBytes(model, w.tensor).slice();
  const width = bytes.length / mask.length;
  const view = width === 8 ? new Float64Array(bytes.buffer) : width === 4 ? new Uint32Array(bytes.buffer) : new Uint16Array(bytes.buffer);
  for (let i = 0; i < mask.length; i++) if (mask[i]) view[i] = 0;
  return makeTensor(w.tensor.name, dtypeName(w.tensor.dataType) as DType, w.dims, bytes);
}

/**
 * Puts the new data where the original lived: a new initializer in its place (the old one is the
 * input model's, shared by forkModel), or the Constant node's own copy of its value.
 */
function replaceData(g: GraphProto, w: TensorProto, t: TensorProto): void {
  const i = g.initializer.indexOf(w);
  if (i >= 0) {
    g.initializer[i] = t;
    return;
  }
  w.rawData = t.rawData;
  w.floatData = [];
  w.doubleData = [];
  w.int32Data = [];
  w.externalData = [];
  w.dataLocation = t.dataLocation;
}
