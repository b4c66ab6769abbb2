import type { GraphProto, NodeProto, TensorProto, ValueInfoProto } from '../../formats/onnx/proto/onnx_pb';
import { Model, outerReads } from '../../formats/onnx/model';
import { nodeIds } from '../../formats/onnx/node-id';
import { EditError } from './types';

/**
 * A copy of a protobuf message with some fields replaced. Proto2 keeps defaults on the
 * prototype, so the copy shares it: fields never set stay unset (a spread would set them all).
 */
export function copyWith<T extends object>(message: T, changes: Partial<T> = {}): T {
  return Object.assign(Object.create(Object.getPrototypeOf(message)) as T, message, changes);
}

/**
 * The main graph of a model being edited, copy on write: its lists are new arrays, a changed node
 * or value entry is a new object, and everything unchanged (nodes, weights) is shared with the
 * model it came from, which stays as it was. So an edit costs one pass over the lists, and the
 * model before it is its undo.
 */
export class GraphDraft {
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  initializers: TensorProto[];

  constructor(readonly model: Model) {
    const g = model.graph.proto;
    this.nodes = [...g.node];
    this.inputs = [...g.input];
    this.outputs = [...g.output];
    this.valueInfo = [...g.valueInfo];
    this.initializers = [...g.initializer];
  }

  /** The index of the node with this ViewNode id (or name), or an EditError. */
  nodeIndex(id: string): number {
    const ids = nodeIds(this.nodes);
    let i = ids.indexOf(id);
    if (i < 0) i = this.nodes.findIndex((n) => n.name === id);
    if (i < 0) throw new EditError(`there is no node '${id}' in the main graph`);
    return i;
  }

  /** Every value read somewhere: node inputs and what subgraphs read from outside. */
  reads(nodes: readonly NodeProto[] = this.nodes): Set<string> {
    const out = new Set<string>();
    for (const n of nodes) for (const v of nodeReads(n)) out.add(v);
    return out;
  }

  /** Whether a value of this name exists: a graph input, an initializer or a node output. */
  hasValue(name: string): boolean {
    return this.inputs.some((v) => v.name === name) || this.initializers.some((t) => t.name === name)
      || this.nodes.some((n) => n.output.includes(name));
  }

  /** Replaces reads of `from` by `to` in every node (not inside subgraphs: those are refused first). */
  replaceReads(from: string, to: string): void {
    this.nodes = this.nodes.map((n) => (n.input.includes(from) ? copyWith(n, { input: n.input.map((x) => (x === from ? to : x)) }) : n));
  }

  /**
   * Keeps only what the graph outputs need: nodes nothing reads are removed (repeatedly), then
   * initializers and value_info entries of values that are gone. Returns the nodes removed.
   */
  removeUnused(): number {
    const before = this.nodes.length;
    const needed = new Set(this.outputs.map((o) => o.name));
    const keep = new Array<boolean>(this.nodes.length).fill(false);
    // One backward pass suffices in topological order; repeat for nodes stored out of order.
    for (let changed = true; changed;) {
      changed = false;
      for (let i = this.nodes.length - 1; i >= 0; i--) {
        if (keep[i] || !this.nodes[i].output.some((o) => o && needed.has(o))) continue;
        keep[i] = true;
        changed = true;
        for (const v of nodeReads(this.nodes[i])) needed.add(v);
      }
    }
    this.nodes = this.nodes.filter((_, i) => keep[i]);
    this.initializers = this.initializers.filter((t) => needed.has(t.name));
    const inits = new Set(this.initializers.map((t) => t.name));
    // IR < 4 lists initializers as inputs: those go with their initializer.
    const declared = new Set(this.model.graph.proto.initializer.map((t) => t.name));
    this.inputs = this.inputs.filter((v) => !declared.has(v.name) || inits.has(v.name));
    const produced = new Set(this.nodes.flatMap((n) => n.output));
    this.valueInfo = this.valueInfo.filter((v) => produced.has(v.name));
    return before - this.nodes.length;
  }

  /** The edited model: a new Model over a new graph; the original is untouched. */
  finish(graphChanges: Partial<GraphProto> = {}): Model {
    const g = this.model.graph.proto;
    const graph = copyWith(g, {
      node: this.nodes, input: this.inputs, output: this.outputs, valueInfo: this.valueInfo, initializer: this.initializers, ...graphChanges,
    });
    return new Model(copyWith(this.model.proto, { graph }), this.model.source);
  }
}

/** A node's inputs plus the outer values its subgraphs read. */
export function nodeReads(n: NodeProto): string[] {
  const out = n.input.filter((x) => x);
  for (const a of n.attribute) for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) out.push(...outerReads(g));
  return out;
}

/** Names of the nodes whose subgraphs read `value` from outside (renaming into them is not supported). */
export function subgraphReaders(nodes: readonly NodeProto[], value: string): string[] {
  return nodes.filter((n) => n.attribute.some((a) => (a.g ? [a.g, ...a.graphs] : a.graphs).some((g) => outerReads(g).includes(value))))
    .map((n) => n.name || n.opType);
}
