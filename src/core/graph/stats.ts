import type { Model } from '../onnx/model';
import type { ModelSummary } from './types';

// Placeholder until the foundation work lands: the owner replaces this file.
export function summarizeOnnx(model: Model): ModelSummary {
  throw new Error(`summary of ${model.label} is not implemented yet`);
}
