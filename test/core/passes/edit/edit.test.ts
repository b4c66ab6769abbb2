import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../../../../src/core/formats/onnx/io';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import type { Model } from '../../../../src/core/formats/onnx/model';
import { applyEdit, applyEdits } from '../../../../src/core/passes/edit/apply';
import { EditHistory } from '../../../../src/core/passes/edit/history';
import { EditError, type ModelEdit } from '../../../../src/core/passes/edit/types';
import { fmnistBatches } from '../../../helpers/fmnist';
import { tempDir } from '../../../helpers/onnx-models';
import { pythonOnnxMissing } from '../../../python/onnx_python';

const CNN = path.resolve(__dirname, '../../../../../shared/fixtures/fmnist_cnn.onnx');
const VIT = path.resolve(__dirname, '../../../fixtures/fmnist_vit.onnx');
const images = fmnistBatches('test1k', 8, 8).batches[0].input as ort.Tensor;

/** onnx.checker with full_check (strict shape inference too), in Debian's python3-onnx. */
function onnxChecker(file: string): void {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `onnx.checker rejected ${path.basename(file)}: ${r.stderr.trim().split('\n').pop()}`);
}

/** Saves the model, checks it with onnx.checker and runs it in ONNX Runtime on `feeds`. */
async function saveCheckRun(model: Model, name: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const file = path.join(dir, name);
  saveModel(model, file);
  onnxChecker(file);
  const session = await ort.InferenceSession.create(file);
  try {
    return await session.run(feeds) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

let dir: string;
let cnn: Model;
let expected: Record<string, ort.Tensor>;

describe('model edits (passes/edit)', function () {
  this.timeout(60_000);
  before(async function () {
    const missing = pythonOnnxMissing();
    if (missing) throw new Error(missing);
    dir = tempDir();
    cnn = loadModel(CNN);
    const s = await ort.InferenceSession.create(CNN);
    expected = await s.run({ input: images }) as Record<string, ort.Tensor>;
    await s.release();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renames the input, the output and a node, and fixes the batch dim: the same logits under the new names', async () => {
    const bytes = encodeModelProto(cnn.proto);
    const { model, reports } = applyEdits(cnn, [
      { kind: 'rename', from: 'input', to: 'pixels' },
      { kind: 'rename', from: 'output', to: 'logits' },
      { kind: 'rename', from: '/7/Gemm', to: 'fc1' },
      { kind: 'fixDim', dim: 'N', value: 8 },
    ]);
    assert.deepEqual(reports.map((r) => r.description), ["renamed 'input' to 'pixels'", "renamed 'output' to 'logits'", "renamed node '/7/Gemm' to 'fc1'", "fixed dim 'N' to 8"]);
    assert.ok(model.graph.nodes.some((n) => n.name === 'fc1'));
    const dims = (v: typeof model.graph.proto.input[0]) => (v.type?.value.case === 'tensorType' ? v.type.value.value.shape?.dim.map((d) => d.value.value) : undefined);
    assert.deepEqual(dims(model.graph.proto.input[0]), [8n, 1n, 28n, 28n]);
    assert.deepEqual(dims(model.graph.proto.output[0]), [8n, 10n], 'the output shares the batch symbol, so it is fixed too');
    const out = await saveCheckRun(model, 'renamed.onnx', { pixels: images });
    assert.deepEqual(out.logits.data, expected.output.data);
    assert.deepEqual(encodeModelProto(cnn.proto), bytes, 'the model edited is left as it was');
  });

  it('adds an intermediate output, then extracts the subgraph from it: the same logits as the whole model', async () => {
    const tapped = applyEdit(cnn, { kind: 'addOutputs', tensors: ['/5/MaxPool_output_0'] }).model;
    const inner = await saveCheckRun(tapped, 'tapped.onnx', { input: images });
    assert.deepEqual(inner.output.data, expected.output.data);
    assert.deepEqual(inner['/5/MaxPool_output_0'].dims, [8, 64, 5, 5]);
    const head = applyEdit(cnn, { kind: 'extract', inputs: ['/5/MaxPool_output_0'], outputs: ['output'] });
    assert.deepEqual(head.model.graph.nodes.map((n) => n.opType), ['Flatten', 'Gemm', 'Relu', 'Gemm']);
    assert.equal(head.model.graph.proto.initializer.length, 4, 'only the head\'s weights are kept');
    const out = await saveCheckRun(head.model, 'head.onnx', { '/5/MaxPool_output_0': inner['/5/MaxPool_output_0'] });
    assert.deepEqual(out.output.data, expected.output.data);
  });

  it('bypasses a Relu: its input feeds its consumer, and the logits change as without the Relu', async () => {
    const { model, report } = applyEdit(cnn, { kind: 'bypass', node: '/8/Relu' });
    assert.equal(report.removedNodes, 1);
    assert.equal(model.graph.nodes.length, 9);
    const gemm = model.graph.nodes.find((n) => n.name === '/9/Gemm')!;
    assert.equal(gemm.input[0], '/7/Gemm_output_0');
    const out = await saveCheckRun(model, 'bypassed.onnx', { input: images });
    assert.notDeepEqual(out.output.data, expected.output.data);
  });

  it('bypasses the last node: the graph output keeps its name', async () => {
    const { model } = applyEdit(cnn, { kind: 'bypass', node: '/8/Relu' });
    const relu = applyEdit(cnn, { kind: 'extract', inputs: ['input'], outputs: ['/8/Relu_output_0'] }).model;
    const noLastRelu = applyEdit(relu, { kind: 'bypass', node: '/8/Relu' }).model;
    assert.deepEqual(noLastRelu.graph.proto.output.map((o) => o.name), ['/8/Relu_output_0']);
    assert.equal(noLastRelu.graph.nodes.at(-1)!.output[0], '/8/Relu_output_0');
    const out = await saveCheckRun(noLastRelu, 'last.onnx', { input: images });
    const tap = await saveCheckRun(applyEdit(cnn, { kind: 'addOutputs', tensors: ['/7/Gemm_output_0'] }).model, 'tap7.onnx', { input: images });
    assert.deepEqual(out['/8/Relu_output_0'].data, tap['/7/Gemm_output_0'].data);
    void model;
  });

  it('deletes a node with everything computed from it, keeping the other outputs', async () => {
    const two = applyEdit(cnn, { kind: 'addOutputs', tensors: ['/6/Flatten_output_0'] }).model;
    const { model, report } = applyEdit(two, { kind: 'delete', node: '/7/Gemm' });
    assert.equal(report.removedNodes, 3);
    assert.deepEqual(model.graph.proto.output.map((o) => o.name), ['/6/Flatten_output_0']);
    assert.equal(model.graph.proto.initializer.length, 4, "the deleted Gemms' weights go too");
    const out = await saveCheckRun(model, 'deleted.onnx', { input: images });
    assert.deepEqual(out['/6/Flatten_output_0'].dims, [8, 1600]);
  });

  it('changes an attribute and keeps its type: Gemm alpha 2 doubles the logits', async () => {
    const { model } = applyEdit(cnn, { kind: 'setAttribute', node: '/9/Gemm', name: 'alpha', value: 2 });
    const out = await saveCheckRun(model, 'alpha.onnx', { input: images });
    const a = out.output.data as Float32Array;
    const b = expected.output.data as Float32Array;
    // alpha scales A*B only; the bias is added once.
    const bias = cnn.tensorData(cnn.graph.initializers().get('9.bias')!) as Float32Array;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - (2 * (b[i] - bias[i % 10]) + bias[i % 10])) < 1e-3, `logit ${i}`);
  });

  it('fixes the ViT batch dim, then folds its shape arithmetic: fewer nodes, the same outputs', async () => {
    const vit = loadModel(VIT);
    const s = await ort.InferenceSession.create(VIT);
    const one = new ort.Tensor('float32', (images.data as Float32Array).slice(0, 784), [1, 1, 28, 28]);
    const want = await s.run({ input: one });
    await s.release();
    const { model, reports } = applyEdits(vit, [{ kind: 'fixDim', dim: 'N', value: 1 }, { kind: 'foldConstants' }]);
    const shapes = (m: Model) => m.graph.nodes.filter((n) => n.opType === 'Shape').length;
    assert.equal(shapes(vit), 14);
    assert.equal(shapes(model), 0, reports[1].description);
    assert.ok(model.graph.nodes.length < vit.graph.nodes.length - 40, `${vit.graph.nodes.length} -> ${model.graph.nodes.length} nodes`);
    const out = await saveCheckRun(model, 'folded.onnx', { input: one });
    const a = out.output.data as Float32Array;
    const b = want.output.data as Float32Array;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `output ${i}: ${a[i]} vs ${b[i]}`);
    assert.match(applyEdit(model, { kind: 'foldConstants' }).report.description, /nothing to fold/);
  });

  const refusals: [string, ModelEdit, RegExp][] = [
    ['a rename onto an existing value', { kind: 'rename', from: 'input', to: '/0/Conv_output_0' }, /already exists/],
    ['a rename of nothing', { kind: 'rename', from: 'nope', to: 'x' }, /no node 'nope'/],
    ['a bypass that changes the shape', { kind: 'bypass', node: '/0/Conv' }, /shape \[N, 1, 28, 28\] into \[N, 32, 26, 26\]/],
    ['a delete that leaves no output', { kind: 'delete', node: '/3/Conv' }, /nothing would be left/],
    ['an INT attribute given 2.5', { kind: 'setAttribute', node: '/6/Flatten', name: 'axis', value: 2.5 }, /integer/],
    ['a fixed dim of 0', { kind: 'fixDim', dim: 'N', value: 0 }, /at least 1/],
    ['a fixed dim nobody has', { kind: 'fixDim', dim: 'batch', value: 1 }, /named 'batch'/],
    ['an extract missing an input', { kind: 'extract', inputs: ['/2/MaxPool_output_0'], outputs: ['output', '/1/Relu_output_0'] }, /'input' is needed/],
    ['an output that is one already', { kind: 'addOutputs', tensors: ['output'] }, /already an output/],
  ];
  for (const [what, edit, why] of refusals) {
    it(`refuses ${what}, naming why, and changes nothing`, () => {
      const bytes = encodeModelProto(cnn.proto);
      assert.throws(() => applyEdit(cnn, edit), (e: Error) => e instanceof EditError && why.test(e.message));
      assert.deepEqual(encodeModelProto(cnn.proto), bytes);
    });
  }

  it('keeps every version: undo and redo pick one, an edit after an undo drops the redo', () => {
    const h = new EditHistory(cnn);
    const v1 = h.apply({ kind: 'rename', from: 'input', to: 'pixels' });
    const v2 = h.apply({ kind: 'bypass', node: '/8/Relu' });
    assert.equal(h.goTo(0).model, cnn);
    assert.equal(h.goTo(v2.version).model, v2.model);
    assert.equal(h.goTo(v1.version).model.graph.nodes.length, 10);
    const v3 = h.apply({ kind: 'setAttribute', node: '/9/Gemm', name: 'alpha', value: 0.5 }).version;
    assert.ok(v3 > v2.version);
    assert.throws(() => h.goTo(v2.version), /no longer kept/);
    // Unchanged nodes are shared between versions, not copied.
    assert.equal(v1.model.graph.nodes[3], cnn.graph.nodes[3]);
  });
});
