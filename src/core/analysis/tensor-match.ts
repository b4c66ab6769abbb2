/**
 * Matching float tensors to the quantized model's tensors when the pass's own mapping is not at
 * hand (two files given on the command line). Works for any QDQ model: a float tensor t is
 * carried by DequantizeLinear(QuantizeLinear(t)), or by a same-named float output of an op that
 * reads dequantized inputs (a quantized op whose output is not requantized).
 */
import type { Model } from '../formats/onnx/model';
import { valueRecord } from '../graph/types';

/** Ops whose outputs are not float activations worth comparing. */
const NOT_ACTIVATIONS = new Set([
  'Constant', 'ConstantOfShape', 'Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'Equal', 'Less', 'Greater',
  'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'Range', 'TopK', 'QuantizeLinear', 'DynamicQuantizeLinear',
]);

export function inferTensorMap(floatModel: Model, quantModel: Model): Record<string, string> {
  const q = quantModel.graph;
  const out = valueRecord<string>();
  for (const n of floatModel.graph.nodes) {
    if (NOT_ACTIVATIONS.has(n.opType) || n.domain === 'ai.onnx.ml') continue;
    for (const t of n.output) {
      if (!t) continue;
      const dq = q.consumersOf(t)
        .filter((c) => c.opType === 'QuantizeLinear' && c.input[0] === t)
        .flatMap((c) => q.consumersOf(c.output[0]))
        .find((c) => c.opType === 'DequantizeLinear');
      if (dq) { out[t] = dq.output[0]; continue; }
      const p = q.producer(t);
      if (p && p.input.some((i) => q.producer(i)?.opType === 'DequantizeLinear')) out[t] = t;
    }
  }
  return out;
}
