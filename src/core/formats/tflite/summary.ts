import type { ModelSummary } from '../../graph/types';
import { bufferByteLength, bufferBytes, isConstant, operatorName, type TfliteModel, type TfliteOperator, type TfliteSubGraph } from './model';
import { BuiltinOperator } from './schema';
import { elementCount, tensorInfo, valueNames } from './view';
import { valueRecord } from '../../graph/types';

/** `edgewise inspect` facts of a TFLite model, in the same fields as for ONNX. */
export function summarizeTflite(model: TfliteModel): ModelSummary {
  const main = model.subgraphs[0];
  const names = valueNames(main);
  const ops = valueRecord<number>();
  for (const op of main.operators) {
    const name = operatorName(model, op);
    ops[name] = (ops[name] ?? 0) + 1;
  }
  let count = 0, bytes = 0, parameters = 0;
  const bytesByDtype: Record<string, number> = {};
  for (const t of main.tensors) {
    if (!isConstant(model, t)) continue;
    const n = bufferByteLength(model, t.buffer);
    count++;
    bytes += n;
    parameters += elementCount(t.shape);
    bytesByDtype[t.dtype] = (bytesByDtype[t.dtype] ?? 0) + n;
  }
  const minRuntime = metadataText(model, 'min_runtime_version');
  return {
    file: model.file,
    format: 'tflite',
    fileBytes: model.fileBytes,
    irVersion: null,
    producer: { name: model.description, version: '' },
    opsets: { tflite: model.version },
    inputs: main.inputs.map((i) => tensorInfo(main.tensors[i], names[i])),
    outputs: main.outputs.map((i) => tensorInfo(main.tensors[i], names[i])),
    nodes: main.operators.length,
    nodesWithSubgraphs: model.subgraphs.reduce((a, s) => a + s.operators.length, 0),
    ops,
    initializers: { count, bytes },
    parameters,
    bytesByDtype,
    externalData: model.buffers.some((b) => b.kind === 'external'),
    macs: modelMacs(model, main),
    metadata: metadataMap(model, minRuntime),
  };
}

/** Multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED and BATCH_MATMUL; null if a shape is unknown. */
export function modelMacs(model: TfliteModel, sg: TfliteSubGraph): number | null {
  let total = 0;
  for (const op of sg.operators) {
    const m = operatorMacs(model, sg, op);
    if (m === null) return null;
    total += m;
  }
  return total;
}

/** MACs of one operator: 0 for ops that are not counted, null when a needed shape is unknown. */
export function operatorMacs(model: TfliteModel, sg: TfliteSubGraph, op: TfliteOperator): number | null {
  const code = model.operatorCodes[op.opcodeIndex].builtinCode;
  const shape = (k: number, list = op.inputs): number[] | null => {
    const i = list[k];
    if (i === undefined || i < 0) return null;
    const s = sg.tensors[i].shape;
    return s.length > 0 && s.every((d) => d > 0) ? s : null;
  };
  const out = shape(0, op.outputs);
  switch (code) {
    case BuiltinOperator.CONV_2D: {
      const w = shape(1); // [out_channels, kh, kw, in_channels]
      return out && w ? elementCount(out) * w[1] * w[2] * w[3] : null;
    }
    case BuiltinOperator.DEPTHWISE_CONV_2D: {
      const w = shape(1); // [1, kh, kw, out_channels]
      return out && w ? elementCount(out) * w[1] * w[2] : null;
    }
    case BuiltinOperator.TRANSPOSE_CONV: {
      const w = shape(1); // inputs: output_shape, weights [out_channels, kh, kw, in_channels], input
      const x = shape(2);
      return w && x ? elementCount(x) * w[0] * w[1] * w[2] : null;
    }
    case BuiltinOperator.FULLY_CONNECTED: {
      const w = shape(1); // [units, input_depth]
      return out && w ? elementCount(out) * w[w.length - 1] : null;
    }
    case BuiltinOperator.BATCH_MATMUL: {
      const a = shape(0);
      if (!out || !a || a.length < 2) return null;
      const adjX = op.attributes.find((x) => x.name === 'adj_x')?.value === 'true';
      return elementCount(out) * (adjX ? a[a.length - 2] : a[a.length - 1]);
    }
    default:
      return 0;
  }
}

function metadataMap(model: TfliteModel, minRuntime: string | null): Record<string, string> {
  const out = valueRecord<string>();
  if (model.description) out.description = model.description;
  if (minRuntime) out.min_runtime_version = minRuntime;
  for (const m of model.metadata) {
    if (m.name in out) continue;
    const text = metadataText(model, m.name);
    out[m.name] = text ?? `${bufferByteLength(model, m.buffer)} bytes`;
  }
  for (const sig of model.signatureDefs) {
    out[`signature:${sig.key}`] = `subgraph ${sig.subgraph}; inputs ${sig.inputs.map((x) => x.name).join(', ')}; outputs ${sig.outputs.map((x) => x.name).join(', ')}`;
  }
  const called = new Set<number>();
  for (const sg of model.subgraphs) for (const op of sg.operators) for (const r of op.subgraphRefs) called.add(r.subgraph);
  for (const sg of model.subgraphs.slice(1)) {
    const how = called.has(sg.index) ? 'called by an operator' : 'not called from the main graph';
    out[`subgraph:${sg.index}`] = `${sg.name || '(unnamed)'}: ${sg.operators.length} operators, ${how}`;
  }
  return out;
}

/** A metadata buffer as text when it is printable (min_runtime_version is a NUL-padded string). */
export function metadataText(model: TfliteModel, name: string): string | null {
  const entry = model.metadata.find((m) => m.name === name);
  if (!entry) return null;
  const bytes = bufferBytes(model, entry.buffer);
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.byteLength;
  const text = bytes.subarray(0, end);
  if (text.byteLength === 0 || text.byteLength > 256 || text.some((c) => c < 0x20 || c > 0x7e)) return null;
  return Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('latin1');
}
