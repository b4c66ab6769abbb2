import * as fs from 'node:fs';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttrType,
  GraphProtoSchema,
  type AttributeProto, type FunctionProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from './proto/onnx_pb';
import { ExternalDataReader } from './external';
import type { DeferredWeights } from './deferred-weights';
import { isExternal, tensorArray, tensorByteLength } from './tensor';
import type { TensorArray } from '../../tensor/dtypes';
import { pushAll } from '../../base/arrays';
import { valueRecord } from '../../graph/types';

/** Where a model came from: its file (for external data and messages) or just a label. */
export interface ModelSource {
  /** Absolute path of the .onnx file, when it has one. */
  file?: string;
  /** Size of the file as read, in bytes. */
  fileBytes?: number;
  /**
   * Read external bytes again on every use instead of keeping them: set for models loaded to
   * stream their weights into another file once (see loadModelWeightsOnDisk).
   */
  rereadExternal?: boolean;
  /** Large weights not read yet (loadModel's `deferWeights`): read when first asked for. */
  deferredWeights?: DeferredWeights;
}

/** A decoded ONNX model: the proto, plus lookups that passes and views need. */
export class Model {
  private external?: ExternalDataReader;
  readonly graph: Graph;

  constructor(readonly proto: ModelProto, readonly source: ModelSource = {}) {
    if (!proto.graph) proto.graph = create(GraphProtoSchema, {});
    this.graph = new Graph(proto.graph);
  }

  /** The name used in messages: the file path or '<buffer>'. */
  get label(): string {
    return this.source.file ?? '<buffer>';
  }

  get dir(): string | undefined {
    return this.source.file ? path.dirname(this.source.file) : undefined;
  }

  /** {domain: version}; the default ONNX domain is ''. */
  opsets(): Record<string, number> {
    const out = valueRecord<number>();
    for (const o of this.proto.opsetImport) out[o.domain === 'ai.onnx' ? '' : o.domain] = Number(o.version);
    return out;
  }

  opsetVersion(domain = ''): number | undefined {
    return this.opsets()[domain];
  }

  metadata(): Record<string, string> {
    return Object.fromEntries(this.proto.metadataProps.map((p) => [p.key, p.value]));
  }

  /** The tensor's elements, reading external data (confined to the model's folder) when needed. */
  tensorData(t: TensorProto): TensorArray {
    if (!isExternal(t)) {
      this.inline(t);
      return tensorArray(t);
    }
    return tensorArray(t, this.externalBytes(t));
  }

  /** Raw little-endian bytes of a tensor stored in raw_data or externally. */
  rawBytes(t: TensorProto): Uint8Array {
    return isExternal(t) ? this.externalBytes(t) : this.inline(t);
  }

  /** Copies `into.byteLength` raw bytes of the tensor from byte `offset` on: inline, or read from its file. */
  readRawRange(t: TensorProto, offset: number, into: Uint8Array): void {
    if (isExternal(t)) this.externalReader(t).readRange(t, offset, into);
    else into.set(this.inline(t).subarray(offset, offset + into.byteLength));
  }

  /**
   * Reads the weights a deferred load left out (deferred-weights.ts), if any: before handing the
   * proto to code that reads raw_data itself (encoding, editing). Throws naming the file if it cannot.
   */
  loadWeights(): void {
    this.source.deferredWeights?.fill();
  }

  /** The tensor's raw_data, its deferred bytes read first if it has any. */
  private inline(t: TensorProto): Uint8Array {
    if (this.source.deferredWeights?.missing(t.rawData)) this.loadWeights();
    return t.rawData;
  }

  private externalBytes(t: TensorProto): Uint8Array {
    return this.externalReader(t).read(t, tensorByteLength(t), !this.source.rereadExternal);
  }

  private externalReader(t: TensorProto): ExternalDataReader {
    if (!this.source.file) throw new Error(`tensor '${t.name}' has external data, but the model was not loaded from a file`);
    return (this.external ??= new ExternalDataReader(path.dirname(this.source.file), this.source.file));
  }

  /**
   * Checks that every external tensor's file is inside the model's folder and long enough,
   * without reading the data. Throws OnnxFormatError naming the first problem.
   */
  checkExternalData(): void {
    for (const g of this.allGraphs()) {
      for (const t of g.proto.initializer) if (isExternal(t)) this.externalReader(t).check(t, tensorByteLength(t));
    }
  }

  /** The external data files the model reads, absolute (known after `checkExternalData`, which loading runs). */
  externalFiles(): string[] {
    return this.external?.files() ?? [];
  }

  /** Bytes the model takes on disk: its file and the external data files it reads (each counted once). */
  storedBytes(): number {
    const files = new Set(this.externalFiles());
    files.delete(this.label);
    return (this.source.fileBytes ?? fs.statSync(this.label).size) + [...files].reduce((n, f) => n + fs.statSync(f).size, 0);
  }

  /** Every graph in the model: the main graph first, then subgraphs depth-first. */
  *allGraphs(): Generator<Graph> {
    yield* walkGraphs(this.graph);
  }

  /** Model-local functions by `domain:name` (IR 10 adds an overload: `domain:name:overload`). */
  functions(): Map<string, FunctionProto> {
    return new Map(this.proto.functions.map((f) => [[f.domain, f.name, f.overload].filter((x, i) => i < 2 || x).join(':'), f]));
  }

  hasExternalData(): boolean {
    for (const g of this.allGraphs()) for (const t of g.proto.initializer) if (isExternal(t)) return true;
    return false;
  }
}

function* walkGraphs(g: Graph): Generator<Graph> {
  yield g;
  for (const node of g.proto.node) for (const sub of g.subgraphs(node)) yield* walkGraphs(sub.graph);
}

/** A graph (main or subgraph) with producer/consumer maps built on first use. */
export class Graph {
  private producerMap?: Map<string, NodeProto>;
  private foldableMap?: Map<string, NodeProto>;
  private inputNames?: { list: ValueInfoProto[]; length: number; names: Set<string> };
  private consumerMap?: Map<string, NodeProto[]>;
  private initMap?: Map<string, TensorProto>;
  private valueInfoMap?: Map<string, ValueInfoProto>;
  private subgraphCache = new WeakMap<NodeProto, { attribute: string; graph: Graph }[]>();

  constructor(readonly proto: GraphProto, readonly parent?: Graph) {}

  get nodes(): NodeProto[] {
    return this.proto.node;
  }

  /** Call after changing nodes or initializers so the lookups are rebuilt. */
  invalidate(): void {
    this.producerMap = undefined;
    this.foldableMap = undefined;
    this.consumerMap = undefined;
    this.initMap = undefined;
    this.valueInfoMap = undefined;
  }

  initializers(): Map<string, TensorProto> {
    return (this.initMap ??= new Map(this.proto.initializer.map((t) => [t.name, t])));
  }

  /** An initializer visible here: this graph's own, or an enclosing graph's (outer scope). */
  initializer(name: string): TensorProto | undefined {
    return this.initializers().get(name) ?? this.parent?.initializer(name);
  }

  producers(): Map<string, NodeProto> {
    if (!this.producerMap) {
      this.producerMap = new Map();
      for (const n of this.proto.node) for (const o of n.output) if (o) this.producerMap.set(o, n);
    }
    return this.producerMap;
  }

  consumers(): Map<string, NodeProto[]> {
    if (!this.consumerMap) {
      const m = new Map<string, NodeProto[]>();
      for (const n of this.proto.node) {
        for (const i of n.input) {
          if (!i) continue;
          let list = m.get(i);
          if (!list) m.set(i, (list = []));
          if (list[list.length - 1] !== n) list.push(n);
        }
      }
      this.consumerMap = m;
    }
    return this.consumerMap;
  }

  producer(value: string): NodeProto | undefined {
    return this.producers().get(value);
  }

  /**
   * `producer(value)` when that is an Identity or a Constant node (what constant folding follows),
   * else undefined; its map holds only those nodes, where the producer map of a 200,000-node
   * graph is 20 MB.
   */
  identityOrConstantProducer(value: string): NodeProto | undefined {
    if (this.producerMap) {
      const p = this.producerMap.get(value);
      return p && (p.opType === 'Identity' || p.opType === 'Constant') ? p : undefined;
    }
    if (!this.foldableMap) {
      const m = (this.foldableMap = new Map());
      for (const n of this.proto.node) {
        const foldable = n.opType === 'Identity' || n.opType === 'Constant';
        // The last producer of a name wins, as in producers().
        for (const o of n.output) if (o) { if (foldable) m.set(o, n); else if (m.size) m.delete(o); }
      }
    }
    return this.foldableMap.get(value);
  }

  /** Whether `name` is one of the graph's inputs (kept current without invalidate(): passes add inputs). */
  isInput(name: string): boolean {
    const list = this.proto.input;
    if (this.inputNames?.list !== list || this.inputNames.length !== list.length) {
      this.inputNames = { list, length: list.length, names: new Set(list.map((i) => i.name)) };
    }
    return this.inputNames.names.has(name);
  }

  consumersOf(value: string): NodeProto[] {
    return this.consumers().get(value) ?? [];
  }

  /** value_info, input or output entry for a value name, if the graph records one. */
  valueInfo(name: string): ValueInfoProto | undefined {
    if (!this.valueInfoMap) {
      this.valueInfoMap = new Map();
      // Inputs and outputs win over value_info entries of the same name.
      for (const list of [this.proto.valueInfo, this.proto.output, this.proto.input]) for (const v of list) this.valueInfoMap.set(v.name, v);
    }
    return this.valueInfoMap.get(name);
  }

  /** Graph inputs that are not initializers (IR < 4 lists initializers as inputs too). */
  realInputs(): ValueInfoProto[] {
    const inits = this.initializers();
    return this.proto.input.filter((i) => !inits.has(i.name));
  }

  /** If/Loop/Scan bodies and any other graph-valued attribute of a node. */
  subgraphs(node: NodeProto): { attribute: string; graph: Graph }[] {
    if (!hasGraphAttribute(node)) return NO_SUBGRAPHS;
    let out = this.subgraphCache.get(node);
    if (!out) {
      out = [];
      for (const a of node.attribute) {
        if (a.g) out.push({ attribute: a.name, graph: new Graph(a.g, this) });
        a.graphs.forEach((g, i) => out!.push({ attribute: `${a.name}[${i}]`, graph: new Graph(g, this) }));
      }
      this.subgraphCache.set(node, out);
    }
    return out;
  }

  /**
   * Nodes in an order where every node comes after its producers (Kahn's algorithm, stable in
   * file order). Values from outside the graph (inputs, initializers, outer scope) count as ready.
   * Throws on a cycle.
   */
  topologicalOrder(): NodeProto[] {
    const nodes = this.proto.node;
    const n = nodes.length;
    const producerOf = new Map<string, number>();
    nodes.forEach((node, i) => { for (const o of node.output) if (o) producerOf.set(o, i); });
    // Edges producer -> consumer, each pair once (`seen` marks the producers of the current node).
    const from: number[] = [];
    const to: number[] = [];
    const seen = new Int32Array(n).fill(-1);
    const pending = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (const v of nodeInputsIncludingSubgraphs(this, nodes[i])) {
        const p = producerOf.get(v);
        if (p === undefined || p === i || seen[p] === i) continue;
        seen[p] = i;
        from.push(p);
        to.push(i);
        pending[i]++;
      }
    }
    // Dependents of each node as one flat array (counting sort by producer).
    const start = new Int32Array(n + 1);
    for (const p of from) start[p + 1]++;
    for (let i = 0; i < n; i++) start[i + 1] += start[i];
    const fill = start.slice(0, n);
    const dependents = new Int32Array(from.length);
    for (let e = 0; e < from.length; e++) dependents[fill[from[e]]++] = to[e];
    // A FIFO of ready nodes: file order wherever the dependencies allow it.
    const ready = new Int32Array(n);
    let tail = 0;
    for (let i = 0; i < n; i++) if (pending[i] === 0) ready[tail++] = i;
    for (let head = 0; head < tail; head++) {
      const i = ready[head];
      for (let e = start[i]; e < start[i + 1]; e++) if (--pending[dependents[e]] === 0) ready[tail++] = dependents[e];
    }
    if (tail !== n) throw new Error(`graph '${this.proto.name}' has a cycle`);
    const out = new Array<NodeProto>(n);
    for (let k = 0; k < n; k++) out[k] = nodes[ready[k]];
    return out;
  }
}

const NO_SUBGRAPHS: { attribute: string; graph: Graph }[] = [];

function hasGraphAttribute(node: NodeProto): boolean {
  for (const a of node.attribute) if (a.g || a.graphs.length > 0) return true;
  return false;
}

/** A node's inputs ('' for an omitted one) plus the outer-scope values its subgraphs read. */
function nodeInputsIncludingSubgraphs(g: Graph, n: NodeProto): string[] {
  const subs = g.subgraphs(n);
  if (subs.length === 0) return n.input;
  const out = n.input.filter((x) => x);
  for (const s of subs) pushAll(out, outerReads(s.graph.proto));
  return out;
}

/** Names a graph reads that it does not define itself (its outer-scope captures). */
export function outerReads(g: GraphProto): string[] {
  const defined = new Set<string>([...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name)]);
  for (const n of g.node) for (const o of n.output) defined.add(o);
  const out = new Set<string>();
  for (const n of g.node) {
    for (const i of n.input) if (i && !defined.has(i)) out.add(i);
    for (const a of n.attribute) {
      for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) for (const r of outerReads(sub)) if (!defined.has(r)) out.add(r);
    }
  }
  return [...out];
}

/** Typed value of a node attribute (ints as numbers), or undefined when absent. */
export function attr(node: NodeProto, name: string): AttrValue | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a ? attrValue(a) : undefined;
}

export type AttrValue = number | string | number[] | string[] | TensorProto | GraphProto | TensorProto[] | GraphProto[] | unknown;

export function attrValue(a: AttributeProto): AttrValue {
  switch (a.type) {
    case AttrType.FLOAT: return a.f;
    case AttrType.INT: return Number(a.i);
    case AttrType.STRING: return new TextDecoder().decode(a.s);
    case AttrType.TENSOR: return a.t;
    case AttrType.GRAPH: return a.g;
    case AttrType.FLOATS: return a.floats;
    case AttrType.INTS: return a.ints.map(Number);
    case AttrType.STRINGS: return a.strings.map((s) => new TextDecoder().decode(s));
    case AttrType.TENSORS: return a.tensors;
    case AttrType.GRAPHS: return a.graphs;
    case AttrType.SPARSE_TENSOR: return a.sparseTensor;
    case AttrType.SPARSE_TENSORS: return a.sparseTensors;
    case AttrType.TYPE_PROTO: return a.tp;
    case AttrType.TYPE_PROTOS: return a.typeProtos;
    default: return undefined;
  }
}

export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const v = attr(node, name);
  return typeof v === 'number' ? v : fallback;
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const v = attr(node, name);
  return Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number') ? (v as number[]) : undefined;
}

export function attrString(node: NodeProto, name: string): string | undefined {
  const v = attr(node, name);
  return typeof v === 'string' ? v : undefined;
}
