import { strict as assert } from 'node:assert';
import { create, toBinary } from '@bufbuild/protobuf';
import { makeAttribute, makeNode, makeTensor } from '../../../../src/core/formats/onnx/build';
import {
  AttributeProto_AttributeType as AttrType, AttributeProtoSchema, NodeProtoSchema, StringStringEntryProtoSchema, TensorProtoSchema,
} from '../../../../src/core/formats/onnx/proto/onnx_pb';
import type { DescMessage } from '@bufbuild/protobuf';

/** Own fields in order, and the prototype (proto2's defaults live there). */
const shape = (m: object) => ({ keys: Object.keys(m), proto: Object.getPrototypeOf(m) as unknown });

/** The builders make lean messages (build.ts): what create() makes, field for field and byte for byte. */
describe('formats/onnx/build: messages made by passes', () => {
  function same(schema: DescMessage, made: object, reference: object) {
    assert.deepEqual(shape(made), shape(reference));
    assert.deepEqual(made, reference);
    assert.deepEqual(toBinary(schema, made as never), toBinary(schema, reference as never));
  }

  it('makeNode is create(NodeProtoSchema) with its fields, a domain, an attribute', () => {
    same(NodeProtoSchema, makeNode('Relu', ['x'], ['y'], {}, 'r'), create(NodeProtoSchema, { opType: 'Relu', input: ['x'], output: ['y'], name: 'r' }));
    same(NodeProtoSchema, makeNode('Relu', ['x'], ['y']), create(NodeProtoSchema, { opType: 'Relu', input: ['x'], output: ['y'], name: '' }));
    const cast = makeNode('Cast', ['x'], ['y'], { to: 1 }, 'c', 'com.example');
    const ref = create(NodeProtoSchema, { opType: 'Cast', input: ['x'], output: ['y'], name: 'c' });
    ref.domain = 'com.example';
    ref.attribute.push(Object.assign(create(AttributeProtoSchema, { name: 'to' }), { type: AttrType.INT, i: 1n }));
    same(NodeProtoSchema, cast, ref);
  });

  it('makeTensor and makeAttribute are create() of theirs', () => {
    const data = new Int8Array([1, -2, 3, -4]);
    same(TensorProtoSchema, makeTensor('w', 'int8', [2, 2], data), create(TensorProtoSchema, { name: 'w', dataType: 3, dims: [2n, 2n], rawData: new Uint8Array(data.buffer) }));
    same(AttributeProtoSchema, makeAttribute('axes', [0, 1]), Object.assign(create(AttributeProtoSchema, { name: 'axes' }), { type: AttrType.INTS, ints: [0n, 1n] }));
  });

  it('the list fields they leave empty are shared and frozen: appending throws, replacing works; a node\'s own lists take appends', () => {
    const t = makeTensor('w', 'float32', [1], new Float32Array([1]));
    assert.throws(() => (t.floatData as number[]).push(1), TypeError);
    t.floatData = [1];
    assert.deepEqual(makeTensor('v', 'float32', [1], new Float32Array([2])).floatData, []);
    const n = makeNode('Relu', ['x'], ['y']);
    n.attribute.push(makeAttribute('a', 1));
    n.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'k', value: 'v' }));
    assert.equal(makeNode('Relu', ['x'], ['y']).attribute.length, 0);
  });
});
