/** Weights the FP16 pass clamped to the float16 range, as diagnostics inputs keyed by the node reading them. */
import type { Model } from '../formats/onnx/model';
import type { Fp16Report } from '../passes/fp16';
import { nodeIds } from '../formats/onnx/node-id';
import type { DiagnosticInputs } from './diagnostics';

/** `model` is the pass's output: node ids are those of the FP16 model the user opens. */
export function fp16Clamps(model: Model, report: Fp16Report): NonNullable<DiagnosticInputs['fp16Clamps']> {
  const nodes = model.graph.nodes;
  const ids = nodeIds(nodes);
  const idOf = new Map(nodes.map((n, i) => [n, ids[i]]));
  return report.tensors.filter((t) => t.clamped).map((t) => {
    const reader = model.graph.consumersOf(t.quantized)[0];
    return { tensor: t.float, count: t.clamped!, nodeId: reader ? idOf.get(reader) : undefined };
  });
}
