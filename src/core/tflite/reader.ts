import type { ModelReader, ModelSummary, NodeDetails, ViewGraph } from '../graph/types';
import { isConstant, loadTflite, type TfliteModel } from './model';
import { summarizeTflite } from './summary';
import { tfliteViewGraph, valueNames, weightInfo, type TfliteView } from './view';
import { weightStats } from '../graph/weight-stats';
import { tensorValues } from './weights';

/** The TensorFlow Lite reader behind the format-neutral ModelReader. */
export class TfliteReader implements ModelReader {
  readonly format = 'tflite' as const;
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
    const { graph: root, origins } = this.built();
    let graph = root;
    for (let i = 0; i + 1 < graphPath.length; i += 2) {
      const node = graph.nodes.find((n) => n.id === graphPath[i]);
      const sub = node?.subgraphs.find((s) => s.attribute === graphPath[i + 1]);
      if (!sub) throw new Error(`${this.model.file}: no subgraph '${graphPath[i + 1]}' under node '${graphPath[i]}'`);
      graph = sub.graph;
    }
    const origin = origins.get(graph)?.get(nodeId);
    if (!origin) throw new Error(`${this.model.file}: no node '${nodeId}' in graph '${graph.name}'`);
    const sg = this.model.subgraphs[origin.subgraph];
    const op = sg.operators[origin.operator];
    const names = valueNames(sg);
    const weights = op.inputs
      .filter((i) => i >= 0 && isConstant(this.model, sg.tensors[i]))
      .map((i) => {
        const t = sg.tensors[i];
        const values = tensorValues(this.model, t);
        return { ...weightInfo(this.model, t, names[i]), stats: values ? weightStats(values) : null };
      });
    return { nodeId, weights };
  }

  private built(): TfliteView {
    return (this.view ??= tfliteViewGraph(this.model));
  }
}
