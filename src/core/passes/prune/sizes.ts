import { gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { encodeModelProto } from '../../formats/onnx/codec';
import type { Model } from '../../formats/onnx/model';
import { isExternal } from '../../formats/onnx/tensor';

/** How big a model is on disk, and how well it compresses. */
export interface ModelSize {
  /** Serialized bytes (the .onnx plus any external weights). */
  bytes: number;
  /** gzip (level 6) of the same bytes: what a download or an app bundle costs. */
  gzipBytes: number;
}

/** Measures the serialized model; external weights count as if stored inline. */
export function measureSize(model: Model): ModelSize {
  const all = serialized(model);
  return { bytes: all.length, gzipBytes: gzipSync(all).length };
}

function serialized(model: Model): Uint8Array {
  const chunks: Uint8Array[] = [encodeModelProto(model.proto)];
  for (const g of model.allGraphs()) {
    for (const t of g.proto.initializer) if (isExternal(t)) chunks.push(model.rawBytes(t));
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

const gzipAsync = promisify(gzip);

/** measureSize with gzip on libuv's thread pool, so the event loop stays free. */
export async function measureSizeAsync(model: Model): Promise<ModelSize> {
  const all = serialized(model);
  return { bytes: all.length, gzipBytes: (await gzipAsync(all)).length };
}

type SizedResult = { model: Model; report: { sizeBefore?: ModelSize; sizeAfter?: ModelSize } };

/** Records the input's and the pruned model's sizes in the report, unless `measure` is false. */
export function withSizes<R extends SizedResult>(input: Model, r: R, measure = true): R {
  if (measure) { r.report.sizeBefore = measureSize(input); r.report.sizeAfter = measureSize(r.model); }
  return r;
}

/** withSizes with gzip off the event loop. */
export async function withSizesAsync<R extends SizedResult>(input: Model, r: R, measure = true): Promise<R> {
  if (measure) { r.report.sizeBefore = await measureSizeAsync(input); r.report.sizeAfter = await measureSizeAsync(r.model); }
  return r;
}
