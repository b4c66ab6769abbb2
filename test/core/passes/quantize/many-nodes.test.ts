import * as assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { Model } from '../../../../src/core/formats/onnx/model';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { quantizeDynamic } from '../../../../src/core/passes/quantize/dynamic';
import { bigChain } from '../../../helpers/big-chain';

/** A chain of `n` MatMuls with 2x2 weights: n initializers in, about 3n out of dynamic quantization. */
function matmulChain(n: number): Model {
  const graph = create(GraphProtoSchema, { name: `chain_${n}` });
  graph.input.push(makeValueInfo('x', 'float32', [1, 2]));
  let prev = 'x';
  for (let i = 0; i < n; i++) {
    graph.initializer.push(makeTensor(`w${i}`, 'float32', [2, 2], Float32Array.of(1, 0.5, -0.25, 1)));
    graph.node.push(makeNode('MatMul', [prev, `w${i}`], [`h${i}`], {}, `mm${i}`));
    prev = `h${i}`;
  }
  graph.output.push(makeValueInfo(prev, 'float32', [1, 2]));
  return new Model(create(ModelProtoSchema, { irVersion: 8n, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })], graph }));
}

describe('passes on models with very many nodes', function () {
  this.timeout(120_000);

  it('dynamic quantization of 45,000 MatMuls (135,000 new initializers: past what push(...spread) takes)', () => {
    const { model, report } = quantizeDynamic(matmulChain(45_000));
    assert.equal(report.quantized.length, 45_000);
    assert.ok(model.graph.proto.initializer.length >= 135_000, `${model.graph.proto.initializer.length} initializers`);
    assert.ok(model.graph.proto.initializer.some((t) => t.name.startsWith('w44999')));
  });

  // Issue 22's 200k-node shape, scaled down (bench/big.ts times the full size): correctness, not time.
  it('dynamic quantization of a 30,000-node MatMul/Add/Relu chain rewrites every block and keeps the graph in order', () => {
    const input = bigChain(30_000);
    const { model, report } = quantizeDynamic(input);
    assert.equal(report.quantized.length, 10_000);
    assert.equal(report.skipped.length, 0);
    const g = model.graph;
    // Per block: DynamicQuantizeLinear, MatMulInteger, Cast, two Muls, then the float Add and Relu.
    assert.equal(g.nodes.length, 10_000 * 7);
    const defined = new Set([...g.proto.input.map((v) => v.name), ...g.proto.initializer.map((t) => t.name)]);
    for (const n of g.nodes) {
      for (const i of n.input) assert.ok(!i || defined.has(i), `${n.name} reads ${i} before it is made`);
      for (const o of n.output) defined.add(o);
    }
    assert.ok(g.proto.initializer.every((t) => !/^w\d+$/.test(t.name)), 'the float weights are gone');
    assert.equal(g.proto.output[0].name, 'relu9999');
    assert.equal(input.graph.nodes.length, 30_000, 'the input model is left as it was');
  });
});
