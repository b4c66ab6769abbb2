import * as fs from 'node:fs';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, TensorProto_DataLocation, type TensorProto } from './proto/onnx_pb';
import { decodeModelProto, encodeModelProto } from './codec';
import { OnnxFormatError } from './errors';
import { Model } from './model';
import { isExternal, tensorByteLength } from './tensor';

/** Reads and decodes an ONNX file. Weights stay views into the file's buffer. */
export function loadModel(file: string): Model {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    const st = fs.statSync(abs);
    if (st.isDirectory()) throw new OnnxFormatError(abs, 'is a folder, not a model file');
    bytes = fs.readFileSync(abs);
  } catch (e) {
    if (e instanceof OnnxFormatError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new OnnxFormatError(abs, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(e)})`);
  }
  return new Model(decodeModelProto(bytes, abs), { file: abs, fileBytes: bytes.length });
}

/** Protobuf messages cannot exceed 2 GiB; leave headroom for the graph itself. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
const INLINE_HEADROOM = 64 * 1024 * 1024;

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
 */
export function saveModel(model: Model, outFile: string, options: SaveOptions = {}): SaveResult {
  const out = path.resolve(outFile);
  const dir = path.dirname(out);
  if (!fs.existsSync(dir)) throw new OnnxFormatError(out, `the output folder '${dir}' does not exist`);
  if (!options.overwrite && fs.existsSync(out)) {
    throw new OnnxFormatError(out, 'already exists; choose another output path or allow overwriting');
  }
  const tensors = allInitializers(model);
  const weightBytes = tensors.reduce((s, t) => s + tensorByteLength(t), 0);
  let mode = options.weights ?? 'auto';
  let externalReason: string | undefined;
  if (mode === 'auto') {
    if (weightBytes > PROTOBUF_LIMIT - INLINE_HEADROOM) {
      mode = 'external';
      externalReason = `the weights (${weightBytes} bytes) exceed protobuf's 2 GiB limit`;
    } else if (model.hasExternalData()) {
      mode = 'external';
      externalReason = 'the input model kept its weights external';
    } else mode = 'inline';
  } else if (mode === 'external') externalReason = 'requested';
  if (mode === 'inline' && weightBytes > PROTOBUF_LIMIT - INLINE_HEADROOM) {
    throw new OnnxFormatError(out, `cannot be written inline: its weights (${weightBytes} bytes) exceed protobuf's 2 GiB limit; use external data`);
  }
  return mode === 'external'
    ? writeExternal(model, out, tensors, options, externalReason!)
    : writeInline(model, out, tensors);
}

function allInitializers(model: Model): TensorProto[] {
  const out: TensorProto[] = [];
  for (const g of model.allGraphs()) out.push(...g.proto.initializer);
  return out;
}

function writeInline(model: Model, out: string, tensors: TensorProto[]): SaveResult {
  // Internalize into a shallow copy of each external tensor so the caller's model is unchanged.
  const restore: (() => void)[] = [];
  try {
    for (const t of tensors) {
      if (!isExternal(t)) continue;
      const bytes = model.rawBytes(t);
      const saved = { loc: t.dataLocation, ext: t.externalData, raw: t.rawData };
      t.rawData = bytes.subarray(0, tensorByteLength(t));
      t.externalData = [];
      t.dataLocation = TensorProto_DataLocation.DEFAULT;
      restore.push(() => { t.dataLocation = saved.loc; t.externalData = saved.ext; t.rawData = saved.raw; });
    }
    const bytes = encodeModelProto(model.proto);
    atomicWrite(out, [bytes]);
    return { file: out, bytes: bytes.length };
  } finally {
    for (const r of restore) r();
  }
}

function writeExternal(model: Model, out: string, tensors: TensorProto[], options: SaveOptions, reason: string): SaveResult {
  const location = options.externalLocation ?? `${path.basename(out)}.data`;
  const dataFile = path.resolve(path.dirname(out), location);
  if (path.dirname(dataFile) !== path.dirname(out) && !dataFile.startsWith(path.dirname(out) + path.sep)) {
    throw new OnnxFormatError(out, `external data location '${location}' must stay inside the model's folder`);
  }
  if (!options.overwrite && fs.existsSync(dataFile)) throw new OnnxFormatError(dataFile, 'already exists; choose another output path');
  const threshold = options.externalThreshold ?? 1024;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const restore: (() => void)[] = [];
  try {
    for (const t of tensors) {
      const external = isExternal(t);
      const hasRaw = external || t.rawData.length > 0;
      const length = tensorByteLength(t);
      if (!hasRaw || length < threshold) {
        if (external) {
          const saved = { loc: t.dataLocation, ext: t.externalData, raw: t.rawData };
          t.rawData = model.rawBytes(t).subarray(0, length);
          t.externalData = [];
          t.dataLocation = TensorProto_DataLocation.DEFAULT;
          restore.push(() => { t.dataLocation = saved.loc; t.externalData = saved.ext; t.rawData = saved.raw; });
        }
        continue;
      }
      // Page-aligned offsets let runtimes mmap large tensors; small ones pack tighter.
      const align = length >= 4096 ? 4096 : 64;
      const pad = (align - (offset % align)) % align;
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
      const bytes = model.rawBytes(t).subarray(0, length);
      chunks.push(bytes);
      const saved = { loc: t.dataLocation, ext: t.externalData, raw: t.rawData };
      t.rawData = new Uint8Array(0);
      t.dataLocation = TensorProto_DataLocation.EXTERNAL;
      t.externalData = [
        create(StringStringEntryProtoSchema, { key: 'location', value: location }),
        create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
        create(StringStringEntryProtoSchema, { key: 'length', value: String(length) }),
      ];
      restore.push(() => { t.dataLocation = saved.loc; t.externalData = saved.ext; t.rawData = saved.raw; });
      offset += length;
    }
    const modelBytes = encodeModelProto(model.proto);
    const dataTmp = atomicWrite(dataFile, chunks, { deferRename: true });
    try {
      atomicWrite(out, [modelBytes]);
    } catch (e) {
      fs.rmSync(dataTmp, { force: true });
      throw e;
    }
    fs.renameSync(dataTmp, dataFile);
    return { file: out, bytes: modelBytes.length, externalFile: dataFile, externalBytes: offset, externalReason: reason };
  } finally {
    for (const r of restore) r();
  }
}

/**
 * Writes chunks to a temporary file beside `file`, fsyncs, and renames it into place. With
 * `deferRename`, returns the temporary path for the caller to rename.
 */
export function atomicWrite(file: string, chunks: Uint8Array[], opts: { deferRename?: boolean } = {}): string {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx');
    for (const c of chunks) {
      let written = 0;
      while (written < c.length) written += fs.writeSync(fd, c, written, c.length - written);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (!opts.deferRename) fs.renameSync(tmp, file);
    return tmp;
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** The default output path next to the input: `model.onnx` + 'int8' -> `model.int8.onnx`. */
export function siblingPath(input: string, tag: string): string {
  const ext = path.extname(input);
  return path.join(path.dirname(input), `${path.basename(input, ext)}.${tag}${ext || '.onnx'}`);
}
