import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../../src/extension/worker-client';
import { TrainRequest, WorkerInfoRequest, type TrainProgress } from '../../src/worker/protocol';
import { buildWorker, root, workerPath } from './build-worker';

const FIXTURES = path.join(root, 'test/fixtures');
const DATA = { data: path.join(FIXTURES, 'fmnist_train1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_train1k_labels.npy') };

describe('worker train request (a child process of dist/worker.js)', function () {
  this.timeout(120000);
  let client: WorkerClient;
  let dir: string;
  let model: string;
  before(() => buildWorker());
  beforeEach(() => {
    client = new WorkerClient({ workerPath });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-train-worker-'));
    model = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
  });
  afterEach(() => {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fine-tunes in a child process and streams every step and epoch to the caller', async () => {
    const seen: TrainProgress = { steps: [], epochs: [] };
    const workerPid = (await client.request(WorkerInfoRequest.type, undefined)).pid;
    const result = await client.request(TrainRequest.type, { file: model, options: { kind: 'finetune', ...DATA, epochs: 2, batchSize: 100 } }, {
      onProgress: (p) => { seen.steps.push(...(p.train?.steps ?? [])); seen.epochs.push(...(p.train?.epochs ?? [])); },
    });
    assert.equal(result.output, path.join(dir, 'cnn.finetuned.onnx'));
    assert.ok(fs.existsSync(result.output));
    assert.deepEqual(seen.steps.map((s) => s.globalStep), Array.from({ length: 20 }, (_, i) => i + 1), 'each of the 20 steps once, in order');
    assert.deepEqual(seen.epochs.map((e) => e.epoch), [1, 2]);
    assert.equal((await client.request(WorkerInfoRequest.type, undefined)).pid, workerPid, 'the worker itself kept running');
  });

  it('reports bad input as a readable error, and a cancelled run keeps its checkpoint and writes no output', async () => {
    await assert.rejects(client.request(TrainRequest.type, { file: model, options: { kind: 'finetune', ...DATA, labels: model } }), /cnn\.onnx/);
    const source = new CancellationTokenSource();
    const pending = client.request(TrainRequest.type, { file: model, options: { kind: 'finetune', ...DATA, epochs: 5, batchSize: 50 } }, {
      token: source.token,
      onProgress: (p) => { if (p.train?.epochs.length) source.cancel(); },
    });
    await assert.rejects(pending, RequestCancelledError);
    const out = path.join(dir, 'cnn.finetuned.onnx');
    // The child stops at its next step; give it time to have written the output if it were going to.
    for (let i = 0; i < 50 && fs.readdirSync(dir).some((f) => f.endsWith('.tmp')); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(fs.existsSync(`${out}.ckpt`), 'the checkpoint of the finished epoch is kept');
    assert.ok(!fs.existsSync(out));
  });
});
