import type { NodeDetails, ViewGraph } from '../../graph/types';
import { weightStats } from '../../graph/weight-stats';
import { isConstant, type TfliteModel } from './model';
import { valueNames, weightInfo, type TfliteView } from './view';
import { tensorValues } from './weights';

/**
 * The inspector's data for one node: its constant inputs with statistics (dequantized values).
 * `graphPath` selects a subgraph as [nodeId, attribute, nodeId, attribute, ...].
 */
export function tfliteNodeDetails(model: TfliteModel, view: TfliteView, nodeId: string, graphPath: string[]): NodeDetails {
  const { graph: root, origins } = view;
  let graph: ViewGraph = root;
  for (let i = 0; i + 1 < graphPath.length; i += 2) {
    const node = graph.nodes.find((n) => n.id === graphPath[i]);
    const sub = node?.subgraphs.find((s) => s.attribute === graphPath[i + 1]);
    if (!sub) throw new Error(`${model.file}: no subgraph '${graphPath[i + 1]}' under node '${graphPath[i]}'`);
    graph = sub.graph;
  }
  const origin = origins.get(graph)?.get(nodeId);
  if (!origin) throw new Error(`${model.file}: no node '${nodeId}' in graph '${graph.name}'`);
  const sg = model.subgraphs[origin.subgraph];
  const op = sg.operators[origin.operator];
  const names = valueNames(sg);
  const weights = op.inputs
    .filter((i) => i >= 0 && isConstant(model, sg.tensors[i]))
    .map((i) => {
      const t = sg.tensors[i];
      const values = tensorValues(model, t);
      return { ...weightInfo(model, t, names[i]), stats: values ? weightStats(values) : null };
    });
  return { nodeId, weights };
}
