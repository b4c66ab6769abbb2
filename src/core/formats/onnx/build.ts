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
  const a = new LeanAttribute(name);
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
  const node = new LeanNode(opType, inputs, outputs, name);
  if (domain) node.domain = domain;
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) node.attribute.push(makeAttribute(k, v));
  return node;
}

/** A tensor whose data is stored in raw_data (little-endian bytes of `data`, which is not copied). */
export function makeTensor(name: string, dtype: DType, dims: readonly number[], data: Exclude<TensorArray, string[]>): TensorProto {
  return new LeanTensor(name, dtypeCode(dtype), dims.map(BigInt), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/*
 * Messages made by passes, hundreds of thousands at a time (dynamic INT8 on a 200,000-node model
 * makes 330,000 nodes and 200,000 tensors). Each is what `create(Schema, init)` makes (the same
 * prototype holding proto2's defaults, the same own fields in the same order, so it encodes to
 * the same bytes) but built by a constructor, whose objects V8 lays out with every field inline:
 * create() adds fields one by one to an Object.create() object, which then needs a separate
 * property array. The list fields such a message leaves empty point at one shared, frozen empty
 * array (empty-list.ts): code replaces those lists, never appends to them, and appending throws.
 * Together about 110 MB less on that model.
 */
type Fields = Record<string, unknown>;
const empty = EMPTY_LIST as unknown as unknown[];

const LeanNode = function (this: Fields, opType: string, input: string[], output: string[], name: string) {
  this.$typeName = 'onnx.NodeProto';
  this.input = input;
  this.output = output;
  this.name = name;
  this.opType = opType;
  this.attribute = []; // appended to by builders, as metadataProps can be
  this.metadataProps = [];
  this.deviceConfigurations = empty;
} as unknown as new (opType: string, input: string[], output: string[], name: string) => NodeProto;
LeanNode.prototype = Object.getPrototypeOf(create(NodeProtoSchema));

const LeanTensor = function (this: Fields, name: string, dataType: number, dims: bigint[], rawData: Uint8Array) {
  this.$typeName = 'onnx.TensorProto';
  this.dims = dims;
  this.dataType = dataType;
  this.floatData = empty;
  this.int32Data = empty;
  this.stringData = empty;
  this.int64Data = empty;
  this.name = name;
  this.rawData = rawData;
  this.externalData = empty;
  this.doubleData = empty;
  this.uint64Data = empty;
  this.metadataProps = empty;
} as unknown as new (name: string, dataType: number, dims: bigint[], rawData: Uint8Array) => TensorProto;
LeanTensor.prototype = Object.getPrototypeOf(create(TensorProtoSchema));

const LeanAttribute = function (this: Fields, name: string) {
  this.$typeName = 'onnx.AttributeProto';
  this.name = name;
  this.floats = empty;
  this.ints = empty;
  this.strings = empty;
  this.tensors = empty;
  this.graphs = empty;
  this.sparseTensors = empty;
  this.typeProtos = empty;
} as unknown as new (name: string) => AttributeProto;
LeanAttribute.prototype = Object.getPrototypeOf(create(AttributeProtoSchema));

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
