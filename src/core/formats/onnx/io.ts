import * as fs from 'node:fs';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, TensorProto_DataLocation, type ModelProto, type TensorProto } from './proto/onnx_pb';
import { decodeModelProto, encodeModelProto, encodeModelProtoChunks } from './codec';
import { OnnxFormatError } from './errors';
import { Model } from './model';
import { checkModelData } from './check';
import { readDeferringWeights } from './deferred-weights';
import { isExternal, tensorArray, tensorByteLength } from './tensor';
import { DataType } from '../../tensor/dtypes';
import { AtomicFile, atomicWrite } from '../../base/atomic-file';
import { readInputFile } from '../../base/input-file';
import { pushAll } from '../../base/arrays';

export interface LoadOptions {
  /**
   * Leave the main graph's large weights unread (deferred-weights.ts): the graph is there at once,
   * the weights are read when Model.loadWeights, tensorData or rawBytes first needs them.
   */
  deferWeights?: boolean;
}

/**
 * Reads and decodes an ONNX file (a regular file only, its size checked first) and checks its
 * tensors against their shapes (check.ts). Weights stay views into the file's buffer.
 */
export function loadModel(file: string, o: LoadOptions = {}): Model {
  const abs = path.resolve(file);
  const input = {
    what: 'model',
    limit: { bytes: PROTOBUF_LIMIT, why: "past protobuf's 2 GiB limit: not an ONNX file (large models keep their weights in external data files)" },
  };
  if (!o.deferWeights) {
    const bytes = readInputFile(abs, input);
    const model = new Model(decodeModelProto(bytes, abs), { file: abs, fileBytes: bytes.length });
    checkModelData(model);
    return model;
  }
  const { bytes, weights } = readDeferringWeights(abs, input);
  let proto: ModelProto | undefined;
  try {
    proto = decodeModelProto(bytes, abs);
  } catch {
    // Refused: read whole, for the error a plain read gives.
  }
  if (!proto || (weights && !weights.readAsRawData(mainGraphTensors(proto)))) {
    weights?.fill();
    proto = decodeModelProto(bytes, abs);
  }
  const model = new Model(proto, { file: abs, fileBytes: bytes.length, deferredWeights: weights?.complete ? undefined : weights });
  checkModelData(model);
  return model;
}

/** The tensors whose raw_data a deferred read may leave out: the main graph's initializers and its nodes' tensor attributes. */
function* mainGraphTensors(proto: ModelProto): Iterable<TensorProto> {
  if (!proto.graph) return;
  yield* proto.graph.initializer;
  for (const n of proto.graph.node) for (const a of n.attribute) if (a.t) yield a.t;
}

/** Protobuf messages cannot exceed 2 GiB; leave headroom for the graph itself. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
const INLINE_HEADROOM = 64 * 1024 * 1024;

/** Where `saveModel` puts a model's external data by default: `<out>.data` beside it. */
export function externalDataFile(out: string): string {
  return `${path.resolve(out)}.data`;
}

export interface SaveOptions {
  /**
   * 'inline': every tensor in the .onnx; 'external': tensors of at least `externalThreshold` bytes
   * go to `<out>.data` (or `externalLocation`); 'auto' (default): inline unless the model would
   * pass the 2 GiB protobuf limit, and keep weights external if the input had them external.
   */
  weights?: 'auto' | 'inline' | 'external';
  externalLocation?: string;
  externalThreshold?: number;
  /** Allow writing over an existing file. The input model is protected unless this is set. */
  overwrite?: boolean;
  /** Most weight bytes kept inline in 'auto' mode; defaults to the protobuf limit minus headroom. */
  maxInlineBytes?: number;
}

export interface SaveResult {
  file: string;
  bytes: number;
  externalFile?: string;
  externalBytes?: number;
  /** Why weights went external, when they did. */
  externalReason?: string;
}

/**
 * Writes the model atomically: the .onnx (and its external data file) are written to temporary
 * files in the destination folder and renamed into place, so a crash never leaves half a model.
 * The model passed in is left as it was.
 */
export function saveModel(model: Model, outFile: string, options: SaveOptions = {}): SaveResult {
  const out = path.resolve(outFile);
  model.loadWeights();
  const dir = path.dirname(out);
  if (!fs.existsSync(dir)) throw new OnnxFormatError(out, `the output folder '${dir}' does not exist`);
  if (!options.overwrite && fs.existsSync(out)) {
    throw new OnnxFormatError(out, 'already exists; choose another output path or allow overwriting');
  }
  const tensors = allInitializers(model);
  const weightBytes = tensors.reduce((s, t) => s + tensorByteLength(t), 0);
  const inlineLimit = options.maxInlineBytes ?? PROTOBUF_LIMIT - INLINE_HEADROOM;
  let mode = options.weights ?? 'auto';
  let externalReason = 'requested';
  if (mode === 'auto') {
    if (weightBytes > inlineLimit) {
      mode = 'external';
      externalReason = `the weights (${weightBytes} bytes) exceed protobuf's 2 GiB limit`;
    } else if (model.hasExternalData()) {
      mode = 'external';
      externalReason = 'the input model kept its weights external';
    } else mode = 'inline';
  }
  if (mode === 'inline' && weightBytes > PROTOBUF_LIMIT - INLINE_HEADROOM) {
    throw new OnnxFormatError(out, `cannot be written inline: its weights (${weightBytes} bytes) exceed protobuf's 2 GiB limit; use external data`);
  }
  const saved = new Snapshots();
  try {
    return mode === 'external'
      ? writeExternal(model, out, tensors, options, externalReason, saved)
      : writeInline(model, out, tensors, saved);
  } finally {
    saved.restore();
  }
}

/**
 * The model's protobuf with every weight inline (external data read in), for ORT sessions made
 * from memory; the model itself is left as it was. Over protobuf's 2 GiB it cannot be: refused.
 */
export function encodeWithWeightsInline(model: Model): Uint8Array {
  model.loadWeights();
  const tensors = allInitializers(model);
  const bytes = tensors.reduce((n, t) => n + tensorByteLength(t), 0);
  if (bytes > PROTOBUF_LIMIT - INLINE_HEADROOM) {
    throw new OnnxFormatError(model.label, `its weights (${bytes} bytes) exceed the 2 GiB a model held in memory can have; run it from its file`);
  }
  const saved = new Snapshots();
  try {
    readAllInline(model, tensors, saved);
    return encodeModelProto(model.proto);
  } finally {
    saved.restore();
  }
}

function allInitializers(model: Model): TensorProto[] {
  const out: TensorProto[] = [];
  for (const g of model.allGraphs()) pushAll(out, g.proto.initializer);
  return out;
}

/** Remembers where a tensor keeps its data, so saving can move it and put it back after. */
const DATA_FIELDS = ['dataLocation', 'externalData', 'rawData', 'floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data'] as const;

/** The data fields of the tensors a save changes (only those: a model has 100,000s of small ones). */
class Snapshots {
  private readonly saved: { rec: Record<string, unknown>; fields: { k: string; own: boolean; v: unknown }[] }[] = [];

  /** Call before changing where `t` keeps its data. */
  take(t: TensorProto): void {
    // Own-ness matters: proto2 writes a field that was set, even to its default value.
    const rec = t as unknown as Record<string, unknown>;
    this.saved.push({ rec, fields: DATA_FIELDS.map((k) => ({ k, own: Object.prototype.hasOwnProperty.call(rec, k), v: rec[k] })) });
  }

  restore(): void {
    for (const { rec, fields } of this.saved) {
      for (const { k, own, v } of fields) {
        if (own) rec[k] = v;
        else delete rec[k];
      }
    }
    this.saved.length = 0;
  }
}

/** Moves every external tensor's bytes into its raw_data (restored by `saved.restore()`). */
function readAllInline(model: Model, tensors: TensorProto[], saved: Snapshots): void {
  for (const t of tensors) if (isExternal(t)) setInline(t, model.rawBytes(t).subarray(0, tensorByteLength(t)), saved);
}

function setInline(t: TensorProto, bytes: Uint8Array, saved: Snapshots): void {
  saved.take(t);
  t.rawData = bytes;
  t.externalData = [];
  // Unset rather than DEFAULT, so a model that never named a location is written as it was.
  delete (t as unknown as Record<string, unknown>).dataLocation;
}

function writeInline(model: Model, out: string, tensors: TensorProto[], saved: Snapshots): SaveResult {
  readAllInline(model, tensors, saved);
  const chunks = encodeModelProtoChunks(model.proto);
  atomicWrite(out, chunks);
  return { file: out, bytes: chunks.reduce((n, c) => n + c.length, 0) };
}

/** The tensor's little-endian bytes, whichever field holds them; undefined for strings. */
function tensorBytes(model: Model, t: TensorProto): Uint8Array | undefined {
  if (t.dataType === DataType.string) return undefined;
  if (isExternal(t) || t.rawData.length > 0) return model.rawBytes(t).subarray(0, tensorByteLength(t));
  const data = tensorArray(t);
  if (Array.isArray(data)) return undefined;
  return new Uint8Array(data.buffer, data.byteOffset, Math.min(data.byteLength, tensorByteLength(t)));
}

function writeExternal(model: Model, out: string, tensors: TensorProto[], options: SaveOptions, reason: string, saved: Snapshots): SaveResult {
  const location = options.externalLocation ?? path.basename(externalDataFile(out));
  const dataFile = path.resolve(path.dirname(out), location);
  if (path.isAbsolute(location) || !dataFile.startsWith(path.dirname(out) + path.sep)) {
    throw new OnnxFormatError(out, `external data location '${location}' must stay inside the model's folder`);
  }
  if (!options.overwrite && fs.existsSync(dataFile)) throw new OnnxFormatError(dataFile, 'already exists; choose another output path');
  const threshold = options.externalThreshold ?? 1024;
  fs.mkdirSync(path.dirname(dataFile), { recursive: true });
  const data = new AtomicFile(dataFile);
  let modelFile: AtomicFile | undefined;
  try {
    let offset = 0;
    for (const t of tensors) {
      const length = tensorByteLength(t);
      const bytes = tensorBytes(model, t);
      if (!bytes || length < threshold) {
        if (isExternal(t)) setInline(t, model.rawBytes(t).subarray(0, length), saved);
        continue;
      }
      // Page-aligned offsets let runtimes mmap large tensors; small ones pack tighter.
      const align = length >= 4096 ? 4096 : 64;
      const pad = (align - (offset % align)) % align;
      if (pad) data.write(new Uint8Array(pad));
      offset += pad;
      data.write(bytes);
      saved.take(t);
      Object.assign(t, { rawData: new Uint8Array(0), floatData: [], int32Data: [], int64Data: [], doubleData: [], uint64Data: [] });
      t.dataLocation = TensorProto_DataLocation.EXTERNAL;
      t.externalData = [
        create(StringStringEntryProtoSchema, { key: 'location', value: location }),
        create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
        create(StringStringEntryProtoSchema, { key: 'length', value: String(length) }),
      ];
      offset += length;
    }
    const modelBytes = encodeModelProto(model.proto);
    modelFile = new AtomicFile(out);
    modelFile.write(modelBytes);
    data.commit();
    modelFile.commit();
    return { file: out, bytes: modelBytes.length, externalFile: dataFile, externalBytes: offset, externalReason: reason };
  } catch (e) {
    data.abort();
    modelFile?.abort();
    throw e;
  }
}
