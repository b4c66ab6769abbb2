import * as fs from 'node:fs';
import { create } from '@bufbuild/protobuf';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import {
  GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, StringStringEntryProtoSchema,
  TensorProto_DataLocation, type TensorProto,
} from '../../../../src/core/formats/onnx/proto/onnx_pb';

/** A tensor that points at external data. */
export function externalTensor(name: string, dims: number[], location: string, offset: number, length: number): TensorProto {
  const t = makeTensor(name, 'float32', dims, new Float32Array(0));
  t.dataLocation = TensorProto_DataLocation.EXTERNAL;
  t.externalData = [
    create(StringStringEntryProtoSchema, { key: 'location', value: location }),
    create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
    create(StringStringEntryProtoSchema, { key: 'length', value: String(length) }),
  ];
  return t;
}

/** Writes a one-node (Identity) model that carries these initializers. */
export function writeModelWith(file: string, initializers: TensorProto[]): void {
  const graph = create(GraphProtoSchema, {
    name: 'g',
    node: [makeNode('Identity', ['x'], ['y'])],
    input: [makeValueInfo('x', 'float32', [4])],
    output: [makeValueInfo('y', 'float32', [4])],
    initializer: initializers,
  });
  const proto = create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] });
  fs.writeFileSync(file, encodeModelProto(proto));
}

