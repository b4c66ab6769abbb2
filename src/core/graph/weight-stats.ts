import type { Model } from '../onnx/model';
import type { NodeDetails, ViewGraph } from './types';

// Placeholder until the graph-view work lands: the owner replaces this file.
export function onnxNodeDetails(model: Model, view: ViewGraph, nodeId: string, graphPath: string[]): NodeDetails {
  throw new Error(`node details of ${nodeId} in ${model.label} (${view.name}, ${graphPath.join('/')}) are not implemented yet`);
}
