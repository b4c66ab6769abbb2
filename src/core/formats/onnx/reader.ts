import type { ModelSummary, NodeDetails, ViewGraph } from '../../graph/types';
import type { ModelReader } from '../format';
import { loadModel } from './io';
import type { Model } from './model';
import { onnxNodeDetails } from './node-details';
import { summarizeOnnx } from './summary';
import { onnxViewGraph } from './view';

/** The ONNX reader behind the format-neutral ModelReader. */
export class OnnxReader implements ModelReader {
  readonly format = 'onnx';
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

  checkWeights(): void {
    this.model.checkExternalData();
  }
}
