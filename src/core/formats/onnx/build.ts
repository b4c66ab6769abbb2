import { create } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema, AttributeProto_AttributeType as AttrType, NodeProtoSchema, TensorProtoSchema,
  ValueInfoProtoSchema, TypeProtoSchema, TypeProto_TensorSchema, TensorShapeProtoSchema, TensorShapeProto_DimensionSchema,
  type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from './proto/onnx_pb';
import { dtypeCode, type DType, type TensorArray } from '../../tensor/dtypes';
import { EMPTY_LIST } from './empty-list';

/** Attribute values a builder accepts: numbers are INT when integral unless wrapped with `float()`. */
export type AttrInput =
  | number | bigint | string | number[] | string[] | TensorProto | GraphProto
  | { float: number } | { floats: number[] } | { ints: number[] };

export function makeAttribute(name: string, value: AttrInput): AttributeProto {
  const a = create(AttributeProtoSchema, { name });
  if (typeof value === 'bigint') { a.type = AttrType.INT; a.i = value; }
  else if (typeof value === 'number') {
    if (Number.isInteger(value)) { a.type = AttrType.INT; a.i = BigInt(value); }
    else { a.type = AttrType.FLOAT; a.f = value; }
  } else if (typeof value === 'string') { a.type = AttrType.STRING; a.s = new TextEncoder().encode(value); }
  else if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'string') { a.type = AttrType.STRINGS; a.strings = (value as string[]).map((s) => new TextEncoder().encode(s)); }
    else if ((value as number[]).every(Number.isInteger)) { a.type = AttrType.INTS; a.ints = (value as number[]).map(BigInt); }
    else { a.type = AttrType.FLOATS; a.floats = value as number[]; }
  } else if ('float' in value) { a.type = AttrType.FLOAT; a.f = value.float; }
  else if ('floats' in value) { a.type = AttrType.FLOATS; a.floats = value.floats; }
  else if ('ints' in value) { a.type = AttrType.INTS; a.ints = value.ints.map(BigInt); }
  else if (value.$typeName === 'onnx.TensorProto') { a.type = AttrType.TENSOR; a.t = value; }
  else { a.type = AttrType.GRAPH; a.g = value as GraphProto; }
  return a;
}

export function makeNode(
  opType: string, inputs: string[], outputs: string[],
  attributes: Record<string, AttrInput | undefined> = {}, name = '', domain = '',
): NodeProto {
  const node = create(NodeProtoSchema, { opType, input: inputs, output: outputs, name });
  if (domain) node.domain = domain;
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) node.attribute.push(makeAttribute(k, v));
  return node;
}

/** A tensor whose data is stored in raw_data (little-endian bytes of `data`, which is not copied). */
export function makeTensor(name: string, dtype: DType, dims: readonly number[], data: Exclude<TensorArray, string[]>): TensorProto {
  const t = create(TensorProtoSchema, {
    name,
    dataType: dtypeCode(dtype),
    dims: dims.map(BigInt),
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
  return shareEmptyLists(t, TENSOR_UNUSED_LISTS);
}

/** The list fields of a tensor whose data is in raw_data: empty, and replaced (never appended to) by whoever moves the data. */
const TENSOR_UNUSED_LISTS = ['floatData', 'int32Data', 'stringData', 'int64Data', 'doubleData', 'uint64Data', 'externalData', 'metadataProps'] as const;

/**
 * Points the given empty list fields at one shared, frozen empty array. A pass that emits
 * hundreds of thousands of tensors (dynamic INT8 on a 200,000-node model) otherwise keeps eight
 * empty arrays per tensor, about 70 MB; frozen, so code that appends to one fails loudly instead
 * of changing every tensor. Assigning a new list stays free.
 */
function shareEmptyLists<T extends object>(msg: T, keys: readonly string[]): T {
  const rec = msg as Record<string, unknown>;
  for (const k of keys) if ((rec[k] as unknown[]).length === 0) rec[k] = EMPTY_LIST;
  return msg;
}

export function makeValueInfo(name: string, dtype: DType, shape: readonly (number | string)[] | undefined): ValueInfoProto {
  const tensorType = create(TypeProto_TensorSchema, { elemType: dtypeCode(dtype) });
  if (shape) {
    tensorType.shape = create(TensorShapeProtoSchema, {
      dim: shape.map((d) => create(TensorShapeProto_DimensionSchema, {
        value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
      })),
    });
  }
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

/** Value names not yet used in a graph, with a readable prefix. */
export class NameAllocator {
  private readonly used = new Set<string>();
  private released = false;

  constructor(graph?: GraphProto) {
    if (graph) this.addGraph(graph);
  }

  private addGraph(g: GraphProto): void {
    for (const list of [g.input, g.output, g.valueInfo]) for (const v of list) this.used.add(v.name);
    for (const t of g.initializer) this.used.add(t.name);
    for (const n of g.node) {
      this.used.add(n.name);
      for (const x of n.input) this.used.add(x);
      for (const x of n.output) this.used.add(x);
      for (const a of n.attribute) for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) this.addGraph(sub);
    }
  }

  /** Forgets the names (the set can hold millions); `take` must not be called after. */
  release(): void {
    this.used.clear();
    this.released = true;
  }

  take(base: string): string {
    if (this.released) throw new Error('NameAllocator.take after release');
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
