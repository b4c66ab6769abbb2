import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, RequestType } from 'vscode-jsonrpc';
import {
  RequestCancelledError, RequestTimedOutError, WorkerClient, WorkerCrashedError, type WorkerCrash,
} from '../../src/extension/worker-client';
import { ModelSummaryRequest, ModelTextRequest, NodeDetailsRequest, OpenViewRequest, ViewGraphRequest, WorkerInfoRequest } from '../../src/worker/protocol';
import { buildWorker, fixture, isAlive, root, workerPath } from './build-worker';
import { v8TieringFlags } from '../../src/core/base/v8-tiering';
import { saveModel } from '../../src/core/formats/onnx/io';
import { makeNode, makeValueInfo } from '../../src/core/formats/onnx/build';
import { OnnxReader } from '../../src/core/formats/onnx/reader';
import { packViewGraphText } from '../../src/core/graph/packed';
import { deepModel } from '../fixtures/deep-model';
import { buildModel } from '../helpers/onnx-models';

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('worker client (dist/worker.js over IPC)', () => {
  let client: WorkerClient;
  const crashes: WorkerCrash[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-worker-'));
  // Big enough that summarising it is still under way when the worker is killed or cancelled.
  const bigModel = path.join(tmp, 'deep_5000.onnx');

  before(() => {
    buildWorker();
    saveModel(deepModel(50), bigModel);
  });
  beforeEach(() => {
    crashes.length = 0;
    client = new WorkerClient({ workerPath, onCrash: (c) => crashes.push(c) });
  });
  afterEach(() => client.dispose());
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('starts the worker ahead of a request when asked, once', async () => {
    assert.equal(client.pid, undefined);
    const before = performance.timeOrigin + performance.now();
    assert.equal(client.start(), true);
    assert.ok(client.pid);
    assert.ok(client.startedAt! >= before);
    assert.equal(client.start(), false, 'a running worker is not started again');
    const info = await client.request(WorkerInfoRequest.type, undefined);
    assert.equal(info.pid, client.pid);
  });

  it('loads the handlers of jobs on their first request, and names a request nobody handles', async () => {
    const text = await client.request(ModelTextRequest.type, { file: fixture });
    assert.ok(text.text.length > 0);
    await assert.rejects(client.request(new RequestType<void, void, void>('edgewise/noSuchRequest'), undefined), /has no request 'edgewise\/noSuchRequest'/);
  });

  it('starts the worker lazily and answers workerInfo', async () => {
    assert.equal(client.pid, undefined);
    const info = await client.request(WorkerInfoRequest.type, undefined);
    assert.equal(info.pid, client.pid);
    assert.notEqual(info.pid, process.pid);
    assert.equal(info.version, JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version);
    assert.match(info.node, /^v\d+/);
    // V8's tiering flags are set by the worker as it starts, not given on its command line (where they cost Node its built-ins' code cache).
    assert.deepEqual(info.flags, []);
    assert.ok(v8TieringFlags(process.versions.v8).length > 0, `this Node's V8 (${process.versions.v8}) has known tiering flags`);
    assert.deepEqual(info.v8Flags, v8TieringFlags(process.versions.v8));
  });

  it('starts the worker with the caller\'s flags, besides the tiering flags it sets itself', async () => {
    const own = new WorkerClient({ workerPath, execArgv: ['--max-old-space-size=2048'] });
    try {
      const info = await own.request(WorkerInfoRequest.type, undefined);
      assert.deepEqual(info.flags, ['--max-old-space-size=2048']);
      assert.deepEqual(info.v8Flags, v8TieringFlags(process.versions.v8));
    } finally {
      own.dispose();
    }
  });

  it('returns a handler error as a readable message and keeps serving', async () => {
    const missing = path.join(tmp, 'missing.onnx');
    await assert.rejects(client.request(ModelSummaryRequest.type, { file: missing }), (e: Error) => {
      assert.match(e.message, /missing\.onnx/);
      assert.match(e.message, /no such file/);
      return true;
    });
    const corrupt = path.join(tmp, 'corrupt.onnx');
    fs.writeFileSync(corrupt, Buffer.from('this is not a protobuf model \x00\xff\xfe', 'latin1'));
    await assert.rejects(client.request(ViewGraphRequest.type, { file: corrupt }), /corrupt\.onnx/);
    const info = await client.request(WorkerInfoRequest.type, undefined);
    assert.equal(info.pid, client.pid);
    assert.equal(crashes.length, 0);
  });

  it('summarises, views and details the Fashion-MNIST CNN', async () => {
    const summary = await client.request(ModelSummaryRequest.type, { file: fixture });
    assert.equal(summary.format, 'onnx');
    assert.equal(summary.ops.Conv, 2);
    assert.equal(summary.ops.Gemm, 2);
    const graph = await client.request(ViewGraphRequest.type, { file: fixture });
    const conv = graph.nodes.find((n) => n.opType === 'Conv');
    assert.ok(conv, 'a Conv node in the view graph');
    assert.ok(conv.weightBytes > 0);
    const details = await client.request(NodeDetailsRequest.type, { file: fixture, nodeId: conv.id });
    assert.equal(details.nodeId, conv.id);
    assert.ok(details.weights.some((w) => w.stats && w.stats.std > 0));
    const info = await client.request(WorkerInfoRequest.type, undefined);
    assert.deepEqual(info.cachedModels, [fixture]);
  });

  it('delivers the open\'s answer as the worker packed it: the same text, escapes and all, and the same summary', async () => {
    // The channel carries V8-serialized messages (worker-client.ts): nothing may change on the way.
    const names = path.join(tmp, 'names.onnx');
    const odd = ['__proto__', 'say "hi" \\ there', 'line\nbreak\ttab', 'новый/名前/😀', '\u0001\u001f'];
    saveModel(buildModel(
      odd.map((name, i) => makeNode('Relu', [i ? odd[i - 1] : 'x'], [name], {}, `${name}/node`)),
      [makeValueInfo('x', 'float32', [1, 3])], [makeValueInfo(odd[odd.length - 1], 'float32', [1, 3])],
    ), names);
    for (const file of [names, bigModel]) {
      const opened = await client.request(OpenViewRequest.type, { file });
      const reader = OnnxReader.open(file);
      assert.ok(opened.graph === packViewGraphText(reader.viewGraph()), `${path.basename(file)}: packed text as the worker wrote it`);
      assert.equal(JSON.stringify(opened.summary), JSON.stringify(reader.summary()));
    }
  });

  it('passes the worker\'s progress reports to the caller of that request only', async () => {
    const seen: string[] = [];
    const other: string[] = [];
    await Promise.all([
      client.request(ViewGraphRequest.type, { file: fixture }, { onProgress: (p) => seen.push(`${p.message} ${p.fraction}`) }),
      client.request(ModelSummaryRequest.type, { file: fixture }, { onProgress: (p) => other.push(p.message) }),
    ]);
    assert.deepEqual(seen, ['Reading model 0', 'Building the graph 0.5']);
    assert.deepEqual(other, ['Reading model']);
  });

  it('reports the request a killed worker was running, and restarts on the next request', async () => {
    const first = await client.request(WorkerInfoRequest.type, undefined);
    const pending = client.request(ModelSummaryRequest.type, { file: bigModel });
    process.kill(first.pid, 'SIGKILL');
    await assert.rejects(pending, (e: Error) => {
      assert.ok(e instanceof WorkerCrashedError);
      assert.match(e.message, /edgewise\/modelSummary on .*deep_5000\.onnx/);
      assert.match(e.message, /SIGKILL/);
      return true;
    });
    assert.equal(crashes.length, 1);
    assert.deepEqual(crashes[0].failed, [`edgewise/modelSummary on ${bigModel}`]);
    assert.equal(crashes[0].signal, 'SIGKILL');
    const second = await client.request(WorkerInfoRequest.type, undefined);
    assert.notEqual(second.pid, first.pid);
    assert.equal(client.restarts, 1);
  });

  it('rejects a cancelled request at once', async () => {
    await client.request(WorkerInfoRequest.type, undefined);
    const source = new CancellationTokenSource();
    const started = Date.now();
    const pending = client.request(ViewGraphRequest.type, { file: bigModel }, { token: source.token });
    source.cancel();
    await assert.rejects(pending, RequestCancelledError);
    assert.ok(Date.now() - started < 1000);
    // The worker is still there for the next request.
    assert.ok((await client.request(WorkerInfoRequest.type, undefined)).pid > 0);
  });

  it('restarts a worker that keeps running a cancelled request past the deadline', async () => {
    const stuck = new WorkerClient({ workerPath: path.join(__dirname, 'fixtures', 'stuck-worker.js'), cancelDeadlineMs: 1000, onCrash: (c) => crashes.push(c) });
    try {
      const first = await stuck.request(WorkerInfoRequest.type, undefined);
      const source = new CancellationTokenSource();
      const pending = stuck.request(ViewGraphRequest.type, { file: '/models/big.onnx' }, { token: source.token });
      await new Promise((r) => setTimeout(r, 200)); // the worker is now inside its 5 s loop
      const bystander = stuck.request(WorkerInfoRequest.type, undefined); // queued behind the loop
      const cancelledAt = Date.now();
      source.cancel();
      await assert.rejects(pending, RequestCancelledError);
      await waitFor(() => !isAlive(first.pid), 3000);
      const freedAfter = Date.now() - cancelledAt;
      assert.ok(freedAfter < 1500, `the stuck worker went away ${freedAfter} ms after the cancellation`);
      const second = await stuck.request(WorkerInfoRequest.type, undefined);
      assert.notEqual(second.pid, first.pid);
      // The request that was waiting behind the stuck one ran again on the new worker.
      assert.equal((await bystander).pid, second.pid);
      assert.equal(crashes.length, 0, 'a restart to honour cancellation is not reported as a crash');
    } finally {
      stuck.dispose();
    }
  });

  it('stops a request past its time budget with an error naming the file, and restarts a worker that does not let go', async () => {
    const log: string[] = [];
    const stuck = new WorkerClient({
      workerPath: path.join(__dirname, 'fixtures', 'stuck-worker.js'), requestBudgetMs: 300, cancelDeadlineMs: 500, onCrash: (c) => crashes.push(c), log: (l) => log.push(l),
    });
    try {
      // The worker's start is not what this test times (it is part of a request's budget, 60 s by default).
      const first = await stuck.request(WorkerInfoRequest.type, undefined, { budgetMs: 0 });
      const sentAt = Date.now();
      await assert.rejects(stuck.request(ViewGraphRequest.type, { file: '/models/big.onnx' }), (e: Error) => {
        assert.ok(e instanceof RequestTimedOutError, String(e));
        assert.match(e.message, /edgewise\/viewGraph on \/models\/big\.onnx did not answer within 0\.3 s and was stopped/);
        assert.match(e.message, /edgewise\.worker\.requestTimeoutSeconds/);
        return true;
      });
      const answeredAfter = Date.now() - sentAt;
      assert.ok(answeredAfter >= 290 && answeredAfter < 4000, `the caller heard after ${answeredAfter} ms, not after the worker's 5 s`);
      // The worker is still in its 5 s loop: it is killed at the cancellation deadline.
      await waitFor(() => !isAlive(first.pid), 6000);
      assert.ok(log.some((l) => /restarting the worker: edgewise\/viewGraph on \/models\/big\.onnx did not stop within 500 ms/.test(l)), log.join('\n'));
      const second = await stuck.request(WorkerInfoRequest.type, undefined, { budgetMs: 0 });
      assert.notEqual(second.pid, first.pid);
      assert.equal(crashes.length, 0, 'a restart to enforce the budget is not reported as a crash');
    } finally {
      stuck.dispose();
    }
  });

  it('applies the time budget to requests that show a model, not to jobs, and a request may set its own', async () => {
    const hurried = new WorkerClient({ workerPath, requestBudgetMs: 1 });
    try {
      await assert.rejects(hurried.request(ViewGraphRequest.type, { file: fixture }), RequestTimedOutError);
      const graph = await hurried.request(ViewGraphRequest.type, { file: fixture }, { budgetMs: 0 });
      assert.ok(graph.nodes.length > 0);
      const text = await hurried.request(ModelTextRequest.type, { file: fixture }, { budgetMs: 60_000 });
      assert.ok(text.text.length > 0);
    } finally {
      hurried.dispose();
    }
  });

  it('does not start (or later restart) the worker for a request cancelled before it is sent', async () => {
    const source = new CancellationTokenSource();
    source.cancel();
    await assert.rejects(client.request(ViewGraphRequest.type, { file: fixture }, { token: source.token }), RequestCancelledError);
    assert.equal(client.pid, undefined);
  });

  it('fails requests clearly when the Node executable cannot start', async () => {
    const broken = new WorkerClient({ workerPath, execPath: path.join(tmp, 'no-such-node') });
    try {
      await assert.rejects(broken.request(WorkerInfoRequest.type, undefined), (e: Error) => {
        assert.match(e.message, /could not start the Edgewise worker with .*no-such-node: .*ENOENT/);
        assert.match(e.message, /edgewise\/workerInfo/);
        return true;
      });
    } finally {
      broken.dispose();
    }
  });

  it('stops its worker on dispose without reporting a crash', async () => {
    const { pid } = await client.request(WorkerInfoRequest.type, undefined);
    client.dispose();
    await waitFor(() => !isAlive(pid));
    assert.equal(crashes.length, 0);
    await assert.rejects(client.request(WorkerInfoRequest.type, undefined), /disposed/);
  });
});
