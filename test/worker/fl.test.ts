import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../../src/extension/worker-client';
import { FlSimulateRequest, WorkerInfoRequest, type FlSimulateParams } from '../../src/worker/protocol';
import type { SimulatedRound } from '../../src/fl/round-report';
import { buildWorker, root, workerPath } from './build-worker';

const FIXTURES = path.join(root, 'test/fixtures');

describe('worker federated simulation request (server in the worker, clients in child processes)', function () {
  this.timeout(240_000);
  let client: WorkerClient;
  let dir: string;
  let params: FlSimulateParams;
  before(() => buildWorker());
  beforeEach(() => {
    client = new WorkerClient({ workerPath });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-fl-worker-'));
    const model = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
    params = {
      file: model, data: path.join(FIXTURES, 'fmnist_train1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_train1k_labels.npy'),
      valData: path.join(FIXTURES, 'fmnist_test1k_u8.npy'), valLabels: path.join(FIXTURES, 'fmnist_test1k_labels.npy'),
      clients: 4, clientsPerRound: 2, partition: 'dirichlet:0.5', rounds: 2, lr: 0.01, encoding: 'int8',
      privacy: { clip: 1, noiseMultiplier: 0.001, delta: 1e-5 }, // noise std Z*C/K = 0.0005: the chart's epsilon, not a private model
    };
  });
  afterEach(() => {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports every round as it completes (top-1, epsilon) and returns the final model', async () => {
    const rounds: SimulatedRound[] = [];
    const result = await client.request(FlSimulateRequest.type, params, { onProgress: (p) => { if (p.round) rounds.push(p.round); } });
    assert.deepEqual(rounds.map((r) => r.round), [1, 2], 'each round once, in order');
    assert.deepEqual(rounds, result.rounds, 'the live reports are the result\'s rounds');
    assert.ok(rounds.every((r) => r.valTop1! > 0.5 && r.participants.length === 2), JSON.stringify(rounds.map((r) => r.valTop1)));
    assert.ok(rounds[0].epsilon! > 0 && rounds[1].epsilon! > rounds[0].epsilon!, 'privacy spent grows round by round');
    assert.equal(result.outDir, path.join(dir, 'cnn.fl'));
    assert.ok(fs.existsSync(result.finalModel));
    assert.ok(result.initialValTop1! > 0.5);
  });

  it('cancels: the request ends at once, the worker and its children are freed, no final model', async () => {
    const source = new CancellationTokenSource();
    const pending = client.request(FlSimulateRequest.type, { ...params, rounds: 50 }, {
      token: source.token, onProgress: (p) => { if (p.round?.round === 1) source.cancel(); },
    });
    await assert.rejects(pending, RequestCancelledError);
    const info = await client.request(WorkerInfoRequest.type, undefined);
    assert.ok(info.pid > 0, 'the worker answers after the cancellation');
    assert.ok(!fs.existsSync(path.join(dir, 'cnn.fl', 'final.onnx')));
  });

  it('runs again on the same folder from the last completed round (the command\'s Resume), keeping the rounds written', async () => {
    const first = await client.request(FlSimulateRequest.type, { ...params, rounds: 1, privacy: undefined });
    const round1 = fs.readFileSync(path.join(first.outDir, 'round-1.onnx'));
    const second = await client.request(FlSimulateRequest.type, { ...params, rounds: 2, privacy: undefined });
    assert.deepEqual(second.rounds.map((r) => r.round), [2], 'only the missing round ran');
    assert.equal(second.outDir, first.outDir);
    assert.deepEqual(fs.readFileSync(path.join(first.outDir, 'round-1.onnx')), round1, 'round 1 untouched');
    assert.ok(fs.existsSync(second.finalModel));
  });

  it('refuses to write its rounds over the input model, naming it; the worker answers after', async () => {
    const model = path.join(dir, 'final.onnx');
    fs.copyFileSync(params.file, model);
    const before = fs.readFileSync(model);
    await assert.rejects(client.request(FlSimulateRequest.type, { ...params, file: model, outDir: dir }), (e: Error) => e.message.includes(model) && /over this model/.test(e.message));
    assert.deepEqual(fs.readFileSync(model), before);
    assert.ok(!fs.existsSync(path.join(dir, 'round-0.onnx')), 'nothing written');
    assert.ok((await client.request(WorkerInfoRequest.type, undefined)).pid > 0);
  });
});
