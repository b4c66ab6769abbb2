import type { AttributeInfo, TensorInfo, ViewGraph, ViewNode, WeightInfo } from '../../graph/types';
import { valueRecord } from '../../graph/types';
import { nodeIds } from '../../graph/node-id';
import type { BlobFiles } from './model';
import { milTensorInfo, milTypeText } from './mil-types';
import { constStorage, constValues, elementsOf, immediateTensor, valueText } from './mil-values';
import type { WeightSources } from './sources';
import { scopeOf } from './nn-view';
import type { Block, NamedValueType, Operation, Value } from './proto/mil_pb';

/** A const op's output: its value and how it is stored. */
export interface MilConst { name: string; value: Value; info: TensorInfo; op: Operation }

/** Bigger immediate tensors than this are weights; smaller ones are shown as attributes. */
const WEIGHT_MIN_ELEMENTS = 16;

/** Names of nested blocks by op (`cond`: then/else; `while_loop`: cond/body). */
const BLOCK_NAMES: Record<string, string[]> = { cond: ['then', 'else'], while_loop: ['cond', 'body'] };

export function opName(op: Operation): string {
  const t = immediateTensor(op.attributes.name);
  return t?.value.case === 'strings' ? t.value.value.values[0] ?? '' : '';
}

/** The consts a block defines (nested blocks see their enclosing blocks' consts too). */
export function blockConsts(block: Block, outer?: Map<string, MilConst>): Map<string, MilConst> {
  const out = new Map(outer);
  for (const op of block.operations) {
    if (op.type !== 'const' || !op.attributes.val || !op.outputs[0]) continue;
    const o = op.outputs[0];
    out.set(o.name, { name: o.name, value: op.attributes.val, info: milTensorInfo(o.name, o.type), op });
  }
  return out;
}

/** True when a const is shown as a weight (blob-stored, or a numeric tensor of some size). */
export function isWeightConst(c: MilConst): boolean {
  if (c.value.value.case === 'blobFileValue') return true;
  const t = immediateTensor(c.value);
  if (!t || t.value.case === 'strings' || t.value.case === 'bools') return false;
  return elementsOf(c.info.shape) > WEIGHT_MIN_ELEMENTS;
}

export function constWeight(c: MilConst, blobs: BlobFiles, sources?: WeightSources): WeightInfo {
  const s = constStorage(c.value, c.info.dtype, c.info.shape, blobs);
  const w: WeightInfo = { ...c.info, bytes: s.bytes, elements: s.elements };
  const text = valueText(c.value, 4);
  if (text !== undefined) w.value = text;
  sources?.set(w, () => constValues(c.value, c.info.dtype, s.elements, blobs));
  return w;
}

export interface MilGraphOptions {
  name: string;
  inputs: NamedValueType[];
  scope: string[];
  /** Feature descriptions of the model's inputs/outputs (richer than MIL's own types at the top level). */
  inputInfos?: TensorInfo[];
  outputInfos?: TensorInfo[];
}

/** The graph of one MIL block: ops as nodes, consts folded into their consumers, nested blocks as subgraphs. */
export function milGraph(block: Block, opts: MilGraphOptions, blobs: BlobFiles, sources: WeightSources, outer?: Map<string, MilConst>): ViewGraph {
  const consts = blockConsts(block, outer);
  const values: Record<string, TensorInfo> = valueRecord();
  for (const i of opts.inputs) values[i.name] = milTensorInfo(i.name, i.type);
  const nodes: Omit<ViewNode, 'id'>[] = [];
  for (const op of block.operations) {
    for (const o of op.outputs) values[o.name] = milTensorInfo(o.name, o.type);
    if (op.type === 'const') continue;
    nodes.push(opNode(op, consts, blobs, sources, opts.scope, (b, i) => milGraph(b, {
      name: `${opName(op) || op.type}/${BLOCK_NAMES[op.type]?.[i] ?? `block${i}`}`, inputs: b.inputs, scope: [],
    }, blobs, sources, consts)));
  }
  const ids = nodeIds(nodes);
  const inputs = opts.inputInfos ?? opts.inputs.map((i) => values[i.name]);
  const outputs = opts.outputInfos ?? block.outputs.map((o) => values[o] ?? { name: o, dtype: 'unknown', shape: null });
  return { name: opts.name, nodes: nodes.map((n, i) => ({ ...n, id: ids[i] })), inputs, outputs, values };
}

function opNode(op: Operation, consts: Map<string, MilConst>, blobs: BlobFiles, sources: WeightSources, scope: string[], sub: (b: Block, i: number) => ViewGraph): Omit<ViewNode, 'id'> {
  const inputs: string[] = [];
  const weights: WeightInfo[] = [];
  const attributes: AttributeInfo[] = [];
  for (const [param, arg] of Object.entries(op.inputs)) {
    const texts: string[] = [];
    for (const b of arg.arguments) {
      const bind = b.binding;
      if (bind.case === 'value') { texts.push(valueText(bind.value) ?? milTypeText(bind.value.type)); continue; }
      if (bind.case !== 'name') continue;
      const c = consts.get(bind.value);
      if (c && isWeightConst(c)) {
        if (!weights.some((w) => w.name === c.name)) weights.push(constWeight(c, blobs, sources));
        inputs.push(c.name);
      } else if (c) texts.push(valueText(c.value) ?? `${c.info.dtype} ${JSON.stringify(c.info.shape)}`);
      else inputs.push(bind.value);
    }
    if (texts.length > 0) attributes.push({ name: param, type: 'const', value: texts.length === 1 ? texts[0] : `(${texts.join(', ')})` });
  }
  for (const [key, v] of Object.entries(op.attributes)) {
    if (key === 'name') continue;
    attributes.push({ name: key, type: 'attribute', value: valueText(v, 16) ?? milTypeText(v.type) });
  }
  const name = opName(op);
  return {
    name,
    opType: op.type,
    domain: 'mil',
    inputs,
    outputs: op.outputs.map((o) => o.name),
    attributes,
    weights,
    weightBytes: weights.reduce((s, w) => s + w.bytes, 0),
    scope: [...scope, ...scopeOf(name)],
    subgraphs: op.blocks.map((b, i) => ({ attribute: BLOCK_NAMES[op.type]?.[i] ?? `block${i}`, graph: sub(b, i) })),
  };
}

