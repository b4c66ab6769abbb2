/**
 * `edgewise fl aggregate`: one round of federated averaging offline. The clients' models (or
 * Edgewise delta files) are read one at a time and folded into the running sum, so memory holds
 * the base, the sum and one client whatever their number.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, saveModel } from '../formats/onnx/io';
import type { Model } from '../formats/onnx/model';
import { DeltaAggregator, type DeltaReceipt } from '../../fl/aggregate';
import { decodeDelta, decodeDeltaHeader, deltaByteLength, DELTA_HEADER_BYTES, type DeltaTensor } from '../../fl/delta';
import { InputFile } from '../base/input-file';
import type { PrivacyOptions } from '../../fl/dp';
import { privacySpent } from '../../fl/rdp';
import { checkFixedInitializers, FederationError, modelWeights, weightShapes, withWeights, type Weights } from '../../fl/weights';
import { OUTPUT_TAGS, resolveOutput, throwIfCancelled, type JobHooks, type OutputOptions } from './job';

export interface ClientUpdate {
  /** The client's fine-tuned model (.onnx) or its delta file (Edgewise delta format). */
  file: string;
  /** Training samples behind it (n_k); a delta file carries its own when this is omitted. */
  samples?: number;
}

export interface FlAggregateJobOptions extends OutputOptions, JobHooks {
  clients: ClientUpdate[];
  /** Server learning rate (default 1). */
  serverLr?: number;
  privacy?: PrivacyOptions;
  /** Clients the round was sampled from, for the privacy figure (default: the clients given, q = 1). */
  population?: number;
}

export interface FlAggregateJobResult {
  base: string;
  output: string;
  clients: (DeltaReceipt & { file: string })[];
  samples: number;
  updateNorm: number;
  noiseStd: number;
  /** Privacy spent by this one round at the target delta. */
  epsilon?: number;
}

export async function runFlAggregateJob(baseFile: string, o: FlAggregateJobOptions): Promise<FlAggregateJobResult> {
  const base = path.resolve(baseFile);
  if (!o.clients.length) throw new FederationError('give at least one client model (FILE:SAMPLES)');
  for (const c of o.clients) {
    if (c.samples !== undefined && !(Number.isInteger(c.samples) && c.samples > 0)) throw new FederationError(`${c.file}: the sample count must be a positive integer, got ${c.samples}`);
    if (!fs.existsSync(c.file)) throw new FederationError(`${c.file}: no such file`);
  }
  const output = resolveOutput(base, { tag: OUTPUT_TAGS.flAggregate, out: o.out, force: o.force });
  const model = loadModel(base);
  const weights = modelWeights(model);
  if (!weights.length) throw new FederationError(`${base}: has no float32 initializers to average`);
  const agg = new DeltaAggregator(weights, { serverLr: o.serverLr, privacy: o.privacy });
  const receipts: FlAggregateJobResult['clients'] = [];
  for (const [k, c] of o.clients.entries()) {
    throwIfCancelled(o.signal);
    o.progress?.(`client ${k + 1} of ${o.clients.length}: ${path.basename(c.file)}`, k / o.clients.length);
    const { tensors, samples } = readUpdate(model, weights, c);
    try {
      receipts.push({ file: path.resolve(c.file), ...agg.add(tensors, samples) });
    } catch (e) {
      throw e instanceof FederationError ? new FederationError(`${c.file}: ${e.message}`) : e;
    }
  }
  const r = agg.finish();
  throwIfCancelled(o.signal);
  saveModel(withWeights(model, r.weights), output, { overwrite: o.force });
  const epsilon = o.privacy && o.privacy.noiseMultiplier > 0
    ? privacySpent(o.clients.length / Math.max(o.population ?? o.clients.length, o.clients.length), o.privacy.noiseMultiplier, 1, o.privacy.delta ?? 1e-5).epsilon
    : undefined;
  return { base, output, clients: receipts, samples: r.samples, updateNorm: r.updateNorm, noiseStd: r.noiseStd, epsilon };
}

/**
 * The bytes of a delta file, or undefined when the file is not one (a model). A regular file only,
 * and no larger than a delta of this model in the encoding its header names: checked before reading.
 */
function readDeltaFile(file: string, weights: Weights): Buffer | undefined {
  const f = InputFile.open(file, { what: 'client model or delta' });
  try {
    const head = f.read(0, Math.min(f.size, DELTA_HEADER_BYTES));
    if (head.subarray(0, 4).toString('latin1') !== 'EWFD') return undefined;
    const need = deltaByteLength(weightShapes(weights), decodeDeltaHeader(head).encoding);
    if (f.size > need) throw new FederationError(`is ${f.size} bytes, larger than a delta of this model (${need} bytes)`);
    return f.read(0, f.size);
  } catch (e) {
    throw e instanceof FederationError ? new FederationError(`${file}: ${e.message}`) : e;
  } finally {
    f.close();
  }
}

/** A client's delta against the base: from its model (w_k - w) or decoded from its delta file. */
function readUpdate(base: Model, weights: Weights, c: ClientUpdate): { tensors: DeltaTensor[]; samples: number } {
  const delta = readDeltaFile(c.file, weights);
  if (delta) {
    let d: ReturnType<typeof decodeDelta>;
    try {
      d = decodeDelta(delta, weightShapes(weights));
    } catch (e) {
      throw e instanceof FederationError ? new FederationError(`${c.file}: ${e.message}`) : e;
    }
    if (d.encoding === 'ring64') throw new FederationError(`${c.file}: is a masked (secure aggregation) delta; only the server can sum those`);
    return { tensors: d.tensors, samples: c.samples ?? d.samples };
  }
  if (c.samples === undefined) throw new FederationError(`${c.file}: say how many samples it trained on (${c.file}:N)`);
  const client = loadModel(c.file);
  checkFixedInitializers(base, client, c.file);
  const mine = new Map(modelWeights(client).map((t) => [t.name, t.values]));
  const tensors = weights.map((w) => {
    const v = mine.get(w.name)!;
    const d = new Float32Array(v.length);
    for (let i = 0; i < d.length; i++) d[i] = v[i] - w.values[i];
    return { name: w.name, dims: w.dims, values: d };
  });
  return { tensors, samples: c.samples };
}
