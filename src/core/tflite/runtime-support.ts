import { loadTflite, type TfliteModel, type TfliteTensor } from './model';

/**
 * What the TFLite runtime Edgewise uses (Google's LiteRT.js, `@litertjs/core` 2.5.3, WebAssembly
 * with XNNPACK) can run, found by running it in Node 20 on the nine TFLite Micro fixtures.
 * LiteRT.js is written for browsers; it loads in Node once a script loader is provided
 * (src/core/runtime/tflite.ts). The limits below are the library's, each with its own message.
 */
export const LITERT_VERSION = '2.5.3';

/** Element types the LiteRT.js Tensor class can hold (its DATATYPES table). */
const IO_DTYPES = new Set(['float32', 'int32', 'uint8']);

export interface RuntimeBlocker {
  /** A short key for tests and logs. */
  kind: 'variable-tensors' | 'io-dtype' | 'quantized-dimension';
  /** One sentence naming the tensor/op and the runtime's own error text. */
  detail: string;
}

/**
 * Why LiteRT.js cannot run this model, if it cannot; empty when it should run. Dynamic input
 * dimensions are not listed: the adapter pins them to the stored shape (batch 1).
 */
export function tfliteRuntimeBlockers(model: TfliteModel): RuntimeBlocker[] {
  const out: RuntimeBlocker[] = [];
  const main = model.subgraphs[0];
  const variables = model.subgraphs.flatMap((sg) => sg.tensors.filter((t) => t.isVariable));
  if (variables.length > 0) {
    out.push({
      kind: 'variable-tensors',
      detail: `${variables.length} variable tensor(s) (stateful LSTM/SVDF state, e.g. '${label(variables[0])}'): LiteRT.js refuses them at load ("Variable tensors not yet supported.")`,
    });
  }
  const byType = new Map<string, string[]>();
  for (const i of [...main.inputs, ...main.outputs]) {
    const t = main.tensors[i];
    if (!IO_DTYPES.has(t.dtype)) byType.set(t.dtype, [...(byType.get(t.dtype) ?? []), `'${label(t)}'`]);
  }
  for (const [dtype, names] of byType) {
    out.push({
      kind: 'io-dtype',
      detail: `its inputs/outputs ${names.join(', ')} are ${dtype}, and LiteRT.js tensors hold only float32, int32 and uint8 ("Element type ${dtype.toUpperCase()} is not supported.")`,
    });
  }
  for (const sg of model.subgraphs) {
    const bad = sg.tensors.find((t) => t.quant?.axis !== undefined && t.quant.axis >= Math.max(t.shape.length, 1));
    if (bad) {
      out.push({
        kind: 'quantized-dimension',
        detail: `tensor '${label(bad)}' (rank ${bad.shape.length}) has quantized_dimension ${bad.quant!.axis}: the TFLite runtime rejects it ("quantized_dimension must be in range [0, ${bad.shape.length})")`,
      });
      break;
    }
  }
  return out;
}

function label(t: TfliteTensor): string {
  return t.name || `tensor_${t.index}`;
}

/** The one-line CLI message for `edgewise bench|eval` on a .tflite LiteRT.js cannot run. */
export function tfliteRuntimeMessage(file: string, blockers: RuntimeBlocker[]): string {
  return `${file}: LiteRT.js ${LITERT_VERSION} (the WebAssembly TFLite runtime Edgewise uses) cannot run this model: ` +
    blockers.map((b) => b.detail).join('; ') +
    '. Inspecting and viewing it works; to measure it, convert it to ONNX or run it on the device.';
}

/** For `edgewise bench|eval`: the one-line message when LiteRT.js cannot run `file`, else null. */
export function tfliteRuntimeProblem(file: string): string | null {
  const model = loadTflite(file);
  const blockers = tfliteRuntimeBlockers(model);
  return blockers.length > 0 ? tfliteRuntimeMessage(model.file, blockers) : null;
}
