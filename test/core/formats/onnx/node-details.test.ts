import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { onnxViewGraph } from '../../../../src/core/formats/onnx/view';
import { HISTOGRAM_BINS } from '../../../../src/core/graph/weight-stats';
import { onnxNodeDetails } from '../../../../src/core/formats/onnx/node-details';

const FMNIST = path.resolve(__dirname, '../../../fixtures/fmnist_cnn.onnx');

describe('onnxNodeDetails', () => {
  it('matches numpy on the real fmnist Conv and Gemm weights', () => {
    const model = loadModel(FMNIST);
    const view = onnxViewGraph(model);
    const ids = view.nodes.filter((n) => n.weights.length > 0).map((n) => n.id);
    const got = ids.flatMap((id) => onnxNodeDetails(model, view, id, []).weights);
    const py = JSON.parse(execFileSync('/usr/bin/python3', ['-c', `
import onnx, json, numpy as np
from onnx import numpy_helper
m = onnx.load('${FMNIST}')
out = {}
for t in m.graph.initializer:
    a = numpy_helper.to_array(t).astype(np.float64)
    h, _ = np.histogram(a, bins=${HISTOGRAM_BINS})
    out[t.name] = dict(min=a.min(), max=a.max(), mean=a.mean(), std=a.std(), sparsity=float((a == 0).mean()), hist=h.tolist())
print(json.dumps(out))`]).toString());
    assert.equal(got.length, Object.keys(py).length);
    for (const w of got) {
      const p = py[w.name];
      assert.ok(w.stats, w.name);
      assert.ok(Math.abs(w.stats.min - p.min) < 1e-6 && Math.abs(w.stats.max - p.max) < 1e-6, w.name);
      assert.ok(Math.abs(w.stats.mean - p.mean) < 1e-5 && Math.abs(w.stats.std - p.std) < 1e-5, w.name);
      assert.equal(w.stats.sparsity, p.sparsity);
      const diff = w.stats.histogram.counts.reduce((s, c, i) => s + Math.abs(c - p.hist[i]), 0);
      assert.ok(diff <= 2, `${w.name}: histogram differs by ${diff} (edge rounding only)`);
    }
  });

  it('gives statistics for weights held in Constant nodes (PaddlePaddle exports)', () => {
    const { create } = require('@bufbuild/protobuf') as typeof import('@bufbuild/protobuf');
    const pb = require('../../../../src/core/formats/onnx/proto/onnx_pb') as typeof import('../../../../src/core/formats/onnx/proto/onnx_pb');
    const { makeNode, makeTensor, makeValueInfo } = require('../../../../src/core/formats/onnx/build') as typeof import('../../../../src/core/formats/onnx/build');
    const { Model } = require('../../../../src/core/formats/onnx/model') as typeof import('../../../../src/core/formats/onnx/model');
    const data = Float32Array.from([0, 0, 1, -1, 2, 4]);
    const graph = create(pb.GraphProtoSchema, {
      node: [makeNode('Constant', [], ['w'], { value: makeTensor('', 'float32', [2, 3], data) }), makeNode('MatMul', ['x', 'w'], ['y'], {}, 'mm')],
      input: [makeValueInfo('x', 'float32', [1, 2])], output: [makeValueInfo('y', 'float32', [1, 3])],
    });
    const model = new Model(create(pb.ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(pb.OperatorSetIdProtoSchema, { version: 17n })] }));
    const d = onnxNodeDetails(model, onnxViewGraph(model), 'mm', []);
    assert.equal(d.weights.length, 1);
    const s = d.weights[0].stats!;
    assert.deepEqual([s.min, s.max, s.mean, s.sparsity], [-1, 4, 1, 2 / 6]);
  });

  it('names a missing node', () => {
    const model = loadModel(FMNIST);
    assert.throws(() => onnxNodeDetails(model, onnxViewGraph(model), 'nope', []), /no node 'nope'/);
  });
});
