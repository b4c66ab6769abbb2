import { loadTflite, type TfliteModel, type TfliteTensor } from './model';

/**
 * Which runtime runs .tflite models in Edgewise, and what it cannot run.
 *
 * Google's LiteRT.js (`@litertjs/core` 2.5.3) was tried first, in Node 20 and 24: it loads once
 * given a script loader, but it ran 1 of the 9 TFLite Micro fixtures (hello_world_float, with its
 * dynamic batch pinned): its Tensor class holds only float32/int32/uint8 ("Element type INT8 is not
 * supported."), it refuses variable tensors ("Variable tensors not yet supported.") and has no
 * way to resize a dynamic input. TensorFlow Lite's own interpreter compiled to WebAssembly, the
 * TFLite Web API shipped in `@tensorflow/tfjs-tflite` 0.0.1-alpha.10, runs 8 of the 9 (int8,
 * int16, LSTM/SVDF state included) and the ninth after a repair (below); Edgewise uses that one
 * (src/core/runtime/tflite.ts).
 */
export const TFLITE_RUNTIME = 'the TFLite WebAssembly interpreter (@tensorflow/tfjs-tflite 0.0.1-alpha.10)';

export interface RuntimeBlocker {
  kind: 'quantized-dimension';
  /** One sentence naming the tensor and the runtime's own error text. */
  detail: string;
}

/** A fix applied to a copy of the model bytes before the interpreter sees them. */
export interface RuntimeRepair {
  /** Byte offset of the int32 to overwrite. */
  at: number;
  value: number;
  tensor: string;
}

export interface RuntimePlan {
  blockers: RuntimeBlocker[];
  repairs: RuntimeRepair[];
  /** What the repairs change, for the user (empty without repairs). */
  warnings: string[];
}

/**
 * What the interpreter would refuse, found before loading. Old TOCO files give depthwise
 * convolution biases (1-D) their filter's per-channel axis (3); the interpreter checks the axis against the
 * rank ("quantized_dimension must be in range [0, 1)") while TFLite Micro does not. A 1-D tensor
 * with one scale per element has only one possible axis, so that case is repaired (axis 0) in a
 * copy; any other axis beyond the rank blocks the run.
 */
export function tfliteRuntimePlan(model: TfliteModel): RuntimePlan {
  const plan: RuntimePlan = { blockers: [], repairs: [], warnings: [] };
  for (const sg of model.subgraphs) {
    for (const t of sg.tensors) {
      const axis = t.quant?.axis;
      if (axis === undefined || axis < Math.max(t.shape.length, 1)) continue;
      if (t.shape.length === 1 && t.quant!.scale.length === t.shape[0] && t.quantAxisAt !== null) {
        plan.repairs.push({ at: t.quantAxisAt, value: 0, tensor: label(t) });
      } else if (plan.blockers.length === 0) {
        plan.blockers.push({
          kind: 'quantized-dimension',
          detail: `tensor '${label(t)}' (shape [${t.shape.join(', ')}]) has quantized_dimension ${axis}, which the TFLite interpreter rejects ("quantized_dimension must be in range [0, ${t.shape.length})")`,
        });
      }
    }
  }
  if (plan.repairs.length > 0) {
    plan.warnings.push(`${plan.repairs.length} per-channel quantized 1-D tensor(s) (e.g. '${plan.repairs[0].tensor}') store a quantized_dimension beyond their rank (old TOCO files; TFLite Micro ignores it): run with axis 0, their only axis`);
  }
  return plan;
}

/** The blockers of `tfliteRuntimePlan`. */
export function tfliteRuntimeBlockers(model: TfliteModel): RuntimeBlocker[] {
  return tfliteRuntimePlan(model).blockers;
}

function label(t: TfliteTensor): string {
  return t.name || `tensor_${t.index}`;
}

/** The one-line CLI message for `edgewise bench|eval` on a .tflite the runtime cannot run. */
export function tfliteRuntimeMessage(file: string, blockers: RuntimeBlocker[]): string {
  return `${file}: ${TFLITE_RUNTIME} cannot run this model: ${blockers.map((b) => b.detail).join('; ')}. ` +
    'Inspecting and viewing it works; to measure it, run it on the device.';
}

/** For `edgewise bench|eval`: the one-line message when the runtime cannot run `file`, else null. */
export function tfliteRuntimeProblem(file: string): string | null {
  const model = loadTflite(file);
  const blockers = tfliteRuntimeBlockers(model);
  return blockers.length > 0 ? tfliteRuntimeMessage(model.file, blockers) : null;
}
