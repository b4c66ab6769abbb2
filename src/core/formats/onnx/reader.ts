import type { ModelSummary, NodeDetails, ViewGraph } from '../../graph/types';
import type { ModelReader, WeightData } from '../format';
import type { TensorProto } from './proto/onnx_pb';
import { loadModel } from './io';
import type { Model } from './model';
import { onnxNodeDetails } from './node-details';
import { summarizeOnnx } from './summary';
import { modelMacs, type MainGraphShapes } from './macs';
import { inferShapes } from './shapes';
import { nodeIds } from './node-id';
import { constantTensors, onnxPackedView, onnxViewGraph } from './view';
import { packView, type PackedView } from '../../graph/packed';
import { isExternal } from './tensor';
import { DataType, dtypeName } from '../../tensor/dtypes';

/** The ONNX reader behind the format-neutral ModelReader. */
export class OnnxReader implements ModelReader {
  readonly format = 'onnx';
  private view?: ViewGraph;
  private constants?: Map<string, TensorProto>;
  /** Shape inference of the main graph (hundreds of ms on a large model): once for view, summary and MACs. */
  private shapes?: MainGraphShapes;

  constructor(readonly model: Model) {}

  static open(file: string): OnnxReader {
    return new OnnxReader(loadModel(file));
  }

  summary(): ModelSummary {
    return summarizeOnnx(this.model, this.mainShapes());
  }

  viewGraph(): ViewGraph {
    return (this.view ??= onnxViewGraph(this.model, () => this.mainShapes()));
  }

  packedView(): PackedView {
    // Packed as its nodes are made unless the view graph is made already (the open of a large model holds no ViewNodes).
    return this.view ? packView(this.view) : onnxPackedView(this.model, () => this.mainShapes());
  }

  private mainShapes(): MainGraphShapes {
    if (!this.shapes) {
      const types = inferShapes(this.model);
      const ids = nodeIds(this.model.graph.nodes);
      this.shapes = { types, macs: modelMacs(this.model, types, ids), ids };
    }
    return this.shapes;
  }

  nodeDetails(nodeId: string, graphPath: string[] = []): NodeDetails {
    return onnxNodeDetails(this.model, this.viewGraph(), nodeId, graphPath);
  }

  /** MACs per node (formats/onnx/macs.ts: through the export's shape arithmetic, symbolic batch as 1). */
  nodeMacs(): Record<string, number> {
    return this.mainShapes().macs.byNode;
  }

  checkWeights(): void {
    this.model.checkExternalData();
  }

  weightData(name: string): WeightData | undefined {
    const g = this.model.graph;
    const t = g.initializer(name) ?? (this.constants ??= constantTensors(g)).get(name);
    if (!t || t.dataType === DataType.string) return undefined;
    // Raw and external data as stored; typed fields (float_data...) through their one conversion.
    let bytes: Uint8Array;
    if (t.rawData.length > 0 || isExternal(t)) {
      bytes = this.model.rawBytes(t);
    } else {
      const data = this.model.tensorData(t);
      if (Array.isArray(data)) return undefined;
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
    return { dtype: dtypeName(t.dataType), shape: t.dims.map(Number), bytes };
  }
}
