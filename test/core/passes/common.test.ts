import { strict as assert } from 'node:assert';
import { create } from '@bufbuild/protobuf';
import { makeNode, makeTensor, makeValueInfo } from '../../../src/core/formats/onnx/build';
import { Model } from '../../../src/core/formats/onnx/model';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../../../src/core/formats/onnx/proto/onnx_pb';
import { constantTensor, pruneUnused } from '../../../src/core/passes/common';

function model(nodes: ReturnType<typeof makeNode>[], inits: string[], inputs = ['x'], outputs = ['y']): Model {
  const graph = create(GraphProtoSchema, {
    name: 'g', node: nodes,
    initializer: inits.map((n) => makeTensor(n, 'float32', [1], new Float32Array([1]))),
    input: inputs.map((n) => makeValueInfo(n, 'float32', [1])), output: outputs.map((n) => makeValueInfo(n, 'float32', [1])),
  });
  return new Model(create(ModelProtoSchema, { irVersion: 8n, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })], graph }));
}

describe('passes/common: constants and pruning', () => {
  it('constantTensor follows Identity chains and Constant nodes, not other producers, and not initializers that are graph inputs', () => {
    const m = model([
      makeNode('Identity', ['w'], ['w1']), makeNode('Identity', ['w1'], ['w2']), makeNode('Relu', ['w'], ['r']),
      makeNode('Identity', ['r'], ['r1']), makeNode('Add', ['x', 'w2'], ['y']),
    ], ['w', 'over'], ['x', 'over']);
    const g = m.graph;
    assert.equal(constantTensor(g, 'w2')?.name, 'w');
    assert.equal(constantTensor(g, 'r1'), undefined);
    assert.equal(constantTensor(g, 'x'), undefined);
    assert.equal(constantTensor(g, 'over'), undefined, 'an initializer a caller can override is not constant');
    assert.equal(constantTensor(g, 'over', true)?.name, 'over');
    // A graph input added later is seen without invalidate().
    g.proto.input.push(makeValueInfo('w', 'float32', [1]));
    assert.equal(constantTensor(g, 'w2'), undefined);
  });

  it('pruneUnused drops unread initializers (and their inputs) and Identity chains nobody reads, in rounds', () => {
    const m = model([
      makeNode('Identity', ['a'], ['a1']), makeNode('Identity', ['a1'], ['a2']), makeNode('Add', ['x', 'b'], ['y']),
    ], ['a', 'b', 'c'], ['x', 'c']);
    pruneUnused(m.graph);
    assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Add']);
    assert.deepEqual(m.graph.proto.initializer.map((t) => t.name), ['b']);
    assert.deepEqual(m.graph.proto.input.map((i) => i.name), ['x']);
  });
});
