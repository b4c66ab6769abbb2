import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../../src/extension/worker-client';
import { PruneRequest, WorkerInfoRequest } from '../../src/worker/protocol';
import { buildWorker, root, workerPath } from './build-worker';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/formats/onnx/build';
import { buildModel, randomFloats, writeTemp } from '../helpers/onnx-models';

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

  it('stops a cancelled job without writing anything', async () => {
    // 40 MatMul layers of 256x256 weights, made here: enough steps for a cancellation to land mid-job.
    const layers = 40, width = 256;
    const nodes = [], weights = [];
    let prev = 'x';
    for (let i = 0; i < layers; i++) {
      weights.push(makeTensor(`w${i}`, 'float32', [width, width], randomFloats(width * width, i + 1)));
      nodes.push(makeNode('MatMul', [prev, `w${i}`], [`h${i}`], {}, `layer${i}/MatMul`), makeNode('Relu', [`h${i}`], [`r${i}`], {}, `layer${i}/Relu`));
      prev = `r${i}`;
    }
    const model = writeTemp(buildModel(nodes, [makeValueInfo('x', 'float32', ['N', width])], [makeValueInfo(prev, 'float32', ['N', width])], weights), dir, 'deep.onnx');
    const params = { file: model, method: 'magnitude' as const, sparsity: 0.5 };
    // Uncancelled, the job writes its output: how long that takes bounds how long to wait below.
    const t0 = performance.now();
    const done = await client.request(PruneRequest.type, params);
    const took = performance.now() - t0;
    assert.ok(fs.existsSync(done.output));
    fs.rmSync(done.output);

    const pid = (await client.request(WorkerInfoRequest.type, undefined)).pid;
    const source = new CancellationTokenSource();
    const pending = client.request(PruneRequest.type, params, {
      token: source.token,
      onProgress: (p) => { if (/zeroing/.test(p.message)) source.cancel(); },
    });
    await assert.rejects(pending, RequestCancelledError);
    // Twice the uncancelled job's time: a job that ignored the cancellation would have written by then.
    await new Promise((r) => setTimeout(r, Math.max(1000, 2 * took)));
    assert.equal((await client.request(WorkerInfoRequest.type, undefined)).pid, pid, 'the worker stopped in time and still serves');
    assert.deepEqual(fs.readdirSync(dir), ['deep.onnx'], 'no output and no temporary file');
  });
});
