import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../src/core/formats/onnx/io';
import { viewGraphOf } from '../../src/core/graph/packed';
import { GraphSession } from '../../src/extension/graph-session';
import { ModelEdits } from '../../src/extension/model-edits';
import { WorkerClient } from '../../src/extension/worker-client';
import { OpenViewRequest } from '../../src/worker/protocol';
import type { HostToWebview } from '../../webview/messages';
import { buildWorker, fixture, workerPath } from '../worker/build-worker';

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe("an edited model's document (model-edits.ts) on the real worker", function () {
  this.timeout(60_000);
  let worker: WorkerClient;
  let tmp: string;
  let model: string;

  before(() => buildWorker());
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-doc-'));
    model = path.join(tmp, 'cnn.onnx');
    fs.copyFileSync(fixture, model);
    worker = new WorkerClient({ workerPath });
    await worker.request(OpenViewRequest.type, { file: model }); // the editor opened it
  });
  afterEach(() => {
    worker.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('edits, undoes and redoes by version, and Save As writes only the new file', async () => {
    const before = sha256(model);
    const doc = new ModelEdits(model, worker);
    assert.equal(doc.isDirty, false);
    const a = await doc.apply({ kind: 'bypass', node: '/8/Relu' });
    const b = await doc.apply({ kind: 'rename', from: '/9/Gemm', to: 'classifier', target: 'node' });
    assert.equal(b.before, a.after.version);
    assert.equal(viewGraphOf(b.after.graph!).nodes.length, 9);
    assert.ok(doc.isDirty && doc.hasSession);

    // Undo both (VS Code calls the undo callbacks in turn), then redo one.
    assert.equal(viewGraphOf((await doc.goTo(b.before)).graph!).nodes.some((n) => n.id === 'classifier'), false);
    const original = await doc.goTo(a.before);
    assert.equal(viewGraphOf(original.graph!).nodes.length, 10);
    assert.equal(doc.isDirty, false, 'undone back to the file: not dirty');
    await doc.goTo(a.after.version);
    await doc.goTo(b.after.version);

    const copy = path.join(tmp, 'cnn.edited.onnx');
    const saved = await doc.saveAs(copy, false);
    assert.equal(saved.file, copy);
    assert.equal(sha256(model), before, 'Save As leaves the opened file byte-identical');
    assert.deepEqual(loadModel(copy).graph.nodes.map((n) => n.name).slice(-2), ['/7/Gemm', 'classifier']);
    await assert.rejects(doc.saveAs(model, true), /is the opened model: use Save/);
    assert.equal(sha256(model), before);
    assert.ok(doc.isDirty, 'Save As does not make the opened file hold the edits');

    // Revert goes back to the file as opened; Save then has nothing to write.
    assert.equal(viewGraphOf((await doc.revert())!.graph!).nodes.length, 10);
    await doc.save();
    assert.equal(sha256(model), before);
    doc.close();
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['cnn.edited.onnx', 'cnn.onnx'], 'no temporary files left');
  });

  it('Save writes the opened file only when asked, and Save As works before any edit', async () => {
    const before = sha256(model);
    const doc = new ModelEdits(model, worker);
    const plain = path.join(tmp, 'plain.onnx');
    await doc.saveAs(plain, false);
    assert.equal(loadModel(plain).graph.nodes.length, 10);
    await doc.apply({ kind: 'bypass', node: '/8/Relu' });
    assert.equal(sha256(model), before, 'an edit alone writes nothing');
    await doc.save();
    assert.notEqual(sha256(model), before);
    assert.equal(doc.isDirty, false);
    // A refused edit names the reason and leaves the version where it was.
    const at = doc.current;
    await assert.rejects(doc.apply({ kind: 'bypass', node: '/0/Conv' }), /cannot bypass Conv/);
    assert.equal(doc.current, at);
    doc.close();
  });

  it('restores a hot-exit backup: the edits come back, dirty, and Save writes the model, not the backup', async () => {
    const doc = new ModelEdits(model, worker);
    await doc.apply({ kind: 'bypass', node: '/8/Relu' });
    const backup = path.join(tmp, 'backup', 'cnn.onnx.backup');
    fs.mkdirSync(path.dirname(backup));
    await doc.saveAs(backup, true);
    doc.close();

    const before = sha256(model);
    const restored = new ModelEdits(model, worker, backup);
    assert.ok(restored.isDirty, 'a restored backup is unsaved');
    assert.equal(viewGraphOf((await restored.goTo(0)).graph!).nodes.length, 9);
    const backupSha = sha256(backup);
    await restored.save();
    assert.equal(sha256(backup), backupSha, 'the backup is not written');
    assert.notEqual(sha256(model), before);
    assert.equal(loadModel(model).graph.nodes.length, 9);
    restored.close();
  });

  it('a graph view shows versions keeping its view, and its node details come from the edited version', async () => {
    const posted: HostToWebview[] = [];
    const doc = new ModelEdits(model, worker);
    const session = new GraphSession(model, worker, (m) => posted.push(m), { editable: true, editSession: () => (doc.hasSession ? doc.session : undefined) });
    await session.load();
    const { after } = await doc.apply({ kind: 'rename', from: '/9/Gemm', to: 'classifier', target: 'node' });
    session.showVersion(after.graph!, after.summary!);
    const last = posted.at(-1)!;
    assert.ok(last.type === 'model' && last.edited && last.editable);
    assert.deepEqual(session.graph, viewGraphOf(after.graph!));
    session.handle({ type: 'nodeDetails', requestId: 1, nodeId: 'classifier', graphPath: [] });
    for (const end = Date.now() + 10_000; !posted.some((m) => m.type === 'nodeDetails' || m.type === 'nodeDetailsError'); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error('no node details');
    }
    const details = posted.find((m) => m.type === 'nodeDetails');
    assert.ok(details && details.type === 'nodeDetails');
    assert.deepEqual(details.details.weights.map((w) => w.name), ['9.weight', '9.bias']);
    session.dispose();
    doc.close();
  });

  it('sends an edit, its undo and redo as deltas from the version shown, which give the whole graphs', async () => {
    const posted: HostToWebview[] = [];
    const doc = new ModelEdits(model, worker);
    const session = new GraphSession(model, worker, (m) => posted.push(m), { editable: true });
    await session.load();
    const file = session.graph!;
    const { before, after } = await doc.apply({ kind: 'bypass', node: '/8/Relu' }, true);
    assert.ok(after.delta && !after.graph, 'the edit came as a delta');
    assert.deepEqual([after.delta.from, after.delta.to, after.nodes], [0, 1, 9]);
    session.showDelta(after.delta, after.summary!);
    const sent = posted.at(-1)!;
    assert.ok(sent.type === 'modelDelta' && sent.editable && sent.delta === after.delta);
    const whole = async (v: number) => viewGraphOf((await doc.goTo(v)).graph!);
    const editedGraph = session.graph;
    assert.deepEqual(editedGraph, await whole(after.version));

    // Undo and redo from the version shown: each delta turns the graph on screen into that version's.
    const undo = await doc.goTo(before, true);
    assert.ok(undo.delta && !undo.graph);
    assert.deepEqual([undo.delta.from, undo.delta.to], [1, 0]);
    session.showDelta(undo.delta, undo.summary!);
    assert.deepEqual(session.graph, file);
    const redo = await doc.goTo(after.version, true);
    session.showDelta(redo.delta!, redo.summary!);
    assert.deepEqual(session.graph, editedGraph);
    assert.equal(doc.current, after.version);
    // Without a version shown to start from (nothing edited yet), the whole graph comes.
    const fresh = new ModelEdits(model, worker);
    assert.ok((await fresh.goTo(0, true)).graph);
    fresh.close();
    session.dispose();
    doc.close();
  });
});
