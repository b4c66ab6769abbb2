import type { TensorInfo, ViewGraph, ViewNode } from '../../graph/types';
import { valueRecord } from '../../graph/types';
import { nodeIds } from '../../graph/node-id';
import { classicAttributes } from './classic-view';
import { compiledGraph } from './compiled-view';
import { featureInfo } from './features';
import { mainFunction, functionBlock } from './mil-walk';
import { milGraph } from './mil-view';
import type { CoreMLModel } from './model';
import { networkGraph, type ClassifierOutput } from './nn-view';
import { classLabels } from './classic-view';
import type { Model, Pipeline } from './proto/model_pb';
import type { WeightSources } from './sources';
import { pushAll } from '../../base/arrays';

/** The format-neutral graph of a Core ML model, and where each of its weights' values come from. */
export function coremlViewGraph(model: CoreMLModel): { graph: ViewGraph; sources: WeightSources } {
  const sources: WeightSources = new WeakMap();
  const graph = model.spec ? specGraph(model.spec, model, sources, []) : compiledGraph(model, sources);
  return { graph, sources };
}

/** The model type's field name, e.g. 'neuralNetworkClassifier'. */
export function modelType(m: Model): string {
  return m.Type.case ?? 'none';
}

function specGraph(m: Model, model: CoreMLModel, sources: WeightSources, scope: string[]): ViewGraph {
  const d = m.description;
  const inputs = (d?.input ?? []).map(featureInfo);
  const outputs = (d?.output ?? []).map(featureInfo);
  const name = d?.metadata?.shortDescription || modelType(m);
  const t = m.Type;
  switch (t.case) {
    case 'neuralNetwork': case 'neuralNetworkRegressor':
      return networkGraph(t.value, { name, inputs, outputs, scope }, sources);
    case 'neuralNetworkClassifier': {
      const layers = t.value.layers;
      const classifier: ClassifierOutput = {
        probabilities: t.value.labelProbabilityLayerName || layers[layers.length - 1]?.output[0] || '',
        outputs: [d?.predictedFeatureName, d?.predictedProbabilitiesName].filter((x): x is string => !!x),
        labels: classLabels(t.value),
      };
      return networkGraph(t.value, { name, inputs, outputs, scope, classifier }, sources);
    }
    case 'mlProgram': {
      const main = mainFunction(t.value, d?.defaultFunctionName);
      const block = main && functionBlock(main[1]);
      if (!main || !block) return { name, nodes: [], inputs, outputs, values: valueRecord() };
      return milGraph(block, { name: main[0], inputs: main[1].inputs, scope, inputInfos: inputs, outputInfos: outputs }, model.blobs, sources);
    }
    case 'pipeline': case 'pipelineClassifier': case 'pipelineRegressor':
      return pipelineGraph(t.case === 'pipeline' ? t.value : t.value.pipeline, name, inputs, outputs, model, sources, scope);
    default: {
      const node: ViewNode = {
        id: modelType(m), name: modelType(m), opType: modelType(m), domain: 'coreml',
        inputs: inputs.map((i) => i.name), outputs: outputs.map((o) => o.name),
        attributes: classicAttributes(m), weights: [], weightBytes: 0, scope, subgraphs: [],
      };
      return { name, nodes: [node], inputs, outputs, values: Object.fromEntries([...inputs, ...outputs].map((v) => [v.name, v])) };
    }
  }
}

/** Label of a pipeline stage (its hierarchy group): the pipeline's name for it, else 'index type'. */
export function stageLabel(p: Pipeline, i: number): string {
  const given = p.names[i]?.replace(/\//g, '_');
  return given || `${i} ${modelType(p.models[i])}`;
}

/** Sub-models in order, each a group of its nodes, wired by feature names as Core ML runs them. */
function pipelineGraph(p: Pipeline | undefined, name: string, inputs: TensorInfo[], outputs: TensorInfo[], model: CoreMLModel, sources: WeightSources, scope: string[]): ViewGraph {
  const nodes: ViewNode[] = [];
  const values: Record<string, TensorInfo> = valueRecord();
  (p?.models ?? []).forEach((sub, i) => {
    const g = specGraph(sub, model, sources, [...scope, stageLabel(p!, i)]);
    pushAll(nodes, g.nodes);
    Object.assign(values, g.values);
  });
  const ids = nodeIds(nodes);
  nodes.forEach((n, i) => { n.id = ids[i]; });
  for (const v of [...inputs, ...outputs]) values[v.name] = v;
  return { name, nodes, inputs, outputs, values };
}
