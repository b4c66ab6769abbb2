import * as assert from 'node:assert/strict';
import { OnnxReader } from '../../../../src/core/formats/onnx/reader';
import { bigChain } from '../../../helpers/big-chain';

// Issue 22's 200k-node shape, scaled down (bench/big.ts times the full size): correctness, not time.
describe('ONNX view graph of a model with very many nodes', function () {
  this.timeout(120_000);

  it('the view graph and summary of a 30,000-node chain: one id per node, MACs on every MatMul', () => {
    const reader = new OnnxReader(bigChain(30_000));
    const view = reader.viewGraph();
    const summary = reader.summary();
    assert.equal(view.nodes.length, 30_000);
    assert.equal(new Set(view.nodes.map((n) => n.id)).size, 30_000);
    const matmuls = view.nodes.filter((n) => n.opType === 'MatMul');
    assert.equal(matmuls.length, 10_000);
    assert.ok(matmuls.every((n) => n.macs === 64 && n.weights.length === 1 && n.weights[0].bytes === 256));
    assert.equal(summary.macs, 10_000 * 64);
    assert.equal(summary.nodes, 30_000);
  });
});
