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

/** A packed view graph's text, and the nodes of its main graph (what a caller reports without unpacking). */
export interface PackedView {
  text: PackedViewGraphText;
  nodes: number;
}

export function packView(g: ViewGraph): PackedView {
  return { text: packViewGraphText(g), nodes: g.nodes.length };
}

/** Nodes packed into one JSON text per so many: each part's arrays die young (scavenges copy survivors). */
const NODES_PER_PART = 4096;

/**
 * A graph's packed nodes written out as JSON text as they come: on a 200,000-node graph they
 * would otherwise all live, and be copied by each scavenge, until the whole graph is written.
 */
export class PackedNodesText {
  private readonly parts: string[] = [];
  private batch: PackedNode[] = [];

  push(node: PackedNode): void {
    this.batch.push(node);
    if (this.batch.length === NODES_PER_PART) this.flush();
  }

  /** The nodes' list as JSON text. */
  text(): string {
    this.flush();
    return `[${this.parts.join(',')}]`;
  }

  private flush(): void {
    if (this.batch.length) this.parts.push(JSON.stringify(this.batch).slice(1, -1));
    this.batch = [];
  }
}

/** The text of `p`, whose main graph's nodes (left out of it) are `nodes`, a PackedNodesText: what JSON.stringify of the whole gives. */
export function packedTextWithNodes(p: PackedViewGraph, nodes: string): PackedViewGraphText {
  const [name, , ...rest] = p.graph;
  return `{"packed":1,"nodes":${p.nodes},"strings":${JSON.stringify(p.strings)},"graph":[${name},${nodes},${JSON.stringify(rest).slice(1)}}` as PackedViewGraphText;
}

/** The graph a message carries, packed (the open) or not (a test page, an edited version). */
export function viewGraphOf(g: ViewGraph | PackedViewGraphText): ViewGraph {
  return typeof g === 'string' ? unpackViewGraph(JSON.parse(g) as PackedViewGraph) : g;
}

/** The one empty list of a packed graph (read only: packViewGraph's output is only written out or unpacked). */
const NONE: never[] = [];

export function packViewGraph(g: ViewGraph): PackedViewGraph {
  const packer = new ViewPacker();
  return packer.result(packer.viewGraph(g), g.nodes.length);
}

/**
 * Packs a view graph piece by piece, numbering strings in the order `packViewGraph` meets them,
 * so a format can pack its nodes as it makes them instead of keeping them all (the view graph
 * of a 200,000-node model is most of the open's garbage).
 */
export class ViewPacker {
  private readonly table = stringTable();
  // Strings repeated on most nodes and values (dtype, opType, domain) from a small map instead of
  // the table's large one (a million strings on a 200,000-node graph); the same numbers.
  private readonly few = new Map<string, S>();

  private s(text: string): S {
    return this.table.id(text);
  }

  private common(text: string): S {
    let i = this.few.get(text);
    if (i === undefined) this.few.set(text, (i = this.table.id(text)));
    return i;
  }

  private tensor(t: TensorInfo): PackedTensor {
    const p: PackedTensor = [this.s(t.name), this.common(t.dtype), t.shape];
    if (t.quant !== undefined || t.detail !== undefined) p.push(t.quant ?? null, t.detail === undefined ? -1 : this.s(t.detail));
    return p;
  }

  private weight(w: WeightInfo, inputs: readonly string[], inputIds: S[]): PackedWeight {
    // A weight is one of its node's inputs, numbered a moment ago (looked up among few inputs only).
    let name = -1;
    if (inputs.length <= 8) for (let k = 0; k < inputs.length && name < 0; k++) if (inputs[k] === w.name) name = inputIds[k];
    const p: PackedWeight = [name < 0 ? this.s(w.name) : name, this.common(w.dtype), w.shape, w.bytes, w.elements];
    if (w.value !== undefined || w.quant !== undefined || w.detail !== undefined) {
      p.push(w.value === undefined ? -1 : this.s(w.value), w.quant ?? null, w.detail === undefined ? -1 : this.s(w.detail));
    }
    return p;
  }

  node(n: Readonly<ViewNode>): PackedNode {
    // The packed form lives until it is written as text: empty lists (most nodes' attributes,
    // scope, subgraphs) share one array instead of 800,000 on a 200,000-node graph.
    let attributes: S[] = NONE;
    if (n.attributes.length) {
      attributes = [];
      for (const a of n.attributes) attributes.push(this.s(a.name), this.s(a.type), this.s(a.value));
    }
    // Ids are unique and outputs new (each value has one producer): numbered without asking the
    // table whether it has them (a third of its lookups on a 200,000-node graph).
    const id = this.table.append(n.id);
    const name = n.name === n.id ? id : this.s(n.name);
    const opType = this.common(n.opType);
    const domain = this.common(n.domain);
    const inputs: S[] = new Array<S>(n.inputs.length);
    for (let k = 0; k < inputs.length; k++) inputs[k] = this.s(n.inputs[k]);
    const outputs: S[] = new Array<S>(n.outputs.length);
    for (let k = 0; k < outputs.length; k++) outputs[k] = this.table.define(n.outputs[k]);
    const p: PackedNode = [
      id, name, opType, domain, inputs, outputs, attributes,
      n.weights.length ? n.weights.map((w) => this.weight(w, n.inputs, inputs)) : NONE, n.weightBytes, n.scope.length ? n.scope.map((x) => this.s(x)) : NONE,
      n.subgraphs.length ? n.subgraphs.map((sub): [S, PackedGraph] => [this.s(sub.attribute), this.viewGraph(sub.graph)]) : NONE,
    ];
    if (n.macs !== undefined) p.push(n.macs);
    return p;
  }

  /**
   * A graph whose nodes are packed already: its values, then its name, inputs and outputs. The
   * values as ViewGraph.values, or as a list when each is keyed by its own name.
   */
  graph(name: string, nodes: PackedNode[], inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], values: Record<string, TensorInfo> | readonly TensorInfo[]): PackedGraph {
    const packedValues: PackedTensor[] = [];
    const keys: [number, S][] = [];
    if (Array.isArray(values)) {
      for (const t of values as readonly TensorInfo[]) packedValues.push(this.tensor(t));
    } else {
      // for-in, not Object.entries: no [key, value] array per value (400,000 on a 200,000-node graph).
      for (const key in values) {
        const t = (values as Record<string, TensorInfo>)[key];
        if (key !== t.name) keys.push([packedValues.length, this.s(key)]);
        packedValues.push(this.tensor(t));
      }
    }
    const p: PackedGraph = [this.s(name), nodes, inputs.map((t) => this.tensor(t)), outputs.map((t) => this.tensor(t)), packedValues];
    if (keys.length) p.push(keys);
    return p;
  }

  viewGraph(v: ViewGraph): PackedGraph {
    return this.graph(v.name, v.nodes.map((n) => this.node(n)), v.inputs, v.outputs, v.values);
  }

  result(graph: PackedGraph, nodes: number): PackedViewGraph {
    return { packed: 1, nodes, strings: this.table.strings, graph };
  }
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
