import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient } from '../../src/extension/worker-client';
import { loadModel } from '../../src/core/formats/onnx/io';
import { viewGraphOf } from '../../src/core/graph/packed';
import { EditApplyRequest, EditGoToRequest, EditSaveRequest, NodeDetailsRequest, OpenViewRequest } from '../../src/worker/protocol';
import { buildWorker, fixture, workerPath } from './build-worker';

describe('worker edit sessions (dist/worker.js over IPC)', function () {
  this.timeout(60_000);
  let client: WorkerClient;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-edit-'));
  const model = path.join(tmp, 'cnn.onnx');

  before(() => {
    buildWorker();
    fs.copyFileSync(fixture, model);
    client = new WorkerClient({ workerPath });
  });
  after(() => {
    client.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('applies edits to the opened model, moves between versions, and saves the current one atomically', async () => {
    const opened = await client.request(OpenViewRequest.type, { file: model });
    assert.equal(opened.nodes, 10);
    assert.equal(viewGraphOf(opened.graph).nodes.length, 10);
    const session = 'doc-1';
    const v1 = await client.request(EditApplyRequest.type, { session, file: model, base: 0, edit: { kind: 'bypass', node: '/8/Relu' } });
    assert.equal(v1.description, "bypassed Relu '/8/Relu'");
    assert.equal(viewGraphOf(v1.graph!).nodes.length, 9);
    const v2 = await client.request(EditApplyRequest.type, { session, file: model, base: v1.version, edit: { kind: 'rename', from: '/9/Gemm', to: 'classifier' } });
    assert.ok(viewGraphOf(v2.graph!).nodes.some((n) => n.id === 'classifier'));
    // The inspector asks for the renamed node's weights: they come from the current version.
    const details = await client.request(NodeDetailsRequest.type, { file: model, nodeId: 'classifier', session });
    assert.deepEqual(details.weights.map((w) => w.name), ['9.weight', '9.bias']);

    const undone = await client.request(EditGoToRequest.type, { session, version: v1.version });
    assert.equal(undone.graph, undefined, 'no graph unless asked: the editor keeps the ones it has');
    const original = await client.request(EditGoToRequest.type, { session, version: 0, withGraph: true });
    assert.equal(viewGraphOf(original.graph!).nodes.length, 10);

    // Refused edits name the reason and leave the session where it was.
    await assert.rejects(client.request(EditApplyRequest.type, { session, file: model, base: 0, edit: { kind: 'bypass', node: '/0/Conv' } }), /cannot bypass Conv '\/0\/Conv': it turns shape/);

    await client.request(EditGoToRequest.type, { session, version: v2.version });
    const saveAs = path.join(tmp, 'cnn.saved.onnx');
    const saved = await client.request(EditSaveRequest.type, { session, file: saveAs, overwrite: false });
    assert.equal(saved.file, saveAs);
    const back = loadModel(saveAs);
    assert.deepEqual(back.graph.nodes.map((n) => n.name).slice(-2), ['/7/Gemm', 'classifier']);
    await assert.rejects(client.request(EditSaveRequest.type, { session, file: saveAs, overwrite: false }), /already exists/);
    assert.equal(loadModel(model).graph.nodes.length, 10, 'the opened file is untouched until saved over');
    await client.request(EditSaveRequest.type, { session, file: model, overwrite: true });
    assert.equal(loadModel(model).graph.nodes.length, 9);
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['cnn.onnx', 'cnn.saved.onnx'], 'no temporary files left');
  });
});
