import type { ModelSummary, NodeDetails, ViewGraph } from '../../graph/types';
import type { ModelReader } from '../format';
import { loadTflite, type TfliteModel } from './model';
import { tfliteNodeDetails } from './node-details';
import { summarizeTflite } from './summary';
import { tfliteViewGraph, type TfliteView } from './view';

/** The TensorFlow Lite reader behind the format-neutral ModelReader. */
export class TfliteReader implements ModelReader {
  readonly format = 'tflite';
  private view?: TfliteView;

  constructor(readonly model: TfliteModel) {}

  static open(file: string): TfliteReader {
    return new TfliteReader(loadTflite(file));
  }

  summary(): ModelSummary {
    return summarizeTflite(this.model);
  }

  viewGraph(): ViewGraph {
    return this.built().graph;
  }

  nodeDetails(nodeId: string, graphPath: string[] = []): NodeDetails {
    return tfliteNodeDetails(this.model, this.built(), nodeId, graphPath);
  }

  private built(): TfliteView {
    return (this.view ??= tfliteViewGraph(this.model));
  }
}
