import type { NodeProto } from '../../formats/onnx/proto/onnx_pb';
import type { Dim } from '../../graph/types';
import type { Emitter } from './emitter';

/** What a gradient rule sees of one forward node. */
export interface GradContext {
  node: NodeProto;
  e: Emitter;
  /** dLoss/dOutput per output; undefined where no gradient reaches that output. */
  dY: (string | undefined)[];
  /** Which inputs need a gradient (on a path from a trainable value). */
  needs: boolean[];
  /** The model's default-domain opset. */
  opset: number;
  /** Static shape of a value (symbolic dims as strings); throws GradientError when unknown. */
  shape(value: string): Dim[];
  /** Values of a constant integer input (initializer or Constant), or undefined. */
  ints(value: string): number[] | undefined;
  /** Values of a constant float input, or undefined. */
  floats(value: string): number[] | undefined;
}

/** How one op's inputs get their gradients from its outputs'. */
export interface GradRule {
  /** Input positions a gradient flows to ('all': every input). Others (shapes, axes, bounds) get none. */
  inputs: 'all' | readonly number[];
  /** Output positions a gradient may arrive at (default: the first). */
  outputs?: 'all' | readonly number[];
  /** Gradient value per input (undefined for inputs that need none). */
  grad(c: GradContext): (string | undefined)[];
}

export function flowsTo(rule: GradRule, input: number): boolean {
  return rule.inputs === 'all' || rule.inputs.includes(input);
}

/** A gradient that cannot be built (unsupported op or attribute); the message names the node. */
export class GradientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradientError';
  }
}

export function nodeName(node: NodeProto): string {
  return node.name || node.output[0] || node.opType;
}

/** Throws a GradientError naming the node: `what` is the unsupported detail. */
export function unsupported(node: NodeProto, what: string): never {
  throw new GradientError(`node '${nodeName(node)}' (${node.opType}): ${what}`);
}

/** The first output's gradient, which single-output rules require. */
export function dy(c: GradContext): string {
  const g = c.dY[0];
  if (!g) unsupported(c.node, 'no gradient reaches its first output');
  return g;
}

/** Numeric dims of a shape; throws naming the value when one is symbolic. */
export function staticDims(c: GradContext, value: string, dims: Dim[]): number[] {
  if (dims.some((d) => typeof d !== 'number')) {
    unsupported(c.node, `its gradient needs the static shape of '${value}', which is [${dims.join(', ')}]`);
  }
  return dims as number[];
}

export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * The gradient of a broadcast input: `g` (shaped like the output) summed over the axes the input
 * was broadcast along, then reshaped to the input's rank.
 */
export function unbroadcast(c: GradContext, g: string, inShape: Dim[], outShape: Dim[]): string {
  const lead = outShape.length - inShape.length;
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead) axes.push(i);
    else if (inShape[i - lead] === 1 && outShape[i] !== 1) axes.push(i);
  }
  if (axes.length === 0) return g;
  const summed = c.e.reduceSum(g, axes, true);
  return c.e.squeeze(summed, axes.filter((a) => a < lead));
}
