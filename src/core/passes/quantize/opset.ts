import type { Model } from '../../formats/onnx/model';

/** Ops whose meaning did not change between opset 7 and 13 for the attributes they carry. */
const UNCHANGED_TO_13 = new Set([
  'Abs', 'Add', 'And', 'ArgMax', 'ArgMin', 'AveragePool', 'BatchNormalization', 'Cast', 'Ceil', 'Concat', 'Constant',
  'ConstantOfShape', 'Conv', 'ConvTranspose', 'Div', 'Elu', 'Equal', 'Erf', 'Exp', 'Expand', 'Flatten', 'Floor',
  'Gather', 'Gemm', 'GlobalAveragePool', 'GlobalMaxPool', 'Greater', 'HardSigmoid', 'Identity', 'InstanceNormalization',
  'LeakyRelu', 'Less', 'Log', 'LRN', 'MatMul', 'Max', 'MaxPool', 'Mean', 'Min', 'Mul', 'Neg', 'Not', 'Or', 'Pow',
  'PRelu', 'Reciprocal', 'ReduceL2', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'Relu', 'Reshape', 'Shape',
  'Sigmoid', 'Sign', 'Size', 'Softplus', 'Softsign', 'Sqrt', 'Sub', 'Sum', 'Tanh', 'Tile', 'Transpose', 'Where', 'Xor',
]);

/** Ops that changed at some opset <= 13 and the first opset from which upgrading to 13 is safe. */
const SAFE_FROM: Record<string, { from: number; why: string }> = {
  Clip: { from: 11, why: 'min/max became inputs at opset 11' },
  Pad: { from: 11, why: 'pads became an input at opset 11' },
  Slice: { from: 10, why: 'starts/ends became inputs at opset 10' },
  TopK: { from: 10, why: 'k became an input at opset 10' },
  Dropout: { from: 12, why: 'ratio became an input at opset 12' },
  Resize: { from: 13, why: 'coordinate handling changed at opsets 11 and 13' },
  Softmax: { from: 13, why: 'its axis semantics changed at opset 13' },
  LogSoftmax: { from: 13, why: 'its axis semantics changed at opset 13' },
  Squeeze: { from: 13, why: 'axes became an input at opset 13' },
  Unsqueeze: { from: 13, why: 'axes became an input at opset 13' },
  Split: { from: 13, why: 'split became an input at opset 13' },
  ReduceSum: { from: 13, why: 'axes became an input at opset 13' },
};

export type OpsetDecision =
  | { action: 'keep'; version: number }
  | { action: 'upgrade'; from: number; to: number }
  | { action: 'refuse'; reason: string };

/**
 * Whether the default-domain opset can be raised to `target` without rewriting nodes (only
 * the opset number changes). Refuses, naming the ops, when any op's meaning would change.
 */
export function opsetUpgrade(model: Model, target: number): OpsetDecision {
  const version = model.opsetVersion('') ?? model.opsetVersion('ai.onnx');
  if (version === undefined) return { action: 'refuse', reason: 'the model imports no default ONNX opset' };
  if (version >= target) return { action: 'keep', version };
  const problems = new Map<string, string>();
  for (const g of model.allGraphs()) {
    for (const n of g.nodes) {
      if (n.domain && n.domain !== 'ai.onnx') continue;
      if (UNCHANGED_TO_13.has(n.opType) && target <= 13) continue;
      const rule = SAFE_FROM[n.opType];
      if (rule && version >= rule.from && target <= 13) continue;
      if (n.opType === 'Dropout' && !n.attribute.some((a) => a.name === 'ratio')) continue;
      problems.set(n.opType, rule ? rule.why : `not known to be unchanged up to opset ${target}`);
    }
  }
  if (problems.size === 0) return { action: 'upgrade', from: version, to: target };
  const list = [...problems].slice(0, 4).map(([op, why]) => `${op} (${why})`).join(', ');
  return { action: 'refuse', reason: `opset ${version} is below ${target}, and upgrading would change ${list}` };
}
