import { create, ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import type { AttributeProto, NodeProto, TensorProto } from './proto/onnx_pb';
import { packedSchemas } from './packed';

/** The messages of the `decode` schema (packed.ts) as the fast reader (fast-decode.ts) builds and checks them. */
export interface Types {
  model: DescMessage; graph: DescMessage; node: DescMessage; attribute: DescMessage; tensor: DescMessage;
  /** For each message: field number -> bit mask of the wire types protobuf-es reads it with. */
  wires: Map<DescMessage, number[]>;
  Node: new () => NodeProto;
  Attribute: new () => AttributeProto;
  Tensor: new () => TensorProto;
  attributeTypes: Set<number>;
  dataLocations: Set<number>;
}

/** Unknown fields: protobuf-es skips varint, 64-bit, length-delimited and 32-bit values alike. */
export const ANY_WIRE = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 5;

function wireTypes(field: DescField): number {
  const scalarWire = (scalar: ScalarType | undefined): number => {
    switch (scalar) {
      case ScalarType.DOUBLE: case ScalarType.FIXED64: case ScalarType.SFIXED64: return 1;
      case ScalarType.FLOAT: case ScalarType.FIXED32: case ScalarType.SFIXED32: return 5;
      case ScalarType.STRING: case ScalarType.BYTES: return 2;
      default: return 0; // varints and enums
    }
  };
  switch (field.fieldKind) {
    case 'message': case 'map': return 1 << 2;
    case 'enum': return 1 << 0;
    case 'scalar': return 1 << scalarWire(field.scalar);
    case 'list':
      if (field.listKind === 'message') return 1 << 2;
      return 1 << 2 | 1 << scalarWire(field.listKind === 'enum' ? undefined : field.scalar);
  }
}

export function makeTypes(): Types {
  const model = packedSchemas().decode;
  const sub = (desc: DescMessage, no: number) => {
    const m = desc.fields.find((f) => f.number === no)?.message;
    if (!m) throw new Error(`${desc.typeName} has no message field ${no}`);
    return m;
  };
  const graph = sub(model, 7);
  const node = sub(graph, 1);
  const attribute = sub(node, 5);
  const tensor = sub(graph, 5);
  const wires = new Map<DescMessage, number[]>();
  for (const desc of [model, graph, node, attribute, tensor]) {
    const byNumber: number[] = [];
    for (const f of desc.fields) {
      if (f.fieldKind === 'message' && f.delimitedEncoding) throw new Error(`${f.name}: group encoding is not expected in onnx.proto`);
      byNumber[f.number] = wireTypes(f);
    }
    wires.set(desc, byNumber);
  }
  const enumValues = (desc: DescMessage, no: number) =>
    new Set(desc.fields.find((f) => f.number === no && f.fieldKind === 'enum')?.enum?.values.map((v) => v.number));
  // Constructors for the objects create() makes: its prototype, its own fields in its order.
  type Fields = Record<string, unknown>;
  const Node = function (this: Fields) {
    this.$typeName = 'onnx.NodeProto';
    this.input = [];
    this.output = [];
    this.attribute = [];
    this.metadataProps = [];
    this.deviceConfigurations = [];
  } as unknown as new () => NodeProto;
  Node.prototype = Object.getPrototypeOf(create(node));
  const Attribute = function (this: Fields) {
    this.$typeName = 'onnx.AttributeProto';
    this.floats = [];
    this.ints = [];
    this.strings = [];
    this.tensors = [];
    this.graphs = [];
    this.sparseTensors = [];
    this.typeProtos = [];
  } as unknown as new () => AttributeProto;
  Attribute.prototype = Object.getPrototypeOf(create(attribute));
  const Tensor = function (this: Fields) {
    this.$typeName = 'onnx.TensorProto';
    this.dims = [];
    this.int32Data = [];
    this.stringData = [];
    this.int64Data = [];
    this.externalData = [];
    this.uint64Data = [];
    this.metadataProps = [];
  } as unknown as new () => TensorProto;
  Tensor.prototype = Object.getPrototypeOf(create(tensor));
  for (const [desc, made] of [[node, new Node()], [attribute, new Attribute()], [tensor, new Tensor()]] as const) {
    const want = Object.keys(create(desc)).join();
    if (Object.keys(made).join() !== want) throw new Error(`${desc.typeName}: the lean constructor's fields differ from create()'s (${want})`);
  }
  return {
    model, graph, node, attribute, tensor, wires, Node, Attribute, Tensor,
    attributeTypes: enumValues(attribute, 20), dataLocations: enumValues(tensor, 14),
  };
}
