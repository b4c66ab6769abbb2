import type { ModelReader, ModelSummary, NodeDetails, ViewGraph } from '../graph/types';
import { summarizeOnnx } from '../graph/stats';
import { onnxViewGraph } from '../graph/onnx-view';
import { onnxNodeDetails } from '../graph/weight-stats';
import { loadModel } from './io';
import type { Model } from './model';

/** The ONNX reader behind the format-neutral ModelReader. */
export class OnnxReader implements ModelReader {
  readonly format = 'onnx' as const;
  private view?: ViewGraph;

  constructor(readonly model: Model) {}

  static open(file: string): OnnxReader {
    return new OnnxReader(loadModel(file));
  }

  summary(): ModelSummary {
    return summarizeOnnx(this.model);
  }

  viewGraph(): ViewGraph {
    return (this.view ??= onnxViewGraph(this.model));
  }

  nodeDetails(nodeId: string, graphPath: string[] = []): NodeDetails {
    return onnxNodeDetails(this.model, this.viewGraph(), nodeId, graphPath);
  }
}
