import * as path from 'node:path';
import type { AttributeInfo, QuantInfo } from '../../graph/types';
import { TfliteFormatError } from './errors';
import { FlatBuffer, NeedMoreBytes, type Table } from './flatbuffer';
import { decodeOptions } from './options';
import { InputFile } from '../../base/input-file';
import { tensorProblem } from './check';
import {
  BufferField, BuiltinOperator, builtinOperatorName, builtinOptions2Name, builtinOptionsName, FILE_IDENTIFIER,
  MetadataField, ModelField, OperatorCodeField, OperatorField, QuantizationField, SignatureDefField, SubGraphField,
  TensorField, TensorMapField, tensorTypeName,
} from './schema';

export interface OperatorCode {
  /** The resolved builtin code: max(builtin_code, deprecated_builtin_code). */
  builtinCode: number;
  customCode: string | null;
  version: number;
  /** BuiltinOperator name, or the custom code for CUSTOM ops. */
  name: string;
}

export interface TfliteTensor {
  index: number;
  name: string;
  type: number;
  dtype: string;
  shape: number[];
  /** Shape with -1 for unknown dimensions, when the file stores one. */
  shapeSignature: number[] | null;
  /** Byte offset of shape_signature's first element (to pin dynamic dimensions in a copy). */
  shapeSignatureAt: number | null;
  buffer: number;
  quant: QuantInfo | null;
  /** Byte offset of quantization.quantized_dimension when the file stores it (for repairs in a copy). */
  quantAxisAt: number | null;
  isVariable: boolean;
  sparse: boolean;
}

export interface TfliteOperator {
  index: number;
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  intermediates: number[];
  /** Union member name of the options table ('' when none). */
  optionsType: string;
  attributes: AttributeInfo[];
  /** Subgraphs the options name (WHILE body, IF branches, ...). */
  subgraphRefs: { attribute: string; subgraph: number }[];
  customOptionsBytes: number;
}

export interface TfliteSubGraph {
  index: number;
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

/** A buffer's bytes: a view into the FlatBuffer, or a range stored after it (offset from file start). */
export type TfliteBuffer =
  | { kind: 'empty' }
  | { kind: 'inline'; data: Uint8Array }
  | { kind: 'external'; offset: number; size: number };

export interface SignatureDef {
  key: string;
  subgraph: number;
  inputs: { name: string; tensor: number }[];
  outputs: { name: string; tensor: number }[];
}

export interface TfliteModel {
  file: string;
  fileBytes: number;
  version: number;
  description: string;
  operatorCodes: OperatorCode[];
  subgraphs: TfliteSubGraph[];
  buffers: TfliteBuffer[];
  metadata: { name: string; buffer: number }[];
  signatureDefs: SignatureDef[];
  /** Reads `size` bytes at `offset` of the file (for external buffers). */
  readRange(offset: number, size: number): Uint8Array;
}

/** Largest file read into memory whole; beyond it only the FlatBuffer part is read (buffers stay on disk). */
const WHOLE_FILE_LIMIT = 0x7fff_ffff;
const FIRST_HEAD = 16 << 20;

/** Reads a .tflite file. Buffers stored inside the FlatBuffer stay zero-copy views of the file bytes. */
export function loadTflite(file: string): TfliteModel {
  const abs = path.resolve(file);
  const f = InputFile.open(abs, { what: 'model' });
  try {
    if (f.size <= WHOLE_FILE_LIMIT) {
      const bytes = f.read(0, f.size);
      return decodeTflite(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), abs);
    }
  } finally {
    f.close();
  }
  // Over 2 GiB the FlatBuffer is followed by buffer data: read as much of the start as the tables need.
  const whole = { fileBytes: f.size, readRange: (o: number, n: number) => readFileRange(abs, o, n) };
  let head = FIRST_HEAD;
  for (;;) {
    try {
      return decodeTflite(readFileRange(abs, 0, head), abs, whole);
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
      if (e.end > WHOLE_FILE_LIMIT) throw new TfliteFormatError(abs, `the FlatBuffer part reaches offset ${e.end}, beyond the 2 GiB a FlatBuffer can address`);
      head = Math.min(WHOLE_FILE_LIMIT, Math.max(e.end, head * 2));
    }
  }
}

function readFileRange(file: string, offset: number, size: number): Uint8Array {
  const f = InputFile.open(file, { what: 'model' });
  try {
    if (offset + size > f.size) throw new TfliteFormatError(file, `file ends before ${offset + size} (reading a buffer at ${offset})`);
    return f.read(offset, size);
  } finally {
    f.close();
  }
}

/**
 * Decodes a TFLite model from the bytes of its file. `whole` describes the file when `bytes` is
 * only its beginning (models over 2 GiB keep their buffers after the FlatBuffer).
 */
export function decodeTflite(
  bytes: Uint8Array, file: string,
  whole?: { fileBytes: number; readRange(offset: number, size: number): Uint8Array },
): TfliteModel {
  const fb = new FlatBuffer(bytes, file, whole?.fileBytes);
  if (bytes.byteLength < 8) fb.fail(`truncated: ${bytes.byteLength} bytes is too short for a TFLite model`);
  const id = fb.identifier();
  if (id !== FILE_IDENTIFIER) {
    const printable = /^[\x20-\x7e]*$/.test(id) ? `"${id}"` : `bytes ${Array.from(bytes.subarray(4, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    fb.fail(`not a TFLite model: the file identifier (bytes 4-7) is ${printable}, not "${FILE_IDENTIFIER}": corrupt, or another kind of file`);
  }
  const fileBytes = whole?.fileBytes ?? bytes.byteLength;

  const root = fb.root('Model');
  const operatorCodes = root.tables(ModelField.operatorCodes, 'operator_codes').map(readOperatorCode);
  const buffers = root.tables(ModelField.buffers, 'buffers').map((t, i) => readBuffer(t, i, fb, fileBytes));
  const subgraphTables = root.tables(ModelField.subgraphs, 'subgraphs');
  if (subgraphTables.length === 0) fb.fail('the model has no subgraphs');
  const subgraphs = subgraphTables.map((t, i) => readSubGraph(t, i, fb, operatorCodes, buffers, subgraphTables.length));
  const metadata = root.tables(ModelField.metadata, 'metadata').map((t, i) => {
    const buffer = t.u32(MetadataField.buffer);
    if (buffer >= buffers.length) fb.fail(`metadata[${i}] names buffer ${buffer}, but the model has ${buffers.length} buffers`);
    return { name: t.string(MetadataField.name, `metadata[${i}].name`) ?? '', buffer };
  });
  const signatureDefs = root.tables(ModelField.signatureDefs, 'signature_defs').map((t, i) => readSignature(t, i));

  const readRange = whole?.readRange ?? ((offset: number, size: number) => bytes.subarray(offset, offset + size));
  return {
    file, fileBytes,
    version: root.u32(ModelField.version),
    description: root.string(ModelField.description, 'description') ?? '',
    operatorCodes, subgraphs, buffers, metadata, signatureDefs, readRange,
  };
}

function readOperatorCode(t: Table, i: number): OperatorCode {
  const deprecated = t.i8(OperatorCodeField.deprecatedBuiltinCode);
  const builtinCode = Math.max(deprecated, t.i32(OperatorCodeField.builtinCode));
  const customCode = t.string(OperatorCodeField.customCode, `operator_codes[${i}].custom_code`);
  const name = builtinCode === BuiltinOperator.CUSTOM && customCode ? customCode : builtinOperatorName(builtinCode);
  return { builtinCode, customCode, version: t.i32(OperatorCodeField.version, 1), name };
}

function readBuffer(t: Table, i: number, fb: FlatBuffer, fileBytes: number): TfliteBuffer {
  const offset = t.u64(BufferField.offset, `buffers[${i}].offset`);
  const size = t.u64(BufferField.size, `buffers[${i}].size`);
  // The schema counts offset/size only when offset > 1; 0 and 1 mean "not stored outside".
  if (offset > 1) {
    if (offset + size > fileBytes) fb.fail(`buffers[${i}] points to ${size} bytes at offset ${offset}, past the end of the file (${fileBytes} bytes)`);
    return { kind: 'external', offset, size };
  }
  const data = t.bytes(BufferField.data, `buffers[${i}].data`);
  return data && data.byteLength > 0 ? { kind: 'inline', data } : { kind: 'empty' };
}

function readSubGraph(t: Table, s: number, fb: FlatBuffer, codes: OperatorCode[], buffers: TfliteBuffer[], subgraphCount: number): TfliteSubGraph {
  const at = `subgraphs[${s}]`;
  const tensors = t.tables(SubGraphField.tensors, `${at}.tensors`).map((tt, i) => {
    const tensor = readTensor(tt, i, `${at}.tensors[${i}]`, fb, buffers.length);
    const b = buffers[tensor.buffer];
    const problem = tensorProblem(tensor, !b || b.kind === 'empty' ? undefined : b.kind === 'inline' ? b.data.byteLength : b.size);
    if (problem) fb.fail(`${at}.tensors[${i}] '${tensor.name}' ${problem}`);
    return tensor;
  });
  const checkIndex = (list: number[], what: string, allowOmitted: boolean): number[] => {
    for (const x of list) {
      if ((x === -1 && allowOmitted) || (x >= 0 && x < tensors.length)) continue;
      fb.fail(`${what} refers to tensor ${x}, but ${at} has ${tensors.length} tensors`);
    }
    return list;
  };
  const operators = t.tables(SubGraphField.operators, `${at}.operators`).map((ot, i) => {
    const op = readOperator(ot, i, `${at}.operators[${i}]`, fb, codes.length, subgraphCount);
    checkIndex(op.inputs, `${at}.operators[${i}].inputs`, true);
    checkIndex(op.outputs, `${at}.operators[${i}].outputs`, true);
    checkIndex(op.intermediates, `${at}.operators[${i}].intermediates`, false);
    return op;
  });
  return {
    index: s,
    name: t.string(SubGraphField.name, `${at}.name`) ?? '',
    tensors,
    inputs: checkIndex(t.i32s(SubGraphField.inputs, `${at}.inputs`) ?? [], `${at}.inputs`, false),
    outputs: checkIndex(t.i32s(SubGraphField.outputs, `${at}.outputs`) ?? [], `${at}.outputs`, false),
    operators,
  };
}

function readTensor(t: Table, index: number, at: string, fb: FlatBuffer, bufferCount: number): TfliteTensor {
  const type = t.i8(TensorField.type);
  const buffer = t.u32(TensorField.buffer);
  if (buffer >= bufferCount && buffer !== 0) fb.fail(`${at} names buffer ${buffer}, but the model has ${bufferCount} buffers`);
  return {
    index,
    name: t.string(TensorField.name, `${at}.name`) ?? '',
    type,
    dtype: tensorTypeName(type),
    shape: t.i32s(TensorField.shape, `${at}.shape`) ?? [],
    shapeSignature: t.i32s(TensorField.shapeSignature, `${at}.shape_signature`),
    shapeSignatureAt: t.vector(TensorField.shapeSignature, 4, `${at}.shape_signature`)?.start ?? null,
    buffer,
    ...readQuant(t.table(TensorField.quantization, `${at}.quantization`), at),
    isVariable: t.bool(TensorField.isVariable),
    sparse: t.has(TensorField.sparsity),
  };
}

function readQuant(q: Table | null, at: string): { quant: QuantInfo | null; quantAxisAt: number | null } {
  const none = { quant: null, quantAxisAt: null };
  if (!q) return none;
  const scale = q.f32s(QuantizationField.scale, `${at}.quantization.scale`) ?? [];
  if (scale.length === 0) return none;
  const zeroPoint = q.i64s(QuantizationField.zeroPoint, `${at}.quantization.zero_point`) ?? [];
  const quant: QuantInfo = { scale, zeroPoint: zeroPoint.length ? zeroPoint : scale.map(() => 0) };
  if (scale.length > 1) quant.axis = q.i32(QuantizationField.quantizedDimension);
  return { quant, quantAxisAt: q.field(QuantizationField.quantizedDimension) || null };
}

function readOperator(t: Table, index: number, at: string, fb: FlatBuffer, codeCount: number, subgraphCount: number): TfliteOperator {
  const opcodeIndex = t.u32(OperatorField.opcodeIndex);
  if (opcodeIndex >= codeCount) fb.fail(`${at} uses operator code ${opcodeIndex}, but the model has ${codeCount}`);
  let optionsType = '';
  let decoded: ReturnType<typeof decodeOptions> = { attributes: [], subgraphRefs: [] };
  const type1 = t.u8(OperatorField.builtinOptionsType);
  const type2 = t.u8(OperatorField.builtinOptions2Type);
  if (type1 !== 0) {
    optionsType = builtinOptionsName(type1);
    decoded = decodeOptions(optionsType, t.table(OperatorField.builtinOptions, `${at}.builtin_options`));
  } else if (type2 !== 0) {
    optionsType = builtinOptions2Name(type2);
    decoded = decodeOptions(optionsType, t.table(OperatorField.builtinOptions2, `${at}.builtin_options_2`));
  }
  for (const ref of decoded.subgraphRefs) {
    if (ref.subgraph < 0 || ref.subgraph >= subgraphCount) fb.fail(`${at}.${ref.attribute} names subgraph ${ref.subgraph}, but the model has ${subgraphCount}`);
  }
  const custom = t.vector(OperatorField.customOptions, 1, `${at}.custom_options`);
  return {
    index, opcodeIndex,
    inputs: t.i32s(OperatorField.inputs, `${at}.inputs`) ?? [],
    outputs: t.i32s(OperatorField.outputs, `${at}.outputs`) ?? [],
    intermediates: t.i32s(OperatorField.intermediates, `${at}.intermediates`) ?? [],
    optionsType,
    attributes: decoded.attributes,
    subgraphRefs: decoded.subgraphRefs,
    customOptionsBytes: custom ? custom.length : t.u64(OperatorField.largeCustomOptionsSize, `${at}.large_custom_options_size`),
  };
}

function readSignature(t: Table, i: number): SignatureDef {
  const at = `signature_defs[${i}]`;
  const maps = (id: number, what: string) => t.tables(id, `${at}.${what}`).map((m, j) => ({
    name: m.string(TensorMapField.name, `${at}.${what}[${j}].name`) ?? '',
    tensor: m.u32(TensorMapField.tensorIndex),
  }));
  return {
    key: t.string(SignatureDefField.signatureKey, `${at}.signature_key`) ?? '',
    subgraph: t.u32(SignatureDefField.subgraphIndex),
    inputs: maps(SignatureDefField.inputs, 'inputs'),
    outputs: maps(SignatureDefField.outputs, 'outputs'),
  };
}

/** The bytes of buffer `index` (empty for none); external buffers are read from the file on demand. */
export function bufferBytes(model: TfliteModel, index: number): Uint8Array {
  const b = model.buffers[index];
  if (!b || b.kind === 'empty') return new Uint8Array(0);
  if (b.kind === 'inline') return b.data;
  return model.readRange(b.offset, b.size);
}

export function bufferByteLength(model: TfliteModel, index: number): number {
  const b = model.buffers[index];
  if (!b || b.kind === 'empty') return 0;
  return b.kind === 'inline' ? b.data.byteLength : b.size;
}

/** A constant tensor: it has data in a buffer and is not a variable. */
export function isConstant(model: TfliteModel, t: TfliteTensor): boolean {
  return !t.isVariable && t.buffer > 0 && bufferByteLength(model, t.buffer) > 0;
}

export function operatorName(model: TfliteModel, op: TfliteOperator): string {
  return model.operatorCodes[op.opcodeIndex].name;
}
