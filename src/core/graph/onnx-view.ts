import type { Model } from '../onnx/model';
import type { ViewGraph } from './types';

// Placeholder until the graph-view work lands: the owner replaces this file.
export function onnxViewGraph(model: Model): ViewGraph {
  throw new Error(`graph view of ${model.label} is not implemented yet`);
}
