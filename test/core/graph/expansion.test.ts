import * as assert from 'node:assert/strict';
import type { ViewGraph, ViewNode } from '../../../src/core/graph/types';
import { GraphModel } from '../../../src/core/graph/graph-model';
import { initialExpansion } from '../../../src/core/graph/expansion';

function node(name: string, opType: string, inputs: string[], outputs: string[]): ViewNode {
  return { id: name, name, opType, domain: '', inputs, outputs, attributes: [], weights: [], weightBytes: 0, scope: name.split('/').filter(Boolean).slice(0, -1), subgraphs: [] };
}

/** /enc/layers.k/{attn/{MatMul,Softmax},Add,Relu} for k < n, then a unique /head block of three nodes. */
function encoder(n: number): ViewGraph {
  const nodes: ViewNode[] = [];
  let x = 'in';
  for (let k = 0; k < n; k++) {
    const p = `/enc/layers.${k}`;
    nodes.push(node(`${p}/attn/MatMul`, 'MatMul', [x], [`${p}/a`]), node(`${p}/attn/Softmax`, 'Softmax', [`${p}/a`], [`${p}/s`]),
      node(`${p}/Add`, 'Add', [x, `${p}/s`], [`${p}/r`]), node(`${p}/Relu`, 'Relu', [`${p}/r`], [`${p}/o`]));
    x = `${p}/o`;
  }
  nodes.push(node('/head/Gemm', 'Gemm', [x], ['h1']), node('/head/Relu', 'Relu', ['h1'], ['h2']), node('/head/Gemm_1', 'Gemm', ['h2'], ['out']));
  return { name: 'g', nodes, inputs: [{ name: 'in', dtype: 'float32', shape: [1] }], outputs: [{ name: 'out', dtype: 'float32', shape: [1] }], values: {} };
}

const measure = (t: string): number => t.length * 7;

describe('initialExpansion', () => {
  it('opens every copy of a repeated block or none of them', () => {
    const m = new GraphModel(encoder(4), { showConstants: false, measure });
    const layers = m.group('enc')!.groups;
    assert.equal(layers.length, 4);
    // Room for the layer list and some, but not all four, layers: none opens.
    const some = initialExpansion(m, m.countVisible(new Set(['enc', 'head'])) + 5);
    assert.ok(some.has('enc') && some.has('head'));
    assert.equal(layers.filter((l) => some.has(l)).length, 0);
    const all = initialExpansion(m, 1000);
    assert.equal(layers.filter((l) => all.has(l)).length, 4);
    assert.equal(layers.map((l) => `${l}/attn`).filter((l) => all.has(l)).length, 4);
  });

  it('stays within the budget and grows from a start set', () => {
    const m = new GraphModel(encoder(6), { showConstants: false, measure });
    for (const budget of [3, 8, 12, 30, 60]) {
      const e = initialExpansion(m, budget);
      assert.ok(m.countVisible(e) <= Math.max(budget, m.countVisible(new Set())), `budget ${budget}`);
    }
    const first = initialExpansion(m, 8);
    const more = initialExpansion(m, 60, first);
    for (const g of first) assert.ok(more.has(g));
    assert.ok(more.size > first.size);
  });

  it('opens the first parts of a split flat graph even when the parts look alike', () => {
    const nodes: ViewNode[] = [];
    let x = 'in';
    for (let b = 0; b < 40; b++) {
      nodes.push(node(`c${b}`, 'Conv', [x], [`c${b}`]), node(`r${b}`, 'Relu', [`c${b}`], [`r${b}`]), node(`a${b}`, 'Add', [x, `r${b}`], [`a${b}`]));
      x = `a${b}`;
    }
    const g: ViewGraph = { name: 'flat', nodes, inputs: [{ name: 'in', dtype: 'float32', shape: [1] }], outputs: [{ name: x, dtype: 'float32', shape: [1] }], values: {} };
    const m = new GraphModel(g, { showConstants: false, measure, maxChildren: 30, partSize: 15 });
    const parts = m.hierarchy.root.groups;
    assert.ok(parts.length >= 6);
    assert.ok(parts.filter((p) => m.group(p)!.repeat).length >= 2, 'some parts are alike');
    const e = initialExpansion(m, 40);
    assert.ok(e.has(parts[0]), 'the first part opens');
    assert.ok(!e.has(parts[parts.length - 1]));
  });
});
