/**
 * A ViewGraph packed for the trip from the worker to the webview (worker -> IPC -> extension host
 * -> webview message): every string once (string-table.ts), and nodes, tensors and values as
 * arrays of numbers instead of objects with keys. A 220-layer transformer's view graph is 7.8 MB of JSON; packed it is 1.9 MB. It travels as JSON text, so the
 * extension host relays one string instead of parsing and serializing 200,000 objects, and every
 * hop copies a quarter of the bytes. `unpackViewGraph` gives back the same ViewGraph (JSON-equal:
 * absent optional fields stay absent). Shared with the webview.
 */
import { readStringTable, stringTable, type FrontCoded } from './string-table';
import type { AttributeInfo, Dim, QuantInfo, TensorInfo, ViewGraph, ViewNode, WeightInfo } from './types';
import { valueRecord } from './types';

/** An index into the string table. */
type S = number;
/** name, dtype, shape, then (only when present) quant or null, detail or -1. */
type PackedTensor = [S, S, Dim[] | null, (QuantInfo | null)?, S?];
/** name, dtype, shape, bytes, elements, then (only when present) value or -1, quant or null, detail or -1. */
type PackedWeight = [S, S, Dim[] | null, number, number, S?, (QuantInfo | null)?, S?];
/** id, name, opType, domain, inputs, outputs, attributes (name, type, value flat), weights, weightBytes, scope, subgraphs, macs (when known). */
type PackedNode = [S, S, S, S, S[], S[], S[], PackedWeight[], number, S[], [S, PackedGraph][], number?];
/** name, nodes, inputs, outputs, values (keyed by their tensor's name; `valueKeys` lists the exceptions: [index, key]). */
type PackedGraph = [S, PackedNode[], PackedTensor[], PackedTensor[], PackedTensor[], [number, S][]?];

export interface PackedViewGraph {
  packed: 1;
  /** Nodes of the main graph (what a caller reports without unpacking). */
  nodes: number;
  strings: FrontCoded;
  graph: PackedGraph;
}

/** The JSON text of a PackedViewGraph. */
export type PackedViewGraphText = string & { readonly packedViewGraph: true };

export function packViewGraphText(g: ViewGraph): PackedViewGraphText {
  return JSON.stringify(packViewGraph(g)) as PackedViewGraphText;
}

/** The graph a message carries, packed (the open) or not (a test page, an edited version). */
export function viewGraphOf(g: ViewGraph | PackedViewGraphText): ViewGraph {
  return typeof g === 'string' ? unpackViewGraph(JSON.parse(g) as PackedViewGraph) : g;
}

/** The one empty list of a packed graph (read only: packViewGraph's output is only written out or unpacked). */
const NONE: never[] = [];

export function packViewGraph(g: ViewGraph): PackedViewGraph {
  const table = stringTable();
  const s = (text: string): S => table.id(text);
  // Strings repeated on most nodes and values (dtype, opType, domain) from a small map instead of
  // the table's large one (a million strings on a 200,000-node graph); the same numbers.
  const few = new Map<string, S>();
  const common = (text: string): S => {
    let i = few.get(text);
    if (i === undefined) few.set(text, (i = table.id(text)));
    return i;
  };
  const tensor = (t: TensorInfo): PackedTensor => {
    const p: PackedTensor = [s(t.name), common(t.dtype), t.shape];
    if (t.quant !== undefined || t.detail !== undefined) p.push(t.quant ?? null, t.detail === undefined ? -1 : s(t.detail));
    return p;
  };
  const weight = (w: WeightInfo, inputs: readonly string[], inputIds: S[]): PackedWeight => {
    // A weight is one of its node's inputs, numbered a moment ago (looked up among few inputs only).
    let name = -1;
    if (inputs.length <= 8) for (let k = 0; k < inputs.length && name < 0; k++) if (inputs[k] === w.name) name = inputIds[k];
    const p: PackedWeight = [name < 0 ? s(w.name) : name, common(w.dtype), w.shape, w.bytes, w.elements];
    if (w.value !== undefined || w.quant !== undefined || w.detail !== undefined) {
      p.push(w.value === undefined ? -1 : s(w.value), w.quant ?? null, w.detail === undefined ? -1 : s(w.detail));
    }
    return p;
  };
  const graph = (v: ViewGraph): PackedGraph => {
    const nodes = v.nodes.map((n): PackedNode => {
      // The packed form lives until it is written as text: empty lists (most nodes' attributes,
      // scope, subgraphs) share one array instead of 800,000 on a 200,000-node graph.
      let attributes: S[] = NONE;
      if (n.attributes.length) {
        attributes = [];
        for (const a of n.attributes) attributes.push(s(a.name), s(a.type), s(a.value));
      }
      const id = s(n.id);
      const name = n.name === n.id ? id : s(n.name);
      const opType = common(n.opType);
      const domain = common(n.domain);
      const inputs = n.inputs.map(s);
      const p: PackedNode = [
        id, name, opType, domain, inputs, n.outputs.map(s), attributes,
        n.weights.length ? n.weights.map((w) => weight(w, n.inputs, inputs)) : NONE, n.weightBytes, n.scope.length ? n.scope.map(s) : NONE,
        n.subgraphs.length ? n.subgraphs.map((sub): [S, PackedGraph] => [s(sub.attribute), graph(sub.graph)]) : NONE,
      ];
      if (n.macs !== undefined) p.push(n.macs);
      return p;
    });
    const values: PackedTensor[] = [];
    const keys: [number, S][] = [];
    // for-in, not Object.entries: no [key, value] array per value (400,000 on a 200,000-node graph).
    for (const key in v.values) {
      const t = v.values[key];
      if (key !== t.name) keys.push([values.length, s(key)]);
      values.push(tensor(t));
    }
    const p: PackedGraph = [s(v.name), nodes, v.inputs.map(tensor), v.outputs.map(tensor), values];
    if (keys.length) p.push(keys);
    return p;
  };
  const packed = graph(g);
  return { packed: 1, nodes: g.nodes.length, strings: table.strings, graph: packed };
}

export function unpackViewGraph(p: PackedViewGraph): ViewGraph {
  const table = readStringTable(p.strings);
  const str = (i: S): string => table[i];
  const tensor = ([name, dtype, shape, quant, detail]: PackedTensor): TensorInfo => {
    const t: TensorInfo = { name: table[name], dtype: table[dtype], shape };
    if (quant) t.quant = quant;
    if (detail !== undefined && detail >= 0) t.detail = table[detail];
    return t;
  };
  const weight = ([name, dtype, shape, bytes, elements, value, quant, detail]: PackedWeight): WeightInfo => {
    const w: WeightInfo = { name: table[name], dtype: table[dtype], shape, bytes, elements };
    if (value !== undefined && value >= 0) w.value = table[value];
    if (quant) w.quant = quant;
    if (detail !== undefined && detail >= 0) w.detail = table[detail];
    return w;
  };
  const graph = ([name, nodes, inputs, outputs, values, keys]: PackedGraph): ViewGraph => {
    const valueKeys = new Map(keys ?? []);
    const byName: Record<string, TensorInfo> = valueRecord();
    values.forEach((v, i) => {
      const t = tensor(v);
      const key = valueKeys.get(i);
      byName[key === undefined ? t.name : table[key]] = t;
    });
    return {
      name: table[name],
      nodes: nodes.map(([id, nodeName, opType, domain, ins, outs, attrs, weights, weightBytes, scope, subgraphs, macs]): ViewNode => {
        const attributes: AttributeInfo[] = [];
        for (let i = 0; i < attrs.length; i += 3) attributes.push({ name: table[attrs[i]], type: table[attrs[i + 1]], value: table[attrs[i + 2]] });
        const n: ViewNode = {
          id: table[id], name: table[nodeName], opType: table[opType], domain: table[domain], inputs: ins.map(str), outputs: outs.map(str),
          attributes, weights: weights.map(weight), weightBytes, scope: scope.map(str),
          subgraphs: subgraphs.map(([attribute, sub]) => ({ attribute: table[attribute], graph: graph(sub) })),
        };
        if (macs !== undefined) n.macs = macs;
        return n;
      }),
      inputs: inputs.map(tensor),
      outputs: outputs.map(tensor),
      values: byName,
    };
  };
  return graph(p.graph);
}
