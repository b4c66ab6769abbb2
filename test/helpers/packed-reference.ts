/**
 * packViewGraph as it was before its string lookups were cut (commit 5e052a3), kept as the
 * reference the packed text must equal byte for byte: test/core/graph/packed.test.ts. Its
 * numbering rule since: a node's id is appended to the string table, its outputs defined anew.
 */
import { stringTable } from '../../src/core/graph/string-table';
import type { PackedViewGraph } from '../../src/core/graph/packed';
import type { Dim, QuantInfo, TensorInfo, ViewGraph, WeightInfo } from '../../src/core/graph/types';

type S = number;
type PackedTensor = [S, S, Dim[] | null, (QuantInfo | null)?, S?];
type PackedWeight = [S, S, Dim[] | null, number, number, S?, (QuantInfo | null)?, S?];
type PackedGraph = PackedViewGraph['graph'];
type PackedNode = PackedGraph[1][number];

export function referencePackViewGraph(g: ViewGraph): PackedViewGraph {
  const table = stringTable();
  const s = (text: string): S => table.id(text);
  const tensor = (t: TensorInfo): PackedTensor => {
    const p: PackedTensor = [s(t.name), s(t.dtype), t.shape];
    if (t.quant !== undefined || t.detail !== undefined) p.push(t.quant ?? null, t.detail === undefined ? -1 : s(t.detail));
    return p;
  };
  const weight = (w: WeightInfo): PackedWeight => {
    const p: PackedWeight = [s(w.name), s(w.dtype), w.shape, w.bytes, w.elements];
    if (w.value !== undefined || w.quant !== undefined || w.detail !== undefined) {
      p.push(w.value === undefined ? -1 : s(w.value), w.quant ?? null, w.detail === undefined ? -1 : s(w.detail));
    }
    return p;
  };
  const graph = (v: ViewGraph): PackedGraph => {
    const nodes = v.nodes.map((n): PackedNode => {
      const attributes: S[] = [];
      for (const a of n.attributes) attributes.push(s(a.name), s(a.type), s(a.value));
      const id = table.append(n.id);
      const p: PackedNode = [
        id, n.name === n.id ? id : s(n.name), s(n.opType), s(n.domain), n.inputs.map(s), n.outputs.map((o) => table.define(o)), attributes,
        n.weights.map(weight), n.weightBytes, n.scope.map(s), n.subgraphs.map((sub): [S, PackedGraph] => [s(sub.attribute), graph(sub.graph)]),
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
