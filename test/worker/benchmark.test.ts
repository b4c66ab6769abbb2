import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../../src/extension/worker-client';
import { BenchmarkRequest, ViewGraphRequest, WorkerInfoRequest } from '../../src/worker/protocol';
import { buildWorker, isAlive, root, workerPath } from './build-worker';
import { benchChildren } from '../helpers/processes';
import { until } from '../helpers/until';

const MODEL = path.join(root, 'test/fixtures/fmnist_cnn.onnx');

describe('worker: benchmark request', function () {
  this.timeout(60000);
  let client: WorkerClient;
  before(() => buildWorker());
  beforeEach(() => { client = new WorkerClient({ workerPath }); });
  afterEach(() => client.dispose());

  it('benchmarks with progress, checks budgets and keys per-layer latency by the graph\'s node ids', async () => {
    const fractions: number[] = [];
    const r = await client.request(BenchmarkRequest.type, { file: MODEL, runs: 5, warmup: 1, profile: true, target: 'edge-small' }, { onProgress: (p) => { if (p.fraction !== undefined) fractions.push(p.fraction); } });
    assert.equal(r.results.length, 1);
    assert.equal(r.results[0].latency.samplesMs.length, 5);
    assert.equal(r.target, 'edge-small');
    assert.deepEqual(r.budgetBreaks, [[]]);
    assert.ok(fractions.length > 0 && fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1] - 1e-9)));
    const graph = await client.request(ViewGraphRequest.type, { file: MODEL });
    assert.deepEqual(Object.keys(r.latencyByNode!).sort(), graph.nodes.map((n) => n.id).sort(), 'a latency for every node of the graph');
  });

  it('cancels within a second, leaves no child process, and keeps serving', async () => {
    const info = await client.request(WorkerInfoRequest.type, undefined);
    const source = new CancellationTokenSource();
    const running = client.request(BenchmarkRequest.type, { file: MODEL, runs: 1000000, profile: false }, { token: source.token });
    const child = await until(() => benchChildren(info.pid)[0], 10_000);
    const t0 = Date.now();
    source.cancel();
    await assert.rejects(running, RequestCancelledError);
    // Gone means killed and reaped by the worker (a zombie still answers kill(pid, 0)).
    await until(() => (isAlive(child) ? undefined : true), 1000);
    assert.ok(Date.now() - t0 < 1000, `child gone ${Date.now() - t0} ms after the cancellation`);
    assert.deepEqual(benchChildren(info.pid), []);
    assert.equal((await client.request(WorkerInfoRequest.type, undefined)).pid, info.pid, 'the same worker still serves');
  });

  it('reports a crashed benchmark child by name and keeps serving', async () => {
    const info = await client.request(WorkerInfoRequest.type, undefined);
    const running = client.request(BenchmarkRequest.type, { file: MODEL, runs: 1000000, profile: false });
    const child = await until(() => benchChildren(info.pid)[0], 10_000);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(child, 'SIGSEGV');
    await assert.rejects(running, /fmnist_cnn\.onnx: the benchmark process was killed by SIGSEGV/);
    assert.equal((await client.request(WorkerInfoRequest.type, undefined)).pid, info.pid);
  });

  it('rejects a model onnxruntime cannot load with the file named', async () => {
    const bad = path.join(root, 'package.json');
    await assert.rejects(client.request(BenchmarkRequest.type, { file: bad, runs: 1 }), /package\.json: not a valid ONNX model: the file is corrupt or another kind of file .*\[onnxruntime cannot load it: /);
  });
});
