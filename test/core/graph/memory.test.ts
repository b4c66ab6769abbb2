import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { memoryProfile } from '../../../src/core/graph/memory';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { onnxViewGraph } from '../../../src/core/formats/onnx/view';
import { FIXTURES } from '../../helpers/onnx-models';

/**
 * The same lifetimes computed independently: onnx's shape inference for the sizes (batch 1), then
 * per node the bytes of every non-constant tensor produced at or before it and read at or after it.
 */
const REFERENCE = `
import sys, json, onnx
from onnx import shape_inference, helper, numpy_helper
m = onnx.load(sys.argv[1])
for i in m.graph.input:
    for d in i.type.tensor_type.shape.dim:
        if d.dim_param: d.dim_value = 1
m = shape_inference.infer_shapes(m)
g = m.graph
inits = {t.name for t in g.initializer}
const = {o for n in g.node if n.op_type == 'Constant' for o in n.output}
size = {}
for v in list(g.input) + list(g.value_info) + list(g.output):
    t = v.type.tensor_type
    n = 1
    for d in t.shape.dim: n *= d.dim_value
    size[v.name] = n * onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t.elem_type].itemsize
born, dies = {}, {}
for v in g.input:
    if v.name not in inits: born[v.name] = dies[v.name] = -1
for i, n in enumerate(g.node):
    for v in n.input:
        if v in born: dies[v] = max(dies[v], i)
    for v in n.output:
        if v and v not in born and v not in const: born[v] = dies[v] = i
for v in g.output: dies[v.name] = len(g.node)
live = [sum(size[v] for v in born if born[v] <= i <= dies[v]) for i in range(len(g.node))]
print(json.dumps(live))
`;

describe('graph/memory: activation memory from tensor lifetimes', () => {
  for (const name of ['fmnist_cnn.onnx', 'fmnist_mobilenet.onnx']) {
    it(`matches an independent computation (onnx shape inference) on every node of ${name}`, () => {
      const file = path.join(FIXTURES, name);
      const r = spawnSync('/usr/bin/python3', ['-c', REFERENCE, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const expected = JSON.parse(r.stdout) as number[];
      const m = memoryProfile(onnxViewGraph(loadModel(file)));
      assert.deepEqual(m.nodes.map((n) => n.liveBytes), expected);
      assert.equal(m.peakBytes, Math.max(...expected));
      assert.equal(m.peakNode, m.nodes[expected.indexOf(m.peakBytes)].id);
      assert.equal(m.peakTensors.reduce((s, t) => s + t.bytes, 0), m.peakBytes, 'the peak tensors add up to the peak');
      assert.deepEqual(m.unknownTensors, []);
    });
  }

  it('counts each output once, unread outputs only while their node runs, graph outputs to the end', () => {
    const t = (name: string, shape: number[]) => ({ name, dtype: 'float32', shape });
    const node = (id: string, inputs: string[], outputs: string[]) => ({ id, name: id, opType: 'X', domain: '', inputs, outputs, attributes: [], weights: [], weightBytes: 0, scope: [], subgraphs: [] });
    const m = memoryProfile({
      name: 'g', inputs: [t('x', [10])], outputs: [t('y', [5])],
      values: { a: t('a', [20]), unused: t('unused', [100]), y: t('y', [5]) },
      nodes: [node('A', ['x'], ['a', 'unused']), node('B', ['a'], ['y'])],
    });
    assert.deepEqual(m.nodes, [{ id: 'A', outputBytes: 480, liveBytes: 40 + 80 + 400 }, { id: 'B', outputBytes: 20, liveBytes: 80 + 20 }]);
    assert.equal(m.peakNode, 'A');
    assert.deepEqual(m.peakTensors.map((p) => p.name), ['unused', 'a', 'x']);
  });
});
