import type { GraphProto, NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor, NameAllocator, type AttrInput } from '../../formats/onnx/build';
import { DataType } from '../../tensor/dtypes';

/** Element types a training graph computes in: float32 for training, float64 for exact gradient checks. */
export type FloatType = typeof DataType.float32 | typeof DataType.float64;

/**
 * Appends nodes and constants to a graph under construction, in the form the model's opset
 * expects (ReduceSum axes became an input at 13, ReduceMean's at 18, Squeeze/Unsqueeze/Split at
 * 13). Every constant gets the graph's float type, so the same builder emits float32 or float64.
 */
export class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names: NameAllocator;
  private readonly constants = new Map<string, string>();
  private readonly shapes = new Map<string, string>();

  constructor(graph: GraphProto, readonly opset: number, readonly floatType: FloatType = DataType.float32) {
    this.names = new NameAllocator(graph);
  }

  /** A value name nobody uses yet. */
  fresh(base: string): string {
    return this.names.take(base);
  }

  /** One node with `outputs` fresh outputs; returns their names. */
  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrInput | undefined> = {}): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(`grad/${opType}`));
    this.nodes.push(makeNode(opType, inputs, outs, attrs, this.fresh(`grad/${opType}_node`)));
    return outs;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrInput | undefined> = {}): string {
    return this.opN(opType, inputs, 1, attrs)[0];
  }

  /** One node writing the value `output` (a name the caller chose, e.g. a graph output). */
  opTo(opType: string, inputs: string[], output: string, attrs: Record<string, AttrInput | undefined> = {}): string {
    this.nodes.push(makeNode(opType, inputs, [output], attrs, this.fresh(`grad/${opType}_node`)));
    return output;
  }

  /** A scalar of the graph's float type (shared per value). */
  scalar(value: number): string {
    return this.constant(`f:${value}`, () => this.floatTensor('grad/c', [], [value]));
  }

  /** A float constant of the graph's float type and the given shape. */
  floats(values: ArrayLike<number>, dims: readonly number[]): string {
    const t = this.floatTensor('grad/c', dims, values);
    this.initializers.push(t);
    return t.name;
  }

  /** A 1-D int64 constant (axes, shapes, pads, starts). */
  ints(values: readonly number[]): string {
    return this.constant(`i:${values.join(',')}`, () => makeTensor(this.fresh('grad/i'), 'int64', [values.length], BigInt64Array.from(values, BigInt)));
  }

  /** A boolean scalar constant. */
  bool(value: boolean): string {
    return this.constant(`b:${value}`, () => makeTensor(this.fresh('grad/b'), 'bool', [], Uint8Array.of(value ? 1 : 0)));
  }

  private constant(key: string, make: () => TensorProto): string {
    let name = this.constants.get(key);
    if (!name) {
      const t = make();
      this.initializers.push(t);
      this.constants.set(key, (name = t.name));
    }
    return name;
  }

  private floatTensor(base: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
    const data = this.floatType === DataType.float64 ? Float64Array.from(values) : Float32Array.from(values);
    return makeTensor(this.fresh(base), this.floatType === DataType.float64 ? 'float64' : 'float32', dims, data);
  }

  // ---- arithmetic -------------------------------------------------------------------------

  add(a: string, b: string): string { return this.op('Add', [a, b]); }
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  div(a: string, b: string): string { return this.op('Div', [a, b]); }
  neg(a: string): string { return this.op('Neg', [a]); }
  scale(a: string, k: number): string { return k === 1 ? a : this.mul(a, this.scalar(k)); }

  /** Sum of several gradient contributions (one node). */
  sum(values: string[]): string {
    return values.length === 1 ? values[0] : this.op('Sum', values);
  }

  /**
   * `dY` where the boolean `mask` holds, 0 elsewhere. A product with the mask as 0/1 floats:
   * ONNX Runtime's Where with a broadcast scalar is 7-10x slower than Cast + Mul on activations.
   */
  maskGrad(mask: string, dY: string): string {
    return this.mul(dY, this.op('Cast', [mask], { to: this.floatType }));
  }

  // ---- shapes -----------------------------------------------------------------------------

  /** Shape(x), emitted once per value. */
  shape(x: string): string {
    let s = this.shapes.get(x);
    if (!s) this.shapes.set(x, (s = this.op('Shape', [x])));
    return s;
  }

  reshape(x: string, shape: string): string { return this.op('Reshape', [x, shape]); }
  reshapeLike(x: string, like: string): string { return this.reshape(x, this.shape(like)); }
  transpose(x: string, perm: number[]): string { return this.op('Transpose', [x], { perm }); }

  /** Zeros with the shape of `like`, in the graph's float type. */
  zerosLike(like: string): string {
    const value = this.floatType === DataType.float64
      ? makeTensor('value', 'float64', [1], new Float64Array(1))
      : makeTensor('value', 'float32', [1], new Float32Array(1));
    return this.op('ConstantOfShape', [this.shape(like)], { value });
  }

  /** Number of elements of `x` as a scalar of the float type (computed at run time). */
  sizeOf(x: string): string {
    return this.op('Cast', [this.op('Size', [x])], { to: this.floatType });
  }

  /** Dimension `axis` of `x` as a 1-element float tensor (computed at run time). */
  dimOf(x: string, axis: number): string {
    const d = this.op('Slice', [this.shape(x), this.ints([axis]), this.ints([axis + 1])]);
    return this.op('Cast', [d], { to: this.floatType });
  }

  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceSum', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    if (this.opset >= 18) return this.op('ReduceMean', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceMean', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  unsqueeze(x: string, axes: number[]): string {
    if (axes.length === 0) return x;
    return this.opset >= 13 ? this.op('Unsqueeze', [x, this.ints(axes)]) : this.op('Unsqueeze', [x], { axes });
  }

  squeeze(x: string, axes: number[]): string {
    if (axes.length === 0) return x;
    return this.opset >= 13 ? this.op('Squeeze', [x, this.ints(axes)]) : this.op('Squeeze', [x], { axes });
  }

  split(x: string, axis: number, sizes: number[]): string[] {
    if (this.opset >= 13) return this.opN('Split', [x, this.ints(sizes)], sizes.length, { axis });
    return this.opN('Split', [x], sizes.length, { axis, split: sizes });
  }

  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
    const inputs = [x, this.ints(starts), this.ints(ends), this.ints(axes)];
    if (steps) inputs.push(this.ints(steps));
    return this.op('Slice', inputs);
  }

  /** Constant-mode Pad; negative pads crop. */
  pad(x: string, pads: number[]): string {
    return pads.every((p) => p === 0) ? x : this.op('Pad', [x, this.ints(pads)], { mode: 'constant' });
  }
}
