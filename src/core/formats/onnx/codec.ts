import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProtoSchema, type ModelProto, type TensorProto } from './proto/onnx_pb';
import { OnnxFormatError } from './errors';
import { adoptPackedFields, forEachTensor, packedSchemas, PackedBytesExposure } from './packed';
import { decodeProblem } from '../../base/protobuf-wire';
import { concatChunks, encodeModelChunks } from './encode-chunks';
import { decodeModelFast } from './fast-decode';

/**
 * Decodes an ONNX file. `raw_data` fields stay views into `bytes` (no copy), so the caller must
 * not reuse the buffer while the model is alive. `float_data`/`double_data` become
 * Float32Array/Float64Array (views too where aligned, else one copy). Unknown fields are kept
 * and written back.
 */
export function decodeModelProto(bytes: Uint8Array, file = '<buffer>'): ModelProto {
  if (bytes.length === 0) throw new OnnxFormatError(file, 'the file is empty');
  sniffNotOnnx(bytes, file);
  const proto = decodeModelFast(bytes) ?? decodeModelGeneric(bytes, file);
  if (!proto.graph && proto.functions.length === 0 && proto.opsetImport.length === 0) {
    throw new OnnxFormatError(file, 'no graph, no functions and no opset imports: this is not an ONNX model');
  }
  return proto;
}

/** protobuf-es's reflective reader: the reference the fast reader matches, and its fallback. */
export function decodeModelGeneric(bytes: Uint8Array, file = '<buffer>'): ModelProto {
  try {
    const proto = fromBinary(packedSchemas().decode, bytes, { readUnknownFields: true }) as ModelProto;
    forEachTensor(proto, adoptPackedFields);
    return proto;
  } catch (e) {
    throw new OnnxFormatError(file, decodeProblem(bytes, ModelProtoSchema, 'ONNX model', e));
  }
}

export function encodeModelProto(proto: ModelProto): Uint8Array {
  return concatChunks(encodeModelProtoChunks(proto));
}

/**
 * The encoded model as chunks whose concatenation is the file; large weights are the tensors'
 * own bytes (no copy), so a writer can stream them straight to disk.
 */
export function encodeModelProtoChunks(proto: ModelProto, bigFieldBytes?: number, streamNodes?: number): Uint8Array[] {
  return withPackedBytes(proto, () => encodeModelChunks(proto, bigFieldBytes, streamNodes));
}

/** A standalone TensorProto (the `input_0.pb` files of ONNX test data sets). */
export function decodeTensorProto(bytes: Uint8Array, file = '<buffer>'): TensorProto {
  try {
    const t = fromBinary(packedSchemas().decodeTensor, bytes, { readUnknownFields: true }) as TensorProto;
    adoptPackedFields(t);
    return t;
  } catch (e) {
    throw new OnnxFormatError(file, decodeProblem(bytes, TensorProtoSchema, 'ONNX tensor', e));
  }
}

export function encodeTensorProto(t: TensorProto): Uint8Array {
  return withPackedBytes(t, () => toBinary(packedSchemas().encodeTensor, t, { writeUnknownFields: true }));
}

function withPackedBytes<T>(root: object, encode: () => T): T {
  const exposure = new PackedBytesExposure();
  try {
    forEachTensor(root, (t) => exposure.expose(t));
    return encode();
  } finally {
    exposure.restore();
  }
}

/** Common formats that get renamed to .onnx by mistake, recognised by their magic bytes. */
function sniffNotOnnx(bytes: Uint8Array, file: string): void {
  const ascii = (start: number, len: number) => String.fromCharCode(...bytes.subarray(start, start + len));
  if (bytes.length >= 8 && ascii(4, 4) === 'TFL3') throw new OnnxFormatError(file, 'this is a TensorFlow Lite file (identifier TFL3), not ONNX');
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) {
    throw new OnnxFormatError(file, 'this is a ZIP archive (a PyTorch checkpoint or Keras file?), not ONNX');
  }
  if (bytes.length >= 6 && bytes[0] === 0x93 && ascii(1, 5) === 'NUMPY') throw new OnnxFormatError(file, 'this is a NumPy .npy file, not ONNX');
  if (bytes.length >= 8 && ascii(0, 8) === '\x89HDF\r\n\x1a\n') throw new OnnxFormatError(file, 'this is an HDF5 file (Keras .h5?), not ONNX');
}
