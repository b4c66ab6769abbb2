import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../../src/extension/worker-client';
import { PruneRequest, WorkerInfoRequest } from '../../src/worker/protocol';
import { buildWorker, root, workerPath } from './build-worker';

describe('worker prune request (dist/worker.js over IPC)', () => {
  let client: WorkerClient;
  let dir: string;
  before(() => buildWorker());
  beforeEach(() => {
    client = new WorkerClient({ workerPath });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-prune-worker-'));
  });
  afterEach(() => {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prunes channels, writes model.pruned.onnx and returns the kept channels by view node id', async () => {
    const model = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(root, 'test/fixtures/fmnist_cnn.onnx'), model);
    const messages: string[] = [];
    const result = await client.request(PruneRequest.type, { file: model, method: 'channel', sparsity: 0.3 }, { onProgress: (p) => messages.push(p.message) });
    assert.equal(result.output, path.join(dir, 'cnn.pruned.onnx'));
    assert.ok(fs.existsSync(result.output));
    assert.ok(result.fileBytesAfter < result.fileBytesBefore * 0.6);
    assert.deepEqual(result.channelsKept, { '/0/Conv': 23, '/3/Conv': 45, '/7/Gemm': 90 });
    assert.ok(messages.some((m) => /pruning cnn\.onnx/.test(m)), messages.join('; '));
    await assert.rejects(client.request(PruneRequest.type, { file: model, method: 'channel', sparsity: 0.3 }), /already exists/);
  });

  it('stops a cancelled job without writing anything', async function () {
    const big = '/work/models/resnet18.onnx';
    if (!fs.existsSync(big)) this.skip();
    const model = path.join(dir, 'resnet18.onnx');
    fs.copyFileSync(big, model);
    const source = new CancellationTokenSource();
    const pending = client.request(PruneRequest.type, { file: model, method: 'magnitude', sparsity: 0.5 }, {
      token: source.token,
      onProgress: (p) => { if (/zeroing/.test(p.message)) source.cancel(); },
    });
    await assert.rejects(pending, RequestCancelledError);
    // The worker stops at its next step; give it time to have written a file if it were going to.
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok((await client.request(WorkerInfoRequest.type, undefined)).pid > 0);
    assert.deepEqual(fs.readdirSync(dir), ['resnet18.onnx'], 'no output and no temporary file');
  });
});
