import { clone } from '@bufbuild/protobuf';
import { ModelProtoSchema, type NodeProto, type TensorProto } from '../../onnx/proto/onnx_pb';
import { Model } from '../../onnx/model';
import { makeTensor } from '../../onnx/build';
import { DataType, dtypeName, type DType } from '../../tensor/dtypes';
import { constantBytes, constantFloats, resolveConstant, type ConstantValue } from './constants';
import { measureSize, type ModelSize } from './sizes';
import { PruneError, checkSparsity, type PruneProgress } from './common';

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

/**
 * Zeroes the smallest weights by |w| until the target share of each prunable tensor (per layer)
 * or of all of them together (global) is zero. Returns a new model; the input is not changed.
 */
export function magnitudePrune(model: Model, options: MagnitudeOptions): { model: Model; report: MagnitudeReport } {
  checkSparsity(options.sparsity);
  const scope = options.scope ?? 'global';
  const exclude = new Set(options.exclude ?? []);
  const out = new Model(clone(ModelProtoSchema, model.proto), model.source);
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

  const sizeBefore = options.measureSizes === false ? undefined : measureSize(model);
  const magnitudes = candidates.map((c) => absValues(constantFloats(out, c.weight)));
  const budgets = scope === 'global'
    ? globalBudgets(magnitudes, options.sparsity)
    : magnitudes.map((m) => kthSmallest(m, Math.round(options.sparsity * m.length)));

  const layers: MagnitudeLayer[] = [];
  candidates.forEach((c, i) => {
    if (options.signal?.aborted) throw new PruneError('cancelled');
    options.onProgress?.(`zeroing ${c.node.name || c.node.output[0]}`, i / candidates.length);
    const mags = magnitudes[i];
    const { threshold, atThreshold } = budgets[i];
    const zeroMask = new Uint8Array(mags.length);
    let zerosBefore = 0;
    let tiesLeft = atThreshold;
    for (let j = 0; j < mags.length; j++) {
      const m = mags[j];
      if (m === 0) zerosBefore++;
      if (m < threshold || (m === threshold && tiesLeft-- > 0)) zeroMask[j] = 1;
      else if (m === 0) zeroMask[j] = 1;
    }
    const replaced = zeroedCopy(out, c.weight, zeroMask);
    const zerosAfter = zeroMask.reduce((s, v) => s + v, 0);
    replaceData(c.weight.tensor, replaced);
    layers.push({
      node: c.node.name || c.node.output[0], opType: c.node.opType, weight: c.weight.tensor.name,
      params: mags.length, zerosBefore, zerosAfter, sparsity: zerosAfter / mags.length,
    });
  });
  out.graph.invalidate();
  const prunableParams = layers.reduce((s, l) => s + l.params, 0);
  const zeroParams = layers.reduce((s, l) => s + l.zerosAfter, 0);
  return {
    model: out,
    report: {
      method: 'magnitude', scope, targetSparsity: options.sparsity, layers, skipped, prunableParams, zeroParams,
      achievedSparsity: zeroParams / prunableParams, sizeBefore,
      sizeAfter: options.measureSizes === false ? undefined : measureSize(out),
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

/** The k-th smallest value (1-based) and how many ties at it to take; k = 0 zeroes nothing. */
function kthSmallest(values: Float32Array, k: number): Budget {
  if (k <= 0) return { threshold: 0, atThreshold: 0 };
  k = Math.min(k, values.length);
  const t = kthNonNegative(values, k);
  let below = 0;
  for (let i = 0; i < values.length; i++) if (values[i] < t) below++;
  return { threshold: t, atThreshold: k - below };
}

/**
 * Radix select: non-negative floats order like their bit patterns as unsigned ints, so two
 * 16-bit histogram passes find the k-th smallest in linear time (sorting 11M weights took 3 s).
 */
function kthNonNegative(values: Float32Array, k: number): number {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const hist = new Uint32Array(65536);
  for (let i = 0; i < bits.length; i++) hist[bits[i] >>> 16]++;
  let rank = k;
  let high = 0;
  while (rank > hist[high]) rank -= hist[high++];
  hist.fill(0);
  for (let i = 0; i < bits.length; i++) if (bits[i] >>> 16 === high) hist[bits[i] & 0xffff]++;
  let low = 0;
  while (rank > hist[low]) rank -= hist[low++];
  return new Float32Array(new Uint32Array([(high << 16 | low) >>> 0]).buffer)[0];
}

/** One threshold over all layers; the ties at it are shared out in layer order. */
function globalBudgets(mags: Float32Array[], sparsity: number): Budget[] {
  const total = mags.reduce((s, m) => s + m.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const m of mags) { all.set(m, o); o += m.length; }
  const { threshold, atThreshold } = kthSmallest(all, Math.round(sparsity * total));
  let ties = atThreshold;
  return mags.map((m) => {
    let here = 0;
    for (let i = 0; i < m.length; i++) if (m[i] === threshold) here++;
    const take = Math.min(here, ties);
    ties -= take;
    return { threshold, atThreshold: take };
  });
}

/** A copy of the weight with masked elements set to zero, in the weight's own data type. */
function zeroedCopy(model: Model, w: ConstantValue, mask: Uint8Array): TensorProto {
  const bytes = constantBytes(model, w.tensor).slice();
  const width = bytes.length / mask.length;
  for (let i = 0; i < mask.length; i++) if (mask[i]) bytes.fill(0, i * width, (i + 1) * width);
  return makeTensor(w.tensor.name, dtypeName(w.tensor.dataType) as DType, w.dims, bytes);
}

/** Puts the new data where the original lived: the initializer itself or the Constant's value. */
function replaceData(w: TensorProto, t: TensorProto): void {
  w.rawData = t.rawData;
  w.floatData = [];
  w.doubleData = [];
  w.int32Data = [];
  w.externalData = [];
  w.dataLocation = t.dataLocation;
}
