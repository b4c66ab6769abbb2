import type { ModelSummary, NodeDetails, ViewGraph } from '../../graph/types';
import type { ModelReader, WeightData } from '../format';
import { byteLength, dtypeCode } from '../../tensor/dtypes';
import { bufferBytes, isConstant, loadTflite, type TfliteModel, type TfliteTensor } from './model';
import { tfliteNodeDetails } from './node-details';
import { summarizeTflite } from './summary';
import { elementCount, tfliteViewGraph, valueNames, type TfliteView } from './view';

/** The TensorFlow Lite reader behind the format-neutral ModelReader. */
export class TfliteReader implements ModelReader {
  readonly format = 'tflite';
  private view?: TfliteView;
  private tensorsByName?: Map<string, TfliteTensor>;

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

  weightData(name: string): WeightData | undefined {
    const sg = this.model.subgraphs[0];
    if (!sg) return undefined;
    if (!this.tensorsByName) {
      const names = valueNames(sg);
      this.tensorsByName = new Map(sg.tensors.map((t) => [names[t.index], t]));
    }
    const t = this.tensorsByName.get(name);
    // Packed 4-bit, sparse and non-numeric tensors have no element-per-value view.
    if (!t || t.sparse || !isConstant(this.model, t) || !/^(float|u?int)(8|16|32|64)$/.test(t.dtype)) return undefined;
    const bytes = bufferBytes(this.model, t.buffer);
    // Data shorter than the shape needs has no values (the checker reports it).
    if (bytes.byteLength < byteLength(dtypeCode(t.dtype), elementCount(t.shape))) return undefined;
    return { dtype: t.dtype, shape: t.shape, bytes, ...(t.quant ? { quant: t.quant } : {}) };
  }

  private built(): TfliteView {
    return (this.view ??= tfliteViewGraph(this.model));
  }
}
