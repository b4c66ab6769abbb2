import type { NodeProto } from '../../formats/onnx/proto/onnx_pb';
import type { Graph, Model } from '../../formats/onnx/model';
import { toFloat32 } from '../../tensor/views';
import type { ValueType } from '../../formats/onnx/value-type';
import type { Dim } from '../../graph/types';
import { DataType } from '../../tensor/dtypes';
import { constantTensor } from '../common';
import type { Emitter } from './emitter';
import { flowsTo, GradientError, nodeName, type GradContext } from './grad-rule';
import { gradRule } from './grads';

/** The forward pass a backward pass is built for. */
export interface ForwardPass {
  model: Model;
  /** The graph the nodes live in (for constant inputs). */
  graph: Graph;
  /** Forward nodes in topological order; may include virtual nodes (fused fake-quant pairs). */
  nodes: NodeProto[];
  types: Map<string, ValueType>;
  opset: number;
}

/** Which values carry a gradient: reachable from a source (forward) and leading to a target (backward). */
export interface GradientPath {
  /** Float values that depend on a source, with the source they depend on (for messages). */
  requires: Map<string, string>;
  /** Values some target depends on. */
  needed: Set<string>;
  /** Nodes that pass a gradient from a target back to a source, in forward order. */
  active: NodeProto[];
}

const FLOAT_TYPES = new Set<number>([DataType.float32, DataType.float64, DataType.float16, DataType.bfloat16, 0]);

export function gradientPath(f: ForwardPass, sources: Iterable<string>, targets: Iterable<string>): GradientPath {
  const requires = new Map<string, string>();
  for (const s of sources) requires.set(s, s);
  for (const node of f.nodes) {
    const rule = gradRule(node);
    let origin: string | undefined;
    node.input.forEach((x, i) => {
      if (origin === undefined && x && requires.has(x) && (!rule || flowsTo(rule, i))) origin = requires.get(x);
    });
    if (origin === undefined) continue;
    for (const y of node.output) if (y && FLOAT_TYPES.has(f.types.get(y)?.dtype ?? 0)) requires.set(y, origin);
  }
  const needed = new Set(targets);
  for (let k = f.nodes.length - 1; k >= 0; k--) {
    const node = f.nodes[k];
    if (node.output.some((y) => needed.has(y))) for (const x of node.input) if (x) needed.add(x);
  }
  const active = f.nodes.filter((n) => n.output.some((y) => y && requires.has(y) && needed.has(y)));
  return { requires, needed, active };
}

/**
 * Throws a GradientError for the first node on the path without a gradient, naming the node, its op
 * and a trainable value behind it. Call before any training starts.
 */
export function checkGradients(path: GradientPath): void {
  for (const node of path.active) {
    if (gradRule(node)) continue;
    const origin = node.input.map((x) => path.requires.get(x)).find((o) => o !== undefined);
    throw new GradientError(
      `node '${nodeName(node)}' (${node.domain ? `${node.domain}.` : ''}${node.opType}) has no gradient, and it lies between the trainable value '${origin}' and the loss; freeze the weights before it (--freeze) or remove the op`,
    );
  }
}

/**
 * Reverse-mode differentiation: appends to `e` the nodes computing d(loss)/d(value) for each of
 * `wrt`, given the gradients `seeds` (value -> the name holding its gradient). Values no gradient
 * reaches map to undefined.
 */
export function emitBackward(f: ForwardPass, e: Emitter, seeds: Map<string, string>, wrt: string[]): Map<string, string | undefined> {
  const path = gradientPath(f, wrt, seeds.keys());
  checkGradients(path);
  const contributions = new Map<string, string[]>();
  const add = (value: string, g: string) => {
    const list = contributions.get(value);
    if (list) list.push(g);
    else contributions.set(value, [g]);
  };
  for (const [value, g] of seeds) add(value, g);
  const total = (value: string) => {
    const list = contributions.get(value);
    return list ? e.sum(list) : undefined;
  };
  for (let k = path.active.length - 1; k >= 0; k--) {
    const node = path.active[k];
    const rule = gradRule(node)!;
    const dY = node.output.map((y) => (y ? total(y) : undefined));
    if (dY.every((g) => g === undefined)) continue;
    dY.forEach((g, i) => {
      if (g && rule.outputs !== 'all' && !(rule.outputs ?? [0]).includes(i)) {
        throw new GradientError(`node '${nodeName(node)}' (${node.opType}): a gradient reaches its output ${i} ('${node.output[i]}'), which has none`);
      }
    });
    const needs = node.input.map((x, i) => !!x && path.requires.has(x) && flowsTo(rule, i));
    if (!needs.some(Boolean)) continue;
    const grads = rule.grad(context(f, e, node, dY, needs));
    node.input.forEach((x, i) => {
      const g = grads[i];
      if (needs[i] && g) add(x, g);
    });
  }
  return new Map(wrt.map((w) => [w, total(w)]));
}

function context(f: ForwardPass, e: Emitter, node: NodeProto, dY: (string | undefined)[], needs: boolean[]): GradContext {
  const constant = (value: string) => constantTensor(f.graph, value);
  return {
    node, e, dY, needs, opset: f.opset,
    shape(value: string): Dim[] {
      const shape = f.types.get(value)?.shape;
      if (!shape) throw new GradientError(`node '${nodeName(node)}' (${node.opType}): the shape of '${value}' is unknown, and its gradient needs it`);
      return shape;
    },
    ints(value: string) {
      const t = constant(value);
      if (!t || t.dataType === DataType.float32 || t.dataType === DataType.float64) return undefined;
      return Array.from(f.model.tensorData(t) as ArrayLike<number | bigint>, Number);
    },
    floats(value: string) {
      const t = constant(value);
      return t ? Array.from(toFloat32(t.dataType, f.model.tensorData(t))) : undefined;
    },
  };
}
