import type { AttributeInfo, Dim, TensorInfo, ViewGraph, ViewNode, WeightInfo } from '../../graph/types';
import { valueRecord } from '../../graph/types';
import { nodeIds } from '../../graph/node-id';
import type { MilTextBlock, MilTextOp, MilTextValue } from './compiled';
import { decodeElements, elementsOf } from './mil-values';
import { dtypeBits } from './mil-types';
import type { CoreMLModel } from './model';
import { scopeOf } from './nn-view';
import type { WeightSources } from './sources';

const TEXT_DTYPES: Record<string, string> = {
  fp16: 'float16', fp32: 'float32', fp64: 'float64', bf16: 'bfloat16', int4: 'int4', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  uint1: 'uint1', uint2: 'uint2', uint3: 'uint3', uint4: 'uint4', uint6: 'uint6', uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64', bool: 'bool', string: 'string',
};

/** 'tensor<fp16, [1, 10]>' -> float16 [1, 10]; other types keep their text as the dtype. */
export function textType(name: string, type: string): TensorInfo {
  const m = /^tensor<\s*(\w+)\s*,\s*\[([^\]]*)\]\s*>$/.exec(type);
  if (!m) return { name, dtype: type, shape: null };
  const dims: Dim[] = m[2].split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return { name, dtype: TEXT_DTYPES[m[1]] ?? m[1], shape: dims };
}

const BLOBFILE = /BLOBFILE\(path\s*=\s*string\("([^"]*)"\)\s*,\s*offset\s*=\s*uint64\((\d+)\)\)/;

/** A compiled folder's graph: its model.mil when present, else one node standing for the compiled model. */
export function compiledGraph(model: CoreMLModel, sources: WeightSources): ViewGraph {
  const c = model.compiled!;
  const fn = c.program?.functions.find((f) => f.name === 'main') ?? c.program?.functions[0];
  if (!fn) {
    const node: ViewNode = {
      id: 'compiled model', name: 'compiled model', opType: 'compiledModel', domain: 'coreml', inputs: [], outputs: [],
      attributes: [{ name: 'note', type: 'string', value: 'compiled binary (not a source model): no model.mil to show' }],
      weights: [], weightBytes: 0, scope: [], subgraphs: [],
    };
    return { name: 'compiled model', nodes: [node], inputs: [], outputs: [], values: valueRecord() };
  }
  return blockGraph(fn, fn.name, model, sources);
}

function blockGraph(block: MilTextBlock, name: string, model: CoreMLModel, sources: WeightSources, outer = new Map<string, MilTextOp>()): ViewGraph {
  const consts = new Map(outer);
  const values: Record<string, TensorInfo> = valueRecord();
  for (const i of block.inputs) values[i.name] = textType(i.name, i.type);
  const nodes: Omit<ViewNode, 'id'>[] = [];
  for (const op of block.ops) {
    for (const o of op.outputs) values[o.name] = textType(o.name, o.type);
    if (op.op === 'const' && op.outputs[0]) { consts.set(op.outputs[0].name, op); continue; }
    const inputs: string[] = [];
    const weights: WeightInfo[] = [];
    const attributes: AttributeInfo[] = op.literals.filter(([k]) => k !== 'name').map(([k, v]) => ({ name: k, type: 'literal', value: v }));
    for (const [param, refs] of op.inputs) {
      for (const r of refs) {
        const c = consts.get(r);
        const w = c ? constWeight(c.outputs[0], c, model, sources) : undefined;
        if (w) { weights.push(w); inputs.push(r); } else if (c) attributes.push({ name: param, type: 'const', value: c.literals.find(([k]) => k === 'val')?.[1] ?? r });
        else inputs.push(r);
      }
    }
    const opName = /"([^"]*)"/.exec(op.literals.find(([k]) => k === 'name')?.[1] ?? '')?.[1] ?? '';
    nodes.push({
      name: opName, opType: op.op, domain: 'mil', inputs, outputs: op.outputs.map((o) => o.name), attributes, weights,
      weightBytes: weights.reduce((s, w) => s + w.bytes, 0), scope: scopeOf(opName),
      subgraphs: op.blocks.map((b, i) => ({ attribute: `block${i}`, graph: blockGraph(b, `${opName || op.op}/block${i}`, model, sources, consts) })),
    });
  }
  const ids = nodeIds(nodes);
  return {
    name, nodes: nodes.map((n, i) => ({ ...n, id: ids[i] })),
    inputs: block.inputs.map((i) => values[i.name]), outputs: block.outputs.map((o) => values[o] ?? { name: o, dtype: 'unknown', shape: null }), values,
  };
}

/** A const stored in a blob file is a weight (read lazily); inline literals stay attributes. */
function constWeight(out: MilTextValue, op: MilTextOp, model: CoreMLModel, sources: WeightSources): WeightInfo | undefined {
  const val = op.literals.find(([k]) => k === 'val')?.[1] ?? '';
  const blob = BLOBFILE.exec(val);
  if (!blob) return undefined;
  const info = textType(out.name, out.type);
  const elements = elementsOf(info.shape);
  const w: WeightInfo = { ...info, elements, bytes: Math.ceil((elements * dtypeBits(info.dtype)) / 8) };
  sources.set(w, () => {
    const file = model.blobs.get(blob[1]);
    const rec = file.record(Number(blob[2]));
    return decodeElements(file.data(rec), rec.dtype, elements);
  });
  return w;
}
