import * as flatbuffers from 'flatbuffers';
import {
  Buffer as FbBuffer, BuiltinOperator, BuiltinOptions, Metadata, Model, Operator, OperatorCode,
  QuantizationParameters, SignatureDef, SubGraph, Tensor, TensorMap, TensorType,
} from './fbs/schema_generated';
import { formatBytes, formatInteger } from '../../base/units';

/** Schema version written in Model.version (TFLite files are version 3). */
export const TFLITE_SCHEMA_VERSION = 3;

/** The largest FlatBuffer: offsets are 32-bit and signed in the readers. */
export const FLATBUFFER_LIMIT = 2 ** 31 - 1;

/**
 * Bytes of a constant tensor: given, or made when the file is written (straight into the
 * FlatBuffer), so a large model's converted weights are never held twice.
 */
export type BufferData = Uint8Array | { byteLength: number; write(into: Uint8Array): void };

export interface QuantParams {
  scale: ArrayLike<number>;
  zeroPoint: ArrayLike<number>;
  /** quantized_dimension, for per-channel parameters. */
  axis?: number;
}

export interface TensorSpec {
  name: string;
  type: TensorType;
  shape: number[];
  /** Index into `buffers` (0: no data). */
  buffer: number;
  quant?: QuantParams;
}

/** Builtin options: the union member and a function that writes its table. */
export interface OptionsSpec {
  type: BuiltinOptions;
  write(b: flatbuffers.Builder): flatbuffers.Offset;
}

export interface OperatorSpec {
  /** Index into `operatorCodes`. */
  opcode: number;
  inputs: number[];
  outputs: number[];
  options?: OptionsSpec;
}

export interface OperatorCodeSpec {
  builtin: BuiltinOperator;
  version: number;
}

/** A single-subgraph TFLite model ready to be written. */
export interface TfliteModelSpec {
  description: string;
  operatorCodes: OperatorCodeSpec[];
  tensors: TensorSpec[];
  inputs: number[];
  outputs: number[];
  operators: OperatorSpec[];
  /** buffers[0] must be empty. */
  buffers: BufferData[];
  metadata: { name: string; data: Uint8Array }[];
  /** The serving signature (key 'serving_default'), input and output names of the main graph. */
  signature?: { inputs: { name: string; tensor: number }[]; outputs: { name: string; tensor: number }[] };
}

/** Thrown before anything is built when the FlatBuffer would pass 2 GiB. */
export class FlatBufferTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`the model needs about ${formatBytes(bytes)}, over the 2 GiB (${formatInteger(FLATBUFFER_LIMIT)} bytes) a TFLite FlatBuffer can hold`);
    this.name = 'FlatBufferTooLarge';
  }
}

/** Upper bound of the file size: the data plus alignment, plus generous room for tables. */
export function estimateTfliteBytes(spec: TfliteModelSpec): number {
  let data = 0;
  for (const b of spec.buffers) data += b.byteLength + 32;
  for (const m of spec.metadata) data += m.data.byteLength + 32;
  const tables = 1024 + spec.tensors.length * 256 + spec.operators.length * 192 + spec.operatorCodes.length * 32;
  return data + tables;
}

/**
 * Encodes the model with the `flatbuffers` runtime and the code flatc generated from schema.fbs.
 * Buffer data goes in first, so it lies at the end of the file, 16-byte aligned (the schema's
 * force_align). The builder is sized up front: it never grows (growing copies everything).
 */
export function encodeTflite(spec: TfliteModelSpec): Uint8Array {
  if (spec.buffers.length === 0 || spec.buffers[0].byteLength !== 0) throw new Error('buffers[0] must be the empty buffer');
  const estimate = estimateTfliteBytes(spec);
  if (estimate > FLATBUFFER_LIMIT) throw new FlatBufferTooLarge(estimate);
  // A multiple of 16, so offsets aligned from the buffer's end are aligned in memory too.
  const b = new flatbuffers.Builder(Math.ceil(estimate / 16) * 16);
  const data = (d: BufferData): flatbuffers.Offset => {
    const n = d.byteLength;
    if (n === 0) return 0;
    if (d instanceof Uint8Array) {
      b.prep(16, n);
      return b.createByteVector(d);
    }
    // Made in place: after prep(16, n) the vector's bytes go right below the builder's current
    // offset (no further padding), so the source fills them there; createByteVector then moves
    // them onto themselves (a memmove, no allocation) and writes the length.
    b.prep(16, n);
    const end = b.dataBuffer().capacity() - b.offset();
    const place = b.dataBuffer().bytes().subarray(end - n, end);
    d.write(place);
    return b.createByteVector(place);
  };

  const bufferData = spec.buffers.map(data);
  const metadataData = spec.metadata.map((m) => data(m.data));
  const buffers = spec.buffers.map((_, i) => FbBuffer.createBuffer(b, bufferData[i], 0n, 0n));
  // Metadata buffers follow the tensors' buffers.
  const metadataBuffers = spec.metadata.map((_, i) => FbBuffer.createBuffer(b, metadataData[i], 0n, 0n));

  const tensors = spec.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = Tensor.createShapeVector(b, t.shape);
    const quant = t.quant ? quantization(b, t.quant) : 0;
    Tensor.startTensor(b);
    Tensor.addShape(b, shape);
    Tensor.addType(b, t.type);
    Tensor.addBuffer(b, t.buffer);
    Tensor.addName(b, name);
    if (quant) Tensor.addQuantization(b, quant);
    Tensor.addHasRank(b, true);
    return Tensor.endTensor(b);
  });
  const operators = spec.operators.map((op) => {
    const inputs = Operator.createInputsVector(b, op.inputs);
    const outputs = Operator.createOutputsVector(b, op.outputs);
    const options = op.options ? op.options.write(b) : 0;
    Operator.startOperator(b);
    Operator.addOpcodeIndex(b, op.opcode);
    Operator.addInputs(b, inputs);
    Operator.addOutputs(b, outputs);
    if (op.options) {
      Operator.addBuiltinOptionsType(b, op.options.type);
      Operator.addBuiltinOptions(b, options);
    }
    return Operator.endOperator(b);
  });
  const subgraph = SubGraph.createSubGraph(
    b, SubGraph.createTensorsVector(b, tensors), SubGraph.createInputsVector(b, spec.inputs),
    SubGraph.createOutputsVector(b, spec.outputs), SubGraph.createOperatorsVector(b, operators), b.createString('main'),
  );
  const codes = spec.operatorCodes.map((c) => OperatorCode.createOperatorCode(
    b, Math.min(c.builtin, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES), 0, c.version, c.builtin,
  ));
  const metadata = spec.metadata.map((m, i) => Metadata.createMetadata(b, b.createString(m.name), spec.buffers.length + i));
  const signatures = spec.signature ? [signatureDef(b, spec.signature)] : [];
  const model = Model.createModel(
    b, TFLITE_SCHEMA_VERSION, Model.createOperatorCodesVector(b, codes), Model.createSubgraphsVector(b, [subgraph]),
    b.createString(spec.description), Model.createBuffersVector(b, [...buffers, ...metadataBuffers]), 0,
    metadata.length ? Model.createMetadataVector(b, metadata) : 0,
    signatures.length ? Model.createSignatureDefsVector(b, signatures) : 0,
  );
  Model.finishModelBuffer(b, model);
  return b.asUint8Array();
}

function quantization(b: flatbuffers.Builder, q: QuantParams): flatbuffers.Offset {
  const scale = QuantizationParameters.createScaleVector(b, Array.from(q.scale, Math.fround));
  const zeroPoint = QuantizationParameters.createZeroPointVector(b, Array.from(q.zeroPoint, (z) => BigInt(z)));
  QuantizationParameters.startQuantizationParameters(b);
  QuantizationParameters.addScale(b, scale);
  QuantizationParameters.addZeroPoint(b, zeroPoint);
  if (q.axis !== undefined) QuantizationParameters.addQuantizedDimension(b, q.axis);
  return QuantizationParameters.endQuantizationParameters(b);
}

function signatureDef(b: flatbuffers.Builder, s: NonNullable<TfliteModelSpec['signature']>): flatbuffers.Offset {
  const maps = (list: { name: string; tensor: number }[]) => list.map((m) => TensorMap.createTensorMap(b, b.createString(m.name), m.tensor));
  const inputs = SignatureDef.createInputsVector(b, maps(s.inputs));
  const outputs = SignatureDef.createOutputsVector(b, maps(s.outputs));
  return SignatureDef.createSignatureDef(b, inputs, outputs, b.createString('serving_default'), 0);
}

export { BuiltinOperator, BuiltinOptions, TensorType };
