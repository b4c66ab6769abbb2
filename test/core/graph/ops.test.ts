import * as assert from 'node:assert/strict';
import type { ViewNode, WeightInfo } from '../../../src/core/graph/types';
import { nodeDetail, shortShape } from '../../../src/core/graph/ops';

function node(opType: string, inputs: string[], weights: WeightInfo[]): ViewNode {
  return { id: opType, name: opType, opType, domain: '', inputs, outputs: ['y'], attributes: [], weights, weightBytes: 0, scope: [], subgraphs: [] };
}
const scalar = (name: string, value: string): WeightInfo => ({ name, dtype: 'float32', shape: [], bytes: 4, elements: 1, value });

describe('nodeDetail', () => {
  it('reads a scalar constant operand as an operator', () => {
    assert.equal(nodeDetail(node('Mul', ['x', 'k'], [scalar('k', '0.943169')])), '× 0.9432');
    assert.equal(nodeDetail(node('Add', ['x', 'k'], [scalar('k', '-0.00757324')])), '− 0.007573');
    assert.equal(nodeDetail(node('Div', ['x', 'k'], [scalar('k', '6')])), '÷ 6');
  });

  it('shows Clip bounds and a Reshape target from constant inputs', () => {
    assert.equal(nodeDetail(node('Clip', ['x', 'lo', 'hi'], [scalar('lo', '0'), scalar('hi', '6')])), '0 … 6');
    const shape: WeightInfo = { name: 's', dtype: 'int64', shape: [2], bytes: 16, elements: 2, value: '1, -1' };
    assert.equal(nodeDetail(node('Reshape', ['x', 's'], [shape])), '→ [1, -1]');
  });

  it('does not show an empty shape for a scalar weight', () => {
    assert.equal(nodeDetail(node('Sigmoid', ['x', 'k'], [scalar('k', '1')])), '');
  });
});

describe('shortShape', () => {
  it('shortens long symbolic dimensions', () => {
    assert.equal(shortShape(['p2o.DynamicDimension.0', 3, 'batch', 224]), '[?, 3, batch, 224]');
    assert.equal(shortShape(null), '?');
  });
});
