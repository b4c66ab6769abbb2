import { fromBinary } from '@bufbuild/protobuf';
import { ModelSchema, type Model } from './proto/model_pb';
import { CoreMLFormatError } from './errors';
import { packedCodec, type PackedCodec } from '../../base/packed-fields';
import { decodeProblem } from '../../base/protobuf-wire';

let codec: PackedCodec | undefined;

/** Weight-sized float fields arrive as Float32Array views of the file (see packed-fields.ts). */
function modelCodec(): PackedCodec {
  return (codec ??= packedCodec(ModelSchema, [
    { message: 'CoreML.Specification.WeightParams', no: 1, key: 'floatValue', Ctor: Float32Array },
    { message: 'CoreML.Specification.NeuralNetworkMeanImage', no: 1, key: 'meanImage', Ctor: Float32Array },
    { message: 'CoreML.Specification.MILSpec.TensorValue.RepeatedFloats', no: 1, key: 'values', Ctor: Float32Array },
  ]));
}

/**
 * Decodes a Core ML model specification (an .mlmodel file, or the model file inside an
 * .mlpackage). Bytes fields (float16 and quantized weights) and float weights stay views into
 * `bytes`, so the caller must not reuse the buffer while the model is alive.
 */
export function decodeCoreMLSpec(bytes: Uint8Array, file: string): Model {
  if (bytes.length === 0) throw new CoreMLFormatError(file, 'the file is empty');
  sniffNotCoreML(bytes, file);
  const c = modelCodec();
  let spec: Model;
  try {
    spec = fromBinary(c.decode, bytes, { readUnknownFields: true }) as Model;
    c.adopt(spec);
  } catch (e) {
    throw new CoreMLFormatError(file, decodeProblem(bytes, ModelSchema, 'Core ML model', e));
  }
  if (spec.specificationVersion <= 0 && spec.Type.case === undefined && !spec.description) {
    throw new CoreMLFormatError(file, 'no specification version, description or model type: this is not a Core ML model');
  }
  return spec;
}

function sniffNotCoreML(bytes: Uint8Array, file: string): void {
  const ascii = (start: number, len: number) => String.fromCharCode(...bytes.subarray(start, start + len));
  if (bytes.length >= 8 && ascii(4, 4) === 'TFL3') throw new CoreMLFormatError(file, 'this is a TensorFlow Lite file (identifier TFL3), not Core ML');
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) {
    throw new CoreMLFormatError(file, 'this is a ZIP archive (a zipped .mlpackage? unzip it first), not a Core ML model file');
  }
  if (bytes.length >= 1 && (bytes[0] === 0x7b || bytes[0] === 0x5b)) throw new CoreMLFormatError(file, 'this is a JSON/text file, not a Core ML protobuf');
}
