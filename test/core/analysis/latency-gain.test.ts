import { strict as assert } from 'node:assert';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema } from '../../../src/core/formats/onnx/proto/onnx_pb';
import { Model } from '../../../src/core/formats/onnx/model';
import { makeNode } from '../../../src/core/formats/onnx/build';
import { latencyGains, layerTimes, profileNodeTimes } from '../../../src/core/analysis/latency-gain';

/** x -> Q -> DQ -> Conv(DQ(w)) -> Q -> DQ -> Clip -> y, the QDQ shape of one quantized conv. */
function qdqModel(): Model {
  const graph = create(GraphProtoSchema, {
    node: [
      makeNode('QuantizeLinear', ['x', 's', 'z'], ['xq'], {}, 'x_Q'),
      makeNode('DequantizeLinear', ['xq', 's', 'z'], ['xd'], {}, 'x_DQ'),
      makeNode('DequantizeLinear', ['wq', 's'], ['wd'], {}, 'w_DQ'),
      makeNode('Conv', ['xd', 'wd'], ['c'], {}, 'conv'),
      makeNode('QuantizeLinear', ['c', 's', 'z'], ['cq'], {}, 'c_Q'),
      makeNode('DequantizeLinear', ['cq', 's', 'z'], ['cd'], {}, 'c_DQ'),
      makeNode('Clip', ['cd'], ['y'], {}, 'clip'),
    ],
  });
  return new Model(create(ModelProtoSchema, { graph }));
}

describe('analysis/latency-gain', () => {
  it('gives Q/DQ time to the layer they serve and fused time to the weighted op', () => {
    const m = qdqModel();
    const nodeUs = profileNodeTimes(m, [
      { name: 'conv_token_7', meanUs: 100 },
      { name: 'x_Q', meanUs: 10 },
      { name: 'fused', meanUs: 30, originalNodes: ['c_DQ', 'clip'] },
      { name: 'ReorderOutput', meanUs: 5, originalNodes: [] },
    ]);
    assert.deepEqual({ ...nodeUs }, { conv: 100, x_Q: 10, c_DQ: 15, clip: 15 });
    const layers = layerTimes(m, nodeUs, new Set(['conv', 'clip']));
    // x_Q feeds conv (through x_DQ); c_DQ feeds clip.
    assert.deepEqual({ ...layers }, { conv: 110, clip: 30 });
    const gains = latencyGains({ conv: 200, clip: 10 }, layers);
    assert.deepEqual(gains.map((g) => [g.layer, g.gainUs]), [['conv', 90], ['clip', -20]]);
  });
});
