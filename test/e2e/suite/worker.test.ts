import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { WorkerInfoRequest } from '../../../src/worker/protocol';
import { closeAllEditors, edgewise, openGraph } from './helpers';

describe('worker inside VS Code', () => {
  afterEach(closeAllEditors);

  it('runs as a separate process next to the extension host', async () => {
    const api = await edgewise();
    const info = await api.worker.request(WorkerInfoRequest.type, undefined);
    assert.notEqual(info.pid, process.pid);
    assert.equal(info.pid, api.worker.pid);
  });

  it('"Edgewise: Restart Worker" replaces the worker without reporting a crash', async () => {
    const api = await edgewise();
    const before = await api.worker.request(WorkerInfoRequest.type, undefined);
    const restarts = api.worker.restarts;
    await vscode.commands.executeCommand('edgewise.restartWorker');
    const after = await api.worker.request(WorkerInfoRequest.type, undefined);
    assert.notEqual(after.pid, before.pid);
    assert.equal(api.worker.restarts, restarts, 'a requested restart is not a crash');
  });

  it('survives the worker being killed and restarts it', async () => {
    const api = await edgewise();
    const first = await api.worker.request(WorkerInfoRequest.type, undefined);
    const restarts = api.worker.restarts;
    process.kill(first.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(api.worker.restarts, restarts + 1);
    const panel = await openGraph('fmnist_cnn.onnx');
    assert.equal(panel.state.kind, 'model', panel.state.kind === 'error' ? panel.state.message : '');
    assert.notEqual(api.worker.pid, first.pid);
  });
});
