import * as assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { Graph, Model, attr, attrInt, attrInts, outerReads } from '../../../../src/core/formats/onnx/model';
import { makeNode, makeTensor, makeValueInfo, NameAllocator } from '../../../../src/core/formats/onnx/build';
import { FunctionProtoSchema, GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, type NodeProto } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { decodeModelProto, encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { hasTestdata, testdataModel } from './testdata';

function modelOf(nodes: NodeProto[], extra: Partial<{ inputs: string[]; outputs: string[] }> = {}): Model {
  const graph = create(GraphProtoSchema, {
    name: 'g',
    node: nodes,
    input: (extra.inputs ?? ['x']).map((n) => makeValueInfo(n, 'float32', [1, 4])),
    output: (extra.outputs ?? []).map((n) => makeValueInfo(n, 'float32', undefined)),
  });
  return new Model(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] }));
}

function assertTopological(order: NodeProto[], graphInputs: string[]): void {
  const ready = new Set(graphInputs);
  for (const n of order) {
    for (const i of n.input) if (i) assert.ok(ready.has(i), `${n.name || n.opType} runs before '${i}' exists`);
    for (const o of n.output) ready.add(o);
  }
}

describe('Model and Graph', () => {
  it('maps producers and consumers, counting a node that reads a value twice once', () => {
    const m = modelOf([
      makeNode('Relu', ['x'], ['a'], {}, 'relu'),
      makeNode('Mul', ['a', 'a'], ['b'], {}, 'square'),
      makeNode('Add', ['a', 'b'], ['y'], {}, 'add'),
    ], { outputs: ['y'] });
    const g = m.graph;
    assert.equal(g.producer('a')?.name, 'relu');
    assert.equal(g.producer('x'), undefined);
    assert.deepEqual(g.consumersOf('a').map((n) => n.name), ['square', 'add']);
    assert.deepEqual(g.consumersOf('y'), []);
    g.proto.node.pop();
    g.invalidate();
    assert.deepEqual(g.consumersOf('a').map((n) => n.name), ['square']);
  });

  it('orders nodes topologically whatever their file order, and reports cycles', () => {
    const nodes = [
      makeNode('Add', ['c', 'b'], ['y'], {}, 'n4'),
      makeNode('Relu', ['x'], ['a'], {}, 'n1'),
      makeNode('Neg', ['b'], ['c'], {}, 'n3'),
      makeNode('Exp', ['a'], ['b'], {}, 'n2'),
    ];
    const m = modelOf(nodes);
    const order = m.graph.topologicalOrder();
    assert.equal(order.length, 4);
    assertTopological(order, ['x']);
    assert.deepEqual(order.map((n) => n.name), ['n1', 'n2', 'n3', 'n4']);
    const cyclic = modelOf([makeNode('Relu', ['q'], ['p']), makeNode('Relu', ['p'], ['q'])]);
    assert.throws(() => cyclic.graph.topologicalOrder(), /has a cycle/);
  });

  it('puts the producer of a value a subgraph reads from outer scope before the node that owns the subgraph', () => {
    const body = create(GraphProtoSchema, {
      name: 'body',
      input: [makeValueInfo('i', 'int64', []), makeValueInfo('cond_in', 'bool', []), makeValueInfo('acc', 'float32', [1, 4])],
      output: [makeValueInfo('cond_out', 'bool', []), makeValueInfo('acc_out', 'float32', [1, 4])],
      node: [makeNode('Identity', ['cond_in'], ['cond_out']), makeNode('Add', ['acc', 'outer'], ['acc_out'])],
    });
    const m = modelOf([
      makeNode('Loop', ['', '', 'x'], ['y'], { body }, 'loop'),
      makeNode('Relu', ['x'], ['outer'], {}, 'makes_outer'),
    ]);
    assert.deepEqual(outerReads(body), ['outer']);
    assert.deepEqual(m.graph.topologicalOrder().map((n) => n.name), ['makes_outer', 'loop']);
    const subs = m.graph.subgraphs(m.graph.nodes[0]);
    assert.equal(subs.length, 1);
    assert.equal(subs[0].attribute, 'body');
    assert.equal(subs[0].graph.parent, m.graph);
    assert.equal(subs[0].graph.producer('acc_out')?.opType, 'Add');
    assert.deepEqual([...m.allGraphs()].map((g) => g.proto.name), ['g', 'body']);
  });

  it('finds value infos and model-local functions', () => {
    const m = modelOf([makeNode('MyRelu', ['x'], ['y'], {}, 'call', 'custom')], { outputs: ['y'] });
    m.graph.proto.valueInfo.push(makeValueInfo('y', 'float32', [9]));
    assert.deepEqual(m.graph.valueInfo('x')?.name, 'x');
    assert.equal(m.graph.valueInfo('y'), m.graph.proto.output[0], 'outputs win over value_info');
    assert.equal(m.graph.valueInfo('nope'), undefined);
    m.proto.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'custom', version: 1n }));
    m.proto.functions.push(create(FunctionProtoSchema, {
      name: 'MyRelu', domain: 'custom', input: ['a'], output: ['b'],
      node: [makeNode('Relu', ['a'], ['b'])], opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })],
    }));
    const again = new Model(decodeModelProto(encodeModelProto(m.proto)));
    assert.deepEqual([...again.functions().keys()], ['custom:MyRelu']);
    assert.equal(again.functions().get('custom:MyRelu')?.node[0].opType, 'Relu');
    assert.deepEqual({ ...again.opsets() }, { '': 17, custom: 1 });
  });

  it('reads attributes with their types', () => {
    const n = makeNode('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3], group: 2, alpha: { float: 0.5 }, auto_pad: 'SAME_UPPER' });
    assert.deepEqual(attrInts(n, 'kernel_shape'), [3, 3]);
    assert.equal(attrInt(n, 'group', 1), 2);
    assert.equal(attrInt(n, 'missing', 7), 7);
    assert.equal(attr(n, 'alpha'), 0.5);
    assert.equal(attr(n, 'auto_pad'), 'SAME_UPPER');
  });

  it('allocates fresh names across subgraphs', () => {
    const m = modelOf([makeNode('Relu', ['x'], ['y'], {}, 'y_1')]);
    const names = new NameAllocator(m.graph.proto);
    assert.equal(names.take('y'), 'y_2');
    assert.equal(names.take('z'), 'z');
    assert.equal(names.take('z'), 'z_1');
  });

  it('resolves initializers from an enclosing graph', () => {
    const m = modelOf([makeNode('Identity', ['x'], ['y'])]);
    m.graph.proto.initializer.push(makeTensor('w', 'float32', [1], new Float32Array([2])));
    m.graph.invalidate();
    const inner = new Graph(create(GraphProtoSchema, { name: 'inner' }), m.graph);
    assert.equal(inner.initializer('w')?.name, 'w');
    assert.equal(inner.initializer('nope'), undefined);
  });

  describe('control flow models from the test data', function () {
    before(function () {
      if (!hasTestdata()) this.skip();
    });

    it('finds If branches, Loop and Scan bodies', () => {
      const ifModel = loadModel(testdataModel('test_if'));
      const ifNode = ifModel.graph.nodes[0];
      assert.equal(ifNode.opType, 'If');
      assert.deepEqual(ifModel.graph.subgraphs(ifNode).map((s) => s.attribute).sort(), ['else_branch', 'then_branch']);
      assert.equal([...ifModel.allGraphs()].length, 3);

      const loop = loadModel(testdataModel('test_loop11'));
      const [body] = loop.graph.subgraphs(loop.graph.nodes[0]);
      assert.equal(body.attribute, 'body');
      assert.equal(body.graph.nodes.length, 9);
      assertTopological(body.graph.topologicalOrder(), body.graph.proto.input.map((i) => i.name));
      assert.deepEqual(body.graph.consumersOf('iter_count').map((n) => n.opType), ['Add', 'Unsqueeze']);

      const scan = loadModel(testdataModel('test_scan_sum'));
      const scanNode = scan.graph.nodes[0];
      assert.equal(scanNode.input[0], '', 'an omitted optional input stays empty');
      assert.equal(scan.graph.subgraphs(scanNode)[0].graph.producer('scan_out')?.opType, 'Identity');

      const range = loadModel(testdataModel('test_range_float_type_positive_delta_expanded'));
      const loopNode = range.graph.nodes.find((n) => n.opType === 'Loop')!;
      assert.deepEqual(outerReads(range.graph.subgraphs(loopNode)[0].graph.proto), ['delta']);
    });
  });
});
