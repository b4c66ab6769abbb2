import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { OnnxReader } from '../../../src/core/formats/onnx/reader';
import { applyEdit } from '../../../src/core/passes/edit/apply';
import type { ModelEdit } from '../../../src/core/passes/edit/types';
import { applyViewGraphDelta, viewGraphDelta } from '../../../src/core/graph/view-delta';
import type { ViewGraph } from '../../../src/core/graph/types';
import { deepModel } from '../../fixtures/deep-model';

const CNN = path.resolve(__dirname, '../../fixtures/fmnist_cnn.onnx');
/** What the webview gets: the graph after a JSON trip (absent and undefined fields are the same). */
const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const view = (m: Parameters<typeof applyEdit>[0]): ViewGraph => new OnnxReader(m).viewGraph();

describe('core/graph/view-delta: an edit sent as what changed in the view graph', () => {
  const cnn = loadModel(CNN);
  const edits: ModelEdit[] = [
    { kind: 'bypass', node: '/8/Relu' },
    { kind: 'rename', from: '/9/Gemm', to: 'classifier', target: 'node' },
    { kind: 'rename', from: 'input', to: 'pixels' },
    { kind: 'fixDim', dim: 'N', value: 1 },
    { kind: 'addOutputs', tensors: ['/5/MaxPool_output_0'] },
  ];
  for (const edit of edits) {
    it(`gives the edited graph, and back, for ${edit.kind} ${JSON.stringify(edit).slice(0, 60)}`, () => {
      const a = view(cnn);
      let edited;
      try { edited = applyEdit(cnn, edit).model; } catch (e) { assert.fail(`the fixture no longer takes ${JSON.stringify(edit)}: ${String(e)}`); }
      const b = view(edited);
      assert.notDeepEqual(json(b), json(a), 'the edit changes the view graph');
      const redo = viewGraphDelta(a, b, 0, 1);
      assert.deepEqual(json(applyViewGraphDelta(a, redo)), json(b));
      const undo = viewGraphDelta(b, a, 1, 0);
      assert.deepEqual(json(applyViewGraphDelta(b, undo)), json(a));
      assert.deepEqual([redo.from, redo.to, undo.from, undo.to], [0, 1, 1, 0]);
    });
  }

  it('sends a few nodes of a 10,000-node model for a bypass in its middle, and shares the rest', () => {
    const model = deepModel(100);
    const a = view(model);
    const b = view(applyEdit(model, { kind: 'bypass', node: '/encoder/block.50/unit.3/Identity' }).model);
    const d = viewGraphDelta(a, b, 0, 1);
    assert.equal(a.nodes.length, 10_000);
    // The Identity goes; its consumer now reads the Relu's output.
    assert.equal(d.removed, 2);
    assert.deepEqual(d.nodes.map((n) => n.name), ['/encoder/block.50/unit.4/MatMul']);
    assert.deepEqual(d.deletedValues, ['/encoder/block.50/unit.3/Identity_output_0']);
    assert.ok(JSON.stringify(d).length < 2_000, `delta of ${JSON.stringify(d).length} chars`);
    const applied = applyViewGraphDelta(a, d);
    assert.deepEqual(json(applied), json(b));
    assert.equal(applied.nodes[0], a.nodes[0], 'unchanged nodes are the same objects');
    assert.equal(applied.nodes[9_998], a.nodes[9_999]);
  });

  it('refuses a delta that does not fit the graph it is applied to', () => {
    const a = view(cnn);
    const b = view(deepModel(1));
    const d = viewGraphDelta(b, a, 3, 4);
    assert.throws(() => applyViewGraphDelta({ ...a, nodes: a.nodes.slice(0, 2) }, { ...d, start: 5, removed: 1 }), /replaces nodes 5\.\.6 of a graph of 2/);
  });
});
