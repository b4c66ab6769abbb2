import type { ModelSummary, NodeDetails, ViewGraph } from '../../graph/types';
import type { ModelReader } from '../format';
import { weightStats } from '../../graph/weight-stats';
import { loadCoreML, type CoreMLModel } from './model';
import type { WeightSources } from './sources';
import { summarizeCoreML } from './summary';
import { coremlViewGraph } from './view';

/** The Core ML reader (.mlmodel, .mlpackage, .mlmodelc) behind the format-neutral ModelReader. */
export class CoreMLReader implements ModelReader {
  readonly format = 'coreml' as const;
  private view?: { graph: ViewGraph; sources: WeightSources };

  constructor(readonly model: CoreMLModel) {}

  static open(file: string): CoreMLReader {
    return new CoreMLReader(loadCoreML(file));
  }

  summary(): ModelSummary {
    return summarizeCoreML(this.model);
  }

  viewGraph(): ViewGraph {
    return this.built().graph;
  }

  /** Weights with statistics; an ML Program weight is read from its blob file now (that blob only). */
  nodeDetails(nodeId: string, graphPath: string[] = []): NodeDetails {
    const { graph: root, sources } = this.built();
    let graph = root;
    for (let i = 0; i + 1 < graphPath.length; i += 2) {
      const node = graph.nodes.find((n) => n.id === graphPath[i]);
      const sub = node?.subgraphs.find((s) => s.attribute === graphPath[i + 1]);
      if (!sub) throw new Error(`${this.model.file}: no subgraph '${graphPath[i + 1]}' under node '${graphPath[i]}'`);
      graph = sub.graph;
    }
    const node = graph.nodes.find((n) => n.id === nodeId);
    if (!node) throw new Error(`${this.model.file}: no node '${nodeId}' in graph '${graph.name}'`);
    return {
      nodeId,
      weights: node.weights.map((w) => {
        const values = sources.get(w)?.() ?? null;
        return { ...w, stats: values && values.length > 0 ? weightStats(values) : null };
      }),
    };
  }

  private built(): { graph: ViewGraph; sources: WeightSources } {
    return (this.view ??= coremlViewGraph(this.model));
  }
}
