import * as assert from 'node:assert/strict';
import { buildHierarchy, cutPoints } from '../../../src/core/graph/hierarchy';
import type { ViewGraph, ViewNode } from '../../../src/core/graph/types';

function node(name: string, opType: string, inputs: string[], outputs: string[], weightBytes = 0): ViewNode {
  const scope = name.split('/').filter(Boolean).slice(0, -1);
  const weights = weightBytes ? [{ name: `${name}.w`, dtype: 'float32', shape: [weightBytes / 4], bytes: weightBytes, elements: weightBytes / 4 }] : [];
  return { id: name, name, opType, domain: '', inputs: [...inputs, ...weights.map((w) => w.name)], outputs, attributes: [], weights, weightBytes, scope, subgraphs: [] };
}

/** n encoder layers (MatMul -> Add residual -> LayerNorm), each under /encoder/layers.k/. */
function encoder(n: number, extra?: (k: number) => ViewNode[]): ViewGraph {
  const nodes: ViewNode[] = [];
  let x = 'input';
  for (let k = 0; k < n; k++) {
    const p = `/encoder/layers.${k}`;
    nodes.push(node(`${p}/attn/MatMul`, 'MatMul', [x], [`${p}/mm`], 1024));
    nodes.push(node(`${p}/attn/Softmax`, 'Softmax', [`${p}/mm`], [`${p}/sm`]));
    nodes.push(node(`${p}/Add`, 'Add', [x, `${p}/sm`], [`${p}/add`]));
    nodes.push(node(`${p}/norm/LayerNormalization`, 'LayerNormalization', [`${p}/add`], [`${p}/out`], 64));
    nodes.push(...(extra?.(k) ?? []));
    x = `${p}/out`;
  }
  nodes.push(node('/head/Gemm', 'Gemm', [x], ['logits'], 40));
  return { name: 'g', nodes, inputs: [], outputs: [], values: {} };
}

describe('buildHierarchy', () => {
  it("merges a group nested in one of the same name ('MobilenetV1/MobilenetV1', as TensorFlow names them)", () => {
    const nodes = [
      node('MobilenetV1/MobilenetV1/Conv2d_0/Conv2D', 'CONV_2D', ['input'], ['c0'], 64),
      node('MobilenetV1/MobilenetV1/Conv2d_0/Relu6', 'RELU6', ['c0'], ['r0']),
      node('MobilenetV1/MobilenetV1/Conv2d_1/Conv2D', 'CONV_2D', ['r0'], ['c1'], 64),
      node('MobilenetV1/MobilenetV1/Conv2d_1/Relu6', 'RELU6', ['c1'], ['r1']),
      node('MobilenetV1/Logits/AvgPool', 'AVERAGE_POOL_2D', ['r1'], ['p']),
      node('MobilenetV1/Logits/Conv2d_1c_1x1/Conv2D', 'CONV_2D', ['p'], ['l'], 64),
      node('MobilenetV1/Predictions/Reshape', 'RESHAPE', ['l'], ['s']),
    ];
    const h = buildHierarchy({ name: 'g', nodes, inputs: [], outputs: [], values: {} });
    const labels = [...h.groups.values()].filter((g) => g.id !== '').map((g) => g.label);
    assert.equal(labels.filter((l) => l === 'MobilenetV1').length, 1, `one MobilenetV1 group: ${labels.join(', ')}`);
    assert.ok(!labels.some((l) => /MobilenetV1\/MobilenetV1/.test(l)), labels.join(', '));
    const top = [...h.groups.values()].find((g) => g.label === 'MobilenetV1')!;
    assert.equal(top.parent, '');
    assert.equal(top.size, 7, 'the outer group\'s own nodes join the merged one');
    assert.deepEqual(top.groups.map((c) => h.groups.get(c)!.label), ['Conv2d_0', 'Conv2d_1', 'Logits']);
    assert.deepEqual(top.nodes, [6], 'the Predictions node (a one-node scope) sits in it directly');
    // Different names nest as before.
    const other = buildHierarchy({ name: 'g', nodes: nodes.map((n) => ({ ...n, scope: n.scope.map((s, i) => (i === 1 && s === 'MobilenetV1' ? 'Body' : s)) })), inputs: [], outputs: [], values: {} });
    assert.ok(other.groups.get('MobilenetV1/Body'), 'a child of another name stays a group');
  });

  it('groups by scope, merges single-child chains and dissolves one-node groups', () => {
    const h = buildHierarchy(encoder(3));
    assert.deepEqual(h.root.groups, ['encoder']);
    assert.equal(h.groups.get('encoder')!.groups.length, 3);
    const layer = h.groups.get('encoder/layers.1')!;
    assert.deepEqual(layer.groups, ['encoder/layers.1/attn'], 'norm (one node) is dissolved');
    assert.equal(layer.size, 4);
    assert.equal(layer.weightBytes, 1024 + 64);
    assert.equal(h.groups.get('head'), undefined, 'the one-node head scope is dissolved into the root');
    assert.equal(h.groupOf[h.groupOf.length - 1], '');
    assert.equal(h.root.size, 13);
  });

  it('merges a group with one child group and no nodes into a path label', () => {
    const g = encoder(2);
    for (const n of g.nodes) if (n.scope[0] === 'encoder') n.scope = ['model', ...n.scope];
    const h = buildHierarchy(g);
    const top = h.groups.get(h.root.groups[0])!;
    assert.equal(top.id, 'model/encoder');
    assert.equal(top.label, 'model/encoder');
  });

  it('gives identical layers one signature and marks them as repeats', () => {
    const h = buildHierarchy(encoder(4));
    const layers = h.groups.get('encoder')!.groups.map((id) => h.groups.get(id)!);
    assert.equal(new Set(layers.map((l) => l.signature)).size, 1);
    assert.deepEqual(layers.map((l) => l.repeat?.index), [0, 1, 2, 3]);
    assert.equal(layers[2].repeat?.first, 'encoder/layers.0');
  });

  it('tells a structurally different layer apart', () => {
    const g = encoder(3, (k) => (k === 1 ? [node(`/encoder/layers.${k}/Relu`, 'Relu', [`/encoder/layers.${k}/out`], ['r'])] : []));
    const h = buildHierarchy(g);
    const [a, b, c] = h.groups.get('encoder')!.groups.map((id) => h.groups.get(id)!);
    assert.equal(a.signature, c.signature);
    assert.notEqual(a.signature, b.signature);
    assert.equal(b.repeat, undefined);
  });

  it('splits a flat graph with too many members into parts and can exclude nodes', () => {
    const nodes = Array.from({ length: 25 }, (_, i) => node(`n${i}`, i % 5 === 0 ? 'Constant' : 'Relu', [`v${i}`], [`v${i + 1}`]));
    const h = buildHierarchy({ name: 'flat', nodes, inputs: [], outputs: [], values: {} }, { maxChildren: 8, include: (n) => n.opType !== 'Constant' });
    assert.equal(h.root.size, 20);
    assert.equal(h.root.nodes.length, 0);
    assert.ok(h.root.groups.length >= 3);
    assert.ok(h.root.groups.every((id) => h.groups.get(id)!.nodes.length <= 8));
    assert.equal(h.groupOf[0], undefined);
  });
});

describe('cutPoints', () => {
  it('cuts a chain of blocks between blocks, where one value crosses', () => {
    // Blocks of 5 nodes: a skip connection from each block's first node to its last.
    const nodes: ViewNode[] = [];
    let x = 'in';
    for (let b = 0; b < 6; b++) {
      const p = `b${b}`;
      nodes.push(node(`${p}n0`, 'Conv', [x], [`${p}v0`]));
      for (let k = 1; k < 4; k++) nodes.push(node(`${p}n${k}`, 'Relu', [`${p}v${k - 1}`], [`${p}v${k}`]));
      nodes.push(node(`${p}n4`, 'Add', [`${p}v3`, `${p}v0`], [`${p}out`]));
      x = `${p}out`;
    }
    const g: ViewGraph = { name: 'g', nodes, inputs: [], outputs: [], values: {} };
    const consumers = new Map<string, number[]>();
    nodes.forEach((n, i) => { for (const v of n.inputs) consumers.set(v, [...(consumers.get(v) ?? []), i]); });
    const starts = cutPoints(g, nodes.map((_, i) => i), consumers, 9);
    assert.equal(starts[0], 0);
    assert.ok(starts.length >= 3);
    for (const s of starts.slice(1)) assert.equal(s % 5, 0, `cut at ${s} is inside a block`);
  });
});
