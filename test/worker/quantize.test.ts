import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../../src/extension/worker-client';
import { QuantizeRequest } from '../../src/worker/protocol';
import { reportMarkdown } from '../../src/extension/quantize-report';
import { buildWorker, workerPath } from './build-worker';
import { nearChanceAlarms } from '../../src/core/analysis/chance';

const FIXTURES = path.resolve(__dirname, '../fixtures');

describe('worker: edgewise/quantize', () => {
  let client: WorkerClient;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-worker-quantize-'));
  const model = path.join(tmp, 'fmnist_cnn.onnx');

  before(() => {
    buildWorker();
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
  });
  beforeEach(() => { client = new WorkerClient({ workerPath }); });
  afterEach(() => client.dispose());
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('quantizes in the worker with progress, and returns the report as plain JSON', async () => {
    const messages: string[] = [];
    const r = await client.request(QuantizeRequest.type, {
      file: model, mode: 'static', calib: path.join(FIXTURES, 'fmnist_train1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_train1k_labels.npy'),
      preprocess: { scale: 1 / 255 }, perChannel: true, skipLatency: true,
    }, { onProgress: (p) => messages.push(p.message) });
    assert.equal(r.output, path.join(tmp, 'fmnist_cnn.static.onnx'));
    assert.ok(fs.existsSync(r.output));
    assert.ok(r.evaluation!.accuracyBefore!.top1 - r.evaluation!.accuracyAfter!.top1 <= 0.01);
    assert.equal(r.fused!.share, 1);
    assert.ok(messages.some((m) => /^calibrating/.test(m)), messages.join('; '));
    assert.match(reportMarkdown(r), /\| top-1 \| 86\.\d+% \|/);
  });

  it('a float model at chance on the data raises the alarm in the result and the report', async () => {
    const r = await client.request(QuantizeRequest.type, {
      file: model, mode: 'dynamic', calib: path.join(FIXTURES, 'fmnist_test1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_test1k_labels.npy'),
      preprocess: { mean: [100], std: [1] }, skipLatency: true, skipFused: true, out: path.join(tmp, 'chance.onnx'),
    });
    const alarms = nearChanceAlarms(r);
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0].classes, 10);
    assert.ok(alarms[0].top1 < 0.15, String(alarms[0].top1));
    assert.match(reportMarkdown(r), /> \*\*WARNING: AT CHANCE LEVEL: the reference model .* check the scale \(--scale/);
  });

  it('a bad request fails with a message naming the file; a cancelled one leaves no file', async () => {
    await assert.rejects(client.request(QuantizeRequest.type, { file: model, mode: 'static', out: path.join(tmp, 'missing', 'x.onnx') }), /missing' does not exist/);
    const source = new CancellationTokenSource();
    const out = path.join(tmp, 'cancelled.onnx');
    const pending = client.request(QuantizeRequest.type, { file: model, mode: 'dynamic', out }, {
      token: source.token, onProgress: (p) => { if (/^comparing/.test(p.message)) source.cancel(); },
    });
    await assert.rejects(pending, RequestCancelledError);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!fs.existsSync(out));
  });
});
