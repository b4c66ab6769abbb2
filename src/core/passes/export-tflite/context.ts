import type { NodeProto } from '../../formats/onnx/proto/onnx_pb';
import type { Graph, Model } from '../../formats/onnx/model';
import { attr } from '../../formats/onnx/model';
import type { ValueType } from '../../formats/onnx/value-type';
import { isExternal } from '../../formats/onnx/tensor';
import { toFloat32 } from '../../tensor/views';
import { DataType } from '../../tensor/dtypes';
import { constantTensor, nodeLabel } from '../common';
import { BuiltinOperator, TensorType } from '../../formats/tflite/writer';
import { TfliteGraph, type GraphOp, type RawF32 } from './graph';
import { identity, isIdentity, sameElementOrder, samePerm, storedShape, transposeBetween, type Perm } from './layout';
import { reshapeOptions } from './options';

/** Why a node cannot be exported; the job adds the file name. */
export class ConvertError extends Error {
  constructor(readonly node: string, readonly opType: string, readonly why: string) {
    super(`node '${node}' (${opType}): ${why}`);
    this.name = 'ConvertError';
  }
}

/** An ONNX value as it lives in the TFLite graph. */
export interface Value {
  tensor: number;
  perm: Perm;
  /**
   * Set on a 2-D value made by flattening NHWC data without a TRANSPOSE: the ONNX feature index
   * of each stored feature. Only FULLY_CONNECTED can read it (it reorders its weights to match).
   */
  features?: Int32Array;
}

/** What one ONNX node became. */
export interface NodeMapping {
  node: string;
  opType: string;
  /** TFLite ops written for it, e.g. ['CONV_2D'], or empty when it needed none. */
  became: string[];
  /** How it was handled when no op was written, or a detail worth saying. */
  note?: string;
}

const ACTIVATION_CODES: Record<string, number> = { RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 };

/** State of one conversion: the ONNX side (shapes, constants, consumers) and the TFLite graph being built. */
export class ConvertContext {
  readonly tg = new TfliteGraph();
  readonly values = new Map<string, Value>();
  readonly mappings: NodeMapping[] = [];
  /** Activation nodes fused into the op before them: activation node -> its code. */
  private readonly fused = new Map<NodeProto, number>();
  private readonly transposed = new Map<string, number>();
  node!: NodeProto;
  private opsAtNodeStart = 0;

  constructor(
    readonly model: Model,
    readonly graph: Graph,
    readonly types: Map<string, ValueType>,
    readonly consts: Map<string, number[]>,
    readonly graphOutputs: Set<string>,
  ) {}

  get label(): string {
    return nodeLabel(this.node);
  }

  fail(why: string): never {
    throw new ConvertError(this.label, this.node.opType, why);
  }

  begin(node: NodeProto): void {
    this.node = node;
    this.opsAtNodeStart = this.tg.ops.length;
  }

  /** Records what the current node became (the ops emitted since begin()). */
  end(note?: string): void {
    const became = this.tg.ops.slice(this.opsAtNodeStart).map((o) => BuiltinOperator[o.op]);
    this.mappings.push({ node: this.label, opType: this.node.opType, became, ...(note ? { note } : {}) });
  }

  /** The static ONNX shape of a value; every dimension must be known by now. */
  shape(name: string): number[] {
    const s = this.types.get(name)?.shape;
    if (!s || s.some((d) => typeof d !== 'number' || d < 0)) {
      this.fail(`the shape of '${name}' is not known statically (${s ? `[${s.join(', ')}]` : 'unknown rank'}); pin dynamic dimensions with --dim`);
    }
    return s as number[];
  }

  dtype(name: string): number {
    return this.types.get(name)?.dtype ?? 0;
  }

  /** Float values of a constant input (initializer or Constant), or undefined if it is computed at run time. */
  constFloat(name: string): { values: Float32Array; dims: number[] } | undefined {
    if (!name) return undefined;
    const t = constantTensor(this.graph, name, Number(this.model.proto.irVersion) < 4);
    if (t) {
      if (t.dataType === DataType.string) return undefined;
      return { values: toFloat32(t.dataType, this.model.tensorData(t)), dims: t.dims.map(Number) };
    }
    const c = this.consts.get(name);
    if (c) return { values: Float32Array.from(c), dims: this.shape(name) };
    return undefined;
  }

  /**
   * A float32 initializer stored as raw bytes (inline or external), read only when the file is
   * written, a range at a time, so large weights go from the ONNX file into the TFLite file
   * without being held; undefined for other constants.
   */
  constRawF32(name: string): RawF32 | undefined {
    const t = name ? constantTensor(this.graph, name, Number(this.model.proto.irVersion) < 4) : undefined;
    if (!t || t.dataType !== DataType.float32) return undefined;
    const dims = t.dims.map(Number);
    const byteLength = 4 * dims.reduce((a, b) => a * b, 1);
    if (!isExternal(t) && t.rawData.byteLength !== byteLength) return undefined;
    return { dims, byteLength, read: (offset, into) => this.model.readRawRange(t, offset, into) };
  }

  /** Integer values of a constant input (shapes, axes, pads), or undefined. */
  constInts(name: string): number[] | undefined {
    if (!name) return undefined;
    const c = this.consts.get(name);
    if (c) return c;
    const f = this.constFloat(name);
    return f ? Array.from(f.values, Math.round) : undefined;
  }

  isConst(name: string): boolean {
    return !!name && (this.consts.has(name) || constantTensor(this.graph, name, Number(this.model.proto.irVersion) < 4) !== undefined);
  }

  /** Integer attribute list, or integer values of input `i` (newer opsets moved attributes to inputs). */
  intsOf(attrName: string, i: number): number[] | undefined {
    const a = attr(this.node, attrName);
    if (Array.isArray(a)) return a as number[];
    return this.node.input[i] ? this.constInts(this.node.input[i]) : undefined;
  }

  value(name: string): Value {
    const v = this.values.get(name);
    if (v) return v;
    const c = this.constFloat(name);
    if (c) {
      // A constant used where an activation goes (Concat with a constant, an Add of two constants...).
      const v2 = { tensor: this.tg.constF32(name, c.dims, c.values), perm: identity(c.dims.length) };
      this.values.set(name, v2);
      return v2;
    }
    this.fail(`input '${name}' is produced by nothing Edgewise could convert`);
  }

  /** The value's tensor in layout `perm`, adding a TRANSPOSE (once per value and layout) when needed. */
  in(name: string, perm?: Perm): number {
    const v = this.value(name);
    if (!perm || samePerm(v.perm, perm)) return v.tensor;
    const key = `${name}|${perm.join(',')}`;
    const done = this.transposed.get(key);
    if (done !== undefined) return done;
    const onnxShape = this.shape(name);
    const shape = storedShape(onnxShape, perm);
    const out = this.tg.tensor(`${name}_${isIdentity(perm) ? 'onnx_order' : 'transposed'}`, shape, this.tg.tensors[v.tensor].type);
    // Moving only axes of size 1 leaves the elements in place: a RESHAPE (free) does it.
    if (sameElementOrder(storedShape(onnxShape, v.perm), transposeBetween(v.perm, perm))) {
      this.emit(BuiltinOperator.RESHAPE, [v.tensor, this.tg.constI32(`${name}_shape`, shape)], [out], reshapeOptions(shape));
    } else {
      this.transpose(v.tensor, storedShape(onnxShape, v.perm), transposeBetween(v.perm, perm), out, name);
    }
    this.transposed.set(key, out);
    return out;
  }

  /**
   * TRANSPOSE `input` (shape `shape`) by `perm` into `out`. Axes of size 1 do not move any element:
   * above 4 dimensions they are dropped around the TRANSPOSE (two free RESHAPEs), since many
   * runtimes (and TRANSPOSE versions below 4) handle at most 4.
   */
  private transpose(input: number, shape: number[], perm: number[], out: number, name: string): void {
    const keep = perm.filter((a) => shape[a] !== 1);
    if (shape.length <= 4 || keep.length === shape.length) {
      this.emit(BuiltinOperator.TRANSPOSE, [input, this.tg.constI32(`${name}_perm`, perm)], [out]);
      return;
    }
    const kept = shape.map((d, i) => i).filter((i) => shape[i] !== 1);
    const small = kept.map((i) => shape[i]);
    const squeezed = this.tg.tensor(`${name}_squeezed`, small, this.tg.tensors[input].type);
    this.emit(BuiltinOperator.RESHAPE, [input, this.tg.constI32(`${name}_squeezed_shape`, small)], [squeezed], reshapeOptions(small));
    const smallPerm = keep.map((a) => kept.indexOf(a));
    const moved = this.tg.tensor(`${name}_moved`, smallPerm.map((a) => small[a]), this.tg.tensors[input].type);
    this.emit(BuiltinOperator.TRANSPOSE, [squeezed, this.tg.constI32(`${name}_perm`, smallPerm)], [moved]);
    const full = this.tg.tensors[out].shape;
    this.emit(BuiltinOperator.RESHAPE, [moved, this.tg.constI32(`${name}_shape`, full)], [out], reshapeOptions(full));
  }

  /** A new float tensor for ONNX value `name`, stored in layout `perm`, registered as that value. */
  out(name: string, perm: Perm = identity(this.shape(name).length), type: TensorType = TensorType.FLOAT32): number {
    const t = this.tg.tensor(name, storedShape(this.shape(name), perm), type);
    this.values.set(name, { tensor: t, perm });
    return t;
  }

  /** An intermediate tensor with a stored shape. */
  temp(suffix: string, shape: number[], type: TensorType = TensorType.FLOAT32): number {
    return this.tg.tensor(`${this.label}/${suffix}`, shape, type);
  }

  emit(op: BuiltinOperator, inputs: number[], outputs: number[], options?: GraphOp['options']): GraphOp {
    return this.tg.add(op, inputs, outputs, this.label, options);
  }

  alias(to: string, from: string): void {
    this.values.set(to, this.value(from));
  }

  /** Fuses the activation after `out` (when there is one) into the current op: its code and the ONNX value the op then writes. */
  fuseActivation(out: string): { code: number; out: string } {
    const f = this.fusable(out);
    if (!f) return { code: 0, out };
    this.markFused(f.act, f.code);
    return { code: f.code, out: f.value };
  }

  /** Marks an activation node as fused into the current node. */
  markFused(act: NodeProto, code: number): void {
    this.fused.set(act, code);
  }

  isFused(node: NodeProto): boolean {
    return this.fused.has(node);
  }

  /**
   * The activation the current node's output can absorb (TFLite's fused_activation_function):
   * its only consumer is a Relu, Clip(0,6), Clip(-1,1) or Tanh, and the output is not a graph output.
   * Returns the code and the ONNX value the fused op then writes.
   */
  fusable(output: string): { code: number; act: NodeProto; value: string } | undefined {
    if (this.graphOutputs.has(output)) return undefined;
    const users = this.graph.consumersOf(output);
    if (users.length !== 1) return undefined;
    const act = users[0];
    const kind = activationKind(act, this);
    return kind ? { code: ACTIVATION_CODES[kind], act, value: act.output[0] } : undefined;
  }
}

/** RELU / RELU6 / RELU_N1_TO_1 / TANH for activation nodes TFLite can fuse, else undefined. */
export function activationKind(node: NodeProto, ctx: ConvertContext): string | undefined {
  if (node.domain && node.domain !== 'ai.onnx') return undefined;
  if (node.opType === 'Relu') return 'RELU';
  if (node.opType === 'Tanh') return 'TANH';
  if (node.opType === 'Clip') {
    const r = clipRange(node, ctx);
    if (r && r.min === 0 && r.max === 6) return 'RELU6';
    if (r && r.min === -1 && r.max === 1) return 'RELU_N1_TO_1';
    if (r && r.min === 0 && r.max === Infinity) return 'RELU';
  }
  return undefined;
}

/** Clip bounds from attributes (opset < 11) or constant inputs; undefined when not constant. */
export function clipRange(node: NodeProto, ctx: ConvertContext): { min: number; max: number } | undefined {
  const a = (n: string) => attr(node, n);
  if (node.input.length <= 1 && (a('min') !== undefined || a('max') !== undefined)) {
    return { min: (a('min') as number | undefined) ?? -Infinity, max: (a('max') as number | undefined) ?? Infinity };
  }
  const bound = (i: number, dflt: number): number | undefined => {
    const name = node.input[i];
    if (!name) return dflt;
    const c = ctx.constFloat(name);
    return c && c.values.length === 1 ? c.values[0] : undefined;
  };
  const min = bound(1, -Infinity);
  const max = bound(2, Infinity);
  return min === undefined || max === undefined ? undefined : { min, max };
}
