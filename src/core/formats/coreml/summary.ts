import type { CoreMLFacts, ModelSummary, TensorInfo } from '../../graph/types';
import { classicParameters, classLabels, modelTypeParams } from './classic-view';
import { compiledSummary } from './compiled-summary';
import { featureInfo, minimumOS } from './features';
import { milCounts } from './mil-summary';
import { functionBlock, mainFunction } from './mil-walk';
import type { CoreMLModel } from './model';
import { networkCounts } from './nn-summary';
import type { Model } from './proto/model_pb';
import { modelType, stageLabel } from './view';
import { addWeight, emptyCounts, type Counts } from './counts';
import { valueRecord } from '../../graph/types';

/** `edgewise inspect` facts of a Core ML model, in the same fields as for ONNX and TFLite, plus `coreml`. */
export function summarizeCoreML(model: CoreMLModel): ModelSummary {
  if (!model.spec) return compiledSummary(model);
  const spec = model.spec;
  const counts = emptyCounts();
  countModel(spec, model, counts);
  const d = spec.description;
  const fn = d?.functions.find((f) => f.name === d.defaultFunctionName) ?? d?.functions[0];
  const inputs: TensorInfo[] = (fn?.input ?? d?.input ?? []).map(featureInfo);
  const outputs: TensorInfo[] = (fn?.output ?? d?.output ?? []).map(featureInfo);
  const user = d?.metadata?.userDefined ?? {};
  return {
    file: model.file,
    format: 'coreml',
    fileBytes: model.fileBytes,
    irVersion: null,
    producer: { name: user['com.github.apple.coremltools.version'] ? 'coremltools' : '', version: user['com.github.apple.coremltools.version'] ?? '' },
    opsets: {},
    inputs,
    outputs,
    nodes: counts.nodes,
    nodesWithSubgraphs: counts.nodesWithSubgraphs,
    ops: counts.ops,
    initializers: counts.weights,
    parameters: counts.parameters,
    bytesByDtype: counts.bytesByDtype,
    externalData: model.blobs.opened().length > 0,
    macs: counts.macsUnknown === 0 ? counts.macs : null,
    macsUnknownNodes: counts.macsUnknown,
    metadata: metadataOf(spec, model),
    coreml: facts(spec, model),
  };
}

function countModel(m: Model, model: CoreMLModel, c: Counts): void {
  const t = m.Type;
  switch (t.case) {
    case 'neuralNetwork': case 'neuralNetworkClassifier': case 'neuralNetworkRegressor':
      networkCounts(t.value, m.description?.input ?? [], c);
      return;
    case 'mlProgram':
      milCounts(t.value, m.description?.defaultFunctionName, model.blobs, c);
      return;
    case 'pipeline': case 'pipelineClassifier': case 'pipelineRegressor': {
      const p = t.case === 'pipeline' ? t.value : t.value.pipeline;
      for (const sub of p?.models ?? []) countModel(sub, model, c);
      return;
    }
    default: {
      const type = modelType(m);
      c.nodes++;
      c.nodesWithSubgraphs++;
      c.ops[type] = (c.ops[type] ?? 0) + 1;
      const p = classicParameters(m);
      if (p.count > 0) addWeight(c, p.dtype, p.count * (p.dtype === 'float32' ? 4 : 8), p.count);
    }
  }
}

function facts(spec: Model, model: CoreMLModel): CoreMLFacts {
  const f: CoreMLFacts = {
    container: model.location.container,
    specificationVersion: spec.specificationVersion,
    minimumOS: minimumOS(spec.specificationVersion),
    modelType: modelType(spec),
    isUpdatable: spec.isUpdatable,
  };
  const t = spec.Type;
  if (t.case === 'mlProgram') {
    const main = mainFunction(t.value, spec.description?.defaultFunctionName);
    if (main) f.opset = main[1].opset;
  }
  const p = modelTypeParams(spec);
  const labels = p ? classLabels(p.msg) : [];
  const pipelineLabels = (t.case === 'pipelineClassifier' ? t.value.pipeline?.models ?? [] : []).flatMap((s) => { const q = modelTypeParams(s); return q ? classLabels(q.msg) : []; });
  const all = labels.length ? labels : pipelineLabels;
  if (all.length) f.classLabels = { count: all.length, first: all.slice(0, 10) };
  return f;
}

function metadataOf(spec: Model, model: CoreMLModel): Record<string, string> {
  const out = valueRecord<string>();
  const d = spec.description;
  const m = d?.metadata;
  if (m?.shortDescription) out.description = m.shortDescription;
  if (m?.versionString) out.version = m.versionString;
  if (m?.author) out.author = m.author;
  if (m?.license) out.license = m.license;
  for (const [k, v] of Object.entries(m?.userDefined ?? {})) out[k] = v;
  if (d?.predictedFeatureName) out.predictedFeatureName = d.predictedFeatureName;
  if (d?.predictedProbabilitiesName) out.predictedProbabilitiesName = d.predictedProbabilitiesName;
  if (d?.trainingInput.length) out.trainingInputs = d.trainingInput.map((f) => f.name).join(', ');
  if (model.location.container === 'mlpackage') out['package root model'] = model.location.specFile!.slice(model.file.length + 1);
  const t = spec.Type;
  if (t.case === 'pipeline' || t.case === 'pipelineClassifier' || t.case === 'pipelineRegressor') {
    const p = t.case === 'pipeline' ? t.value : t.value.pipeline;
    if (p) out.stages = p.models.map((_, i) => stageLabel(p, i)).join(' -> ');
  }
  if (t.case === 'mlProgram') {
    const main = mainFunction(t.value, d?.defaultFunctionName);
    for (const [name, fn] of Object.entries(t.value.functions)) {
      if (main && name === main[0]) continue;
      out[`function:${name}`] = `${functionBlock(fn)?.operations.length ?? 0} ops (opset ${fn.opset}); the graph shows '${main?.[0]}'`;
    }
  }
  return out;
}
