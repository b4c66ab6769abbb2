import * as assert from 'node:assert/strict';
import type { ViewGraph, ViewNode } from '../../../src/core/graph/types';
import { GraphModel } from '../../../src/core/graph/graph-model';
import { findMatches } from '../../../webview/model/search';

function node(name: string, opType: string, inputs: string[], outputs: string[]): ViewNode {
  return { id: name, name, opType, domain: '', inputs, outputs, attributes: [], weights: [], weightBytes: 0, scope: name.split('/').filter(Boolean).slice(0, -1), subgraphs: [] };
}

/** x -> [layers.0: MatMul -> Relu] -> [layers.1: MatMul -> Relu] -> y, plus a Constant feeding layers.1. */
function graph(): ViewGraph {
  return {
    name: 'g',
    nodes: [
      node('/l/layers.0/MatMul', 'MatMul', ['x'], ['a0']),
      node('/l/layers.0/Relu', 'Relu', ['a0'], ['h0']),
      node('/l/layers.1/Constant', 'Constant', [], ['c']),
      node('/l/layers.1/MatMul', 'MatMul', ['h0', 'c'], ['a1']),
      node('/l/layers.1/Relu', 'Relu', ['a1'], ['y']),
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
    values: {},
  };
}

const measure = (t: string): number => t.length * 7;

describe('GraphModel', () => {
  it('hides Constant nodes unless asked and links inputs, nodes and outputs', () => {
    const m = new GraphModel(graph(), { showConstants: false, measure });
    assert.equal([...m.leaves.values()].filter((l) => l.kind === 'node').length, 4);
    assert.deepEqual(m.links.map((l) => `${l.from}>${l.to}`), ['I:x>N0', 'N0>N1', 'N1>N3', 'N3>N4', 'N4>O:y']);
    const withConst = new GraphModel(graph(), { showConstants: true, measure });
    assert.ok(withConst.links.some((l) => l.from === 'N2' && l.to === 'N3'));
  });

  it('lays collapsed groups out as boxes joined by one edge', () => {
    const m = new GraphModel(graph(), { showConstants: false, measure });
    const tree = m.layoutTree(new Set(['l']));
    const l = tree.items.find((i) => i.id === 'G:l')!;
    assert.deepEqual(l.sub!.items.map((i) => i.id), ['G:l/layers.0', 'G:l/layers.1']);
    assert.deepEqual(l.sub!.edges.map((e) => `${e.from}>${e.to}`), ['^in:x>G:l/layers.0', 'G:l/layers.0>G:l/layers.1', 'G:l/layers.1>^out:y']);
    assert.deepEqual([l.sub!.inPorts, l.sub!.outPorts], [['x'], ['y']]);
    assert.deepEqual(tree.edges.map((e) => `${e.from}:${e.fromPort ?? ''}>${e.to}:${e.toPort ?? ''}`), ['I:x:>G:l:x', 'G:l:y>O:y:']);
    assert.equal(m.countVisible(new Set(['l'])), 4);
  });

  it('routes an edge between expanded groups through out- and in-ports', () => {
    const m = new GraphModel(graph(), { showConstants: false, measure });
    const tree = m.layoutTree(new Set(['l', 'l/layers.0', 'l/layers.1']));
    const l = tree.items.find((i) => i.id === 'G:l')!.sub!;
    assert.ok(l.edges.some((e) => e.from === 'G:l/layers.0' && e.fromPort === 'h0' && e.to === 'G:l/layers.1' && e.toPort === 'h0'));
    const l0 = l.items[0].sub!;
    assert.deepEqual(l0.outPorts, ['h0']);
    assert.ok(l0.edges.some((e) => e.from === 'N1' && e.to === '^out:h0'));
    const l1 = l.items[1].sub!;
    assert.ok(l1.edges.some((e) => e.from === '^in:h0' && e.to === 'N3'));
    assert.equal(m.visibleOf('N3', new Set(['l'])), 'G:l/layers.1');
  });
});

describe('findMatches (graph search)', () => {
  it('finds nodes by name, op type prefix and tensor names, and inputs/outputs by name; nothing for a blank query', () => {
    const g = graph();
    const m = new GraphModel(g, { showConstants: false, measure });
    const names = (q: string) => findMatches(m, g, q).map(({ id }) => { const l = m.leaves.get(id)!; return l.kind === 'node' ? g.nodes[l.index].name : `${l.kind}:${l.label}`; });
    assert.deepEqual(names('relu'), ['/l/layers.0/Relu', '/l/layers.1/Relu']);
    assert.deepEqual(names('Mat'), ['/l/layers.0/MatMul', '/l/layers.1/MatMul']);
    assert.deepEqual(names('h0'), ['/l/layers.0/Relu', '/l/layers.1/MatMul']);
    assert.deepEqual(names('layers.1/M'), ['/l/layers.1/MatMul']);
    assert.deepEqual(names('x'), ['input:x', '/l/layers.0/MatMul']);
    assert.deepEqual(names('  '), []);
  });
});

describe('findMatches: an op name matches the op type exactly, and each match says why', () => {
  /** conv -> relu, where the Relu's input is called 'conv1_out' and a node is named 'Convert'. */
  function convGraph(): ViewGraph {
    return {
      name: 'g',
      nodes: [
        node('conv1', 'Conv', ['x'], ['conv1_out']),
        node('relu1', 'Relu', ['conv1_out'], ['r1']),
        node('Convert', 'Cast', ['r1'], ['c']),
        node('conv2', 'ConvTranspose', ['c'], ['y']),
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
      values: {},
    };
  }

  it("'Conv' finds the Conv nodes only, not the Relu fed by conv1_out, a node named Convert or a ConvTranspose", () => {
    const g = convGraph();
    const m = new GraphModel(g, { showConstants: false, measure });
    const found = findMatches(m, g, 'Conv');
    assert.deepEqual(found.map((x) => g.nodes[m.leaves.get(x.id)!.index].name), ['conv1']);
    assert.deepEqual(found.map((x) => x.what), ['op Conv']);
    assert.deepEqual(findMatches(m, g, ' relu ').map((x) => x.what), ['op Relu'], 'case and spaces do not matter');
  });

  it('says what matched otherwise: the name, an op type prefix, an input or output tensor, a graph input', () => {
    const g = convGraph();
    const m = new GraphModel(g, { showConstants: false, measure });
    assert.deepEqual(findMatches(m, g, 'conv1_o').map((x) => x.what), ['output conv1_out', 'input conv1_out']);
    assert.deepEqual(findMatches(m, g, 'ConvT').map((x) => x.what), ['op ConvTranspose']);
    assert.deepEqual(findMatches(m, g, 'vert').map((x) => x.what), ['name Convert']);
    assert.deepEqual(findMatches(m, g, 'x').map((x) => x.what), ['graph input x', 'input x']);
  });
});
