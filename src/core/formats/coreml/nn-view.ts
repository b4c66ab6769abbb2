import type { DescField, DescMessage, Message } from '@bufbuild/protobuf';
import type { AttributeInfo, TensorInfo, ViewGraph, ViewNode, WeightInfo } from '../../graph/types';
import { valueRecord } from '../../graph/types';
import { nodeIds } from '../../graph/node-id';
import { attributesOf, fieldValue, setFields } from './reflect';
import { isEmptyWeight, weightInfo, weightValues } from './nn-weights';
import type { WeightSources } from './sources';
import { layerWeightShape } from './nn-shapes';
import {
  NeuralNetworkLayerSchema, NeuralNetworkPreprocessingSchema, type NeuralNetwork, type NeuralNetworkLayer, type NeuralNetworkPreprocessing, type WeightParams,
} from './proto/neural_network_pb';

/** The parts of NeuralNetwork / NeuralNetworkClassifier / NeuralNetworkRegressor the graph needs. */
export interface NetworkLike {
  layers: NeuralNetworkLayer[];
  preprocessing: NeuralNetworkPreprocessing[];
}

/** A layer weight with where it sits in the layer's parameters ('weights', 'weightParams[1].inputGateBiasVector'). */
export interface LayerWeight { path: string; params: WeightParams; shape: number[] | null }

export interface ClassifierOutput {
  /** The blob holding one score per class. */
  probabilities: string;
  outputs: string[];
  labels: string[];
}

export interface NetworkGraphOptions {
  name: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Hierarchy prefix (a pipeline stage). */
  scope: string[];
  classifier?: ClassifierOutput;
}

/** Layer type shown as the op: the params field name, or the function of an `activation` layer. */
export function layerOpType(layer: NeuralNetworkLayer): string {
  const l = layer.layer;
  if (l.case === 'activation') return l.value.NonlinearityType.case ?? 'activation';
  return l.case ?? 'unknown';
}

/** The layer's parameter message and its schema, for reflection. */
export function layerParams(layer: NeuralNetworkLayer): { desc: DescMessage; msg: Message } | undefined {
  const l = layer.layer;
  if (!l.case) return undefined;
  const field = NeuralNetworkLayerSchema.fields.find((f) => f.localName === l.case);
  return field?.fieldKind === 'message' ? { desc: field.message, msg: l.value as Message } : undefined;
}

const isWeightType = (d: DescMessage) => d.typeName === 'CoreML.Specification.WeightParams';
const isNetworkType = (d: DescMessage) => d.typeName === 'CoreML.Specification.NeuralNetwork';

function messageType(f: DescField): DescMessage | undefined {
  return f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message') ? f.message : undefined;
}

/** True for fields that hold (or contain) weights or nested networks: shown as weights/subgraphs, not attributes. */
function holdsData(d: DescMessage, seen = new Set<string>()): boolean {
  if (isWeightType(d) || isNetworkType(d)) return true;
  if (seen.has(d.typeName)) return false;
  seen.add(d.typeName);
  return d.fields.some((f) => { const m = messageType(f); return m !== undefined && holdsData(m, seen); });
}

/** Every non-empty WeightParams inside a layer's parameters, depth first, with shapes where the layer defines them. */
export function layerWeights(layer: NeuralNetworkLayer): LayerWeight[] {
  const p = layerParams(layer);
  if (!p) return [];
  const out: LayerWeight[] = [];
  const visit = (desc: DescMessage, msg: Message, prefix: string): void => {
    for (const f of setFields(desc, msg)) {
      const m = messageType(f);
      if (!m || isNetworkType(m) || !holdsData(m)) continue;
      const v = fieldValue(msg, f);
      const items = f.fieldKind === 'list' ? (v as Message[]).map((x, i) => [x, `${prefix}${f.name}[${i}]`] as const) : [[v as Message, `${prefix}${f.name}`] as const];
      for (const [x, path] of items) {
        if (isWeightType(m)) {
          const params = x as unknown as WeightParams;
          if (!isEmptyWeight(params)) out.push({ path, params, shape: layerWeightShape(layer, path) });
        } else visit(m, x, `${path}.`);
      }
    }
  };
  visit(p.desc, p.msg, '');
  return out;
}

/** Nested networks of control-flow layers (branch: ifBranch/elseBranch; loop: conditionNetwork/bodyNetwork). */
export function layerNetworks(layer: NeuralNetworkLayer): { attribute: string; net: NeuralNetwork }[] {
  const p = layerParams(layer);
  if (!p) return [];
  return setFields(p.desc, p.msg).filter((f) => { const m = messageType(f); return m !== undefined && isNetworkType(m); })
    .map((f) => ({ attribute: f.name, net: fieldValue(p.msg, f) as NeuralNetwork }));
}

export function layerAttributes(layer: NeuralNetworkLayer): AttributeInfo[] {
  const p = layerParams(layer);
  const attrs = p ? attributesOf(p.desc, p.msg, (f) => { const m = messageType(f); return m !== undefined && holdsData(m); }) : [];
  const l = layer.layer;
  // An activation's function is the op; its parameters (alpha...) are the attributes.
  if (l.case === 'activation' && l.value.NonlinearityType.case) {
    const inner = p!.desc.fields.find((f) => f.localName === l.value.NonlinearityType.case);
    if (inner?.fieldKind === 'message') return attributesOf(inner.message, l.value.NonlinearityType.value as Message, (f) => { const m = messageType(f); return m !== undefined && holdsData(m); });
  }
  if (layer.isUpdatable) attrs.push({ name: 'isUpdatable', type: 'bool', value: 'true' });
  return attrs;
}

/** Name of the preprocessed copy of an input feature (what the layers read in the view). */
export const preprocessedName = (feature: string): string => `${feature} (preprocessed)`;

/** The graph of a neural network: layers wired by blob names, control-flow bodies as subgraphs. */
export function networkGraph(net: NetworkLike, opts: NetworkGraphOptions, sources: WeightSources, nested = false): ViewGraph {
  const renamed = new Map<string, string>();
  const nodes: Omit<ViewNode, 'id'>[] = [];
  for (const pre of net.preprocessing) {
    const kind = pre.preprocessor.case;
    if (!kind) continue;
    const feature = pre.featureName || opts.inputs[0]?.name || '';
    const out = preprocessedName(feature);
    renamed.set(feature, out);
    const weights: WeightInfo[] = [];
    if (pre.preprocessor.case === 'meanImage') {
      const mean = pre.preprocessor.value.meanImage;
      const w: WeightInfo = { name: `${feature}/meanImage`, dtype: 'float32', shape: [mean.length], bytes: mean.length * 4, elements: mean.length };
      sources.set(w, () => Float32Array.from(mean));
      weights.push(w);
    }
    const pdesc = NeuralNetworkPreprocessingSchema.fields.find((f) => f.localName === kind);
    const attributes = pdesc?.fieldKind === 'message' && kind === 'scaler' ? attributesOf(pdesc.message, pre.preprocessor.value as Message) : [];
    nodes.push(node(`${feature}/${kind}`, kind === 'scaler' ? 'imageScaler' : 'meanImage', [feature], [out], attributes, weights, opts.scope));
  }
  for (const layer of net.layers) {
    const inputs = layer.input.map((i) => renamed.get(i) ?? i);
    const weights = layerWeights(layer).map((w) => {
      const info = weightInfo(`${layer.name}/${w.path}`, w.params, w.shape);
      sources.set(info, () => weightValues(w.params, info.elements));
      return info;
    });
    const n = node(layer.name, layerOpType(layer), inputs, [...layer.output], layerAttributes(layer), weights, opts.scope);
    n.subgraphs = layerNetworks(layer).map(({ attribute, net: sub }) => ({
      attribute,
      graph: networkGraph({ layers: sub.layers, preprocessing: sub.preprocessing }, { name: `${layer.name}/${attribute}`, inputs: [], outputs: [], scope: [] }, sources, true),
    }));
    nodes.push(n);
  }
  const c = opts.classifier;
  if (c) {
    const attrs: AttributeInfo[] = [{ name: 'classes', type: 'int', value: String(c.labels.length) }];
    if (c.labels.length) attrs.push({ name: 'labels', type: 'strings', value: labelText(c.labels) });
    nodes.push(node('classifier', 'classLabels', [c.probabilities], c.outputs, attrs, [], opts.scope));
  }
  const ids = nodeIds(nodes);
  const values: Record<string, TensorInfo> = valueRecord();
  for (const layer of net.layers) {
    layer.output.forEach((o, i) => {
      const t = layer.outputTensor[i];
      if (t && t.dimValue.length > 0) values[o] = { name: o, dtype: 'float32', shape: t.dimValue.map((d) => (d < 0n ? '?' : Number(d))) };
    });
  }
  for (const v of [...opts.inputs, ...opts.outputs]) values[v.name] ??= v;
  return {
    name: opts.name,
    nodes: nodes.map((n, i) => ({ ...n, id: ids[i] })),
    inputs: nested ? [] : opts.inputs,
    outputs: nested ? [] : opts.outputs,
    values,
  };
}

function node(name: string, opType: string, inputs: string[], outputs: string[], attributes: AttributeInfo[], weights: WeightInfo[], scope: string[]): Omit<ViewNode, 'id'> {
  return {
    name, opType, domain: 'coreml', inputs: [...inputs, ...weights.map((w) => w.name)], outputs, attributes, weights,
    weightBytes: weights.reduce((s, w) => s + w.bytes, 0), scope: [...scope, ...scopeOf(name)], subgraphs: [],
  };
}

/** 'block1/conv2/Conv2D' -> ['block1', 'conv2'] (converters keep TensorFlow's name scopes). */
export function scopeOf(name: string): string[] {
  return name.split('/').filter((s) => s.length > 0).slice(0, -1);
}

export function labelText(labels: string[]): string {
  const shown = labels.slice(0, 10).join(', ');
  return labels.length > 10 ? `${shown}, ... (${labels.length})` : shown;
}
