/**
 * A model with very many nodes, as issue 22's 200,000-node target means it: a long chain of
 * MatMul -> Add -> Relu blocks with small weights (the shape of a deep MLP, each layer a few
 * dozen bytes). Tests use a scaled-down chain; bench/big.ts writes the full one.
 */
import { create } from '@bufbuild/protobuf';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/formats/onnx/build';
import { Model } from '../../src/core/formats/onnx/model';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../../src/core/formats/onnx/proto/onnx_pb';

/** `nodes` nodes (rounded down to whole MatMul/Add/Relu blocks), activations [1, width]. */
export function bigChain(nodes: number, width = 8): Model {
  const blocks = Math.floor(nodes / 3);
  const graph = create(GraphProtoSchema, { name: `chain_${blocks * 3}` });
  graph.input.push(makeValueInfo('x', 'float32', [1, width]));
  let prev = 'x';
  for (let i = 0; i < blocks; i++) {
    const w = new Float32Array(width * width);
    for (let k = 0; k < w.length; k++) w[k] = (((i * 31 + k * 17) % 29) - 14) / (14 * width); // small, varied, deterministic
    const b = new Float32Array(width);
    for (let k = 0; k < width; k++) b[k] = ((i + k) % 7 - 3) / 100;
    graph.initializer.push(makeTensor(`w${i}`, 'float32', [width, width], w), makeTensor(`b${i}`, 'float32', [width], b));
    graph.node.push(
      makeNode('MatMul', [prev, `w${i}`], [`mm${i}`], {}, `MatMul_${i}`),
      makeNode('Add', [`mm${i}`, `b${i}`], [`add${i}`], {}, `Add_${i}`),
      makeNode('Relu', [`add${i}`], [`relu${i}`], {}, `Relu_${i}`),
    );
    prev = `relu${i}`;
  }
  graph.output.push(makeValueInfo(prev, 'float32', [1, width]));
  return new Model(create(ModelProtoSchema, {
    irVersion: 8n, producerName: 'edgewise-test', opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })], graph,
  }));
}
