import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient } from '../../src/extension/worker-client';
import { AnalyzeRequest, ModelTextRequest, ValidateRecipeRequest } from '../../src/worker/protocol';
import { buildWorker, root, workerPath } from './build-worker';

const FIX = path.join(root, 'test/fixtures');

describe('worker: text view, analysis and recipe requests', function () {
  this.timeout(60000);
  let client: WorkerClient;
  before(() => buildWorker());
  beforeEach(() => { client = new WorkerClient({ workerPath }); });
  afterEach(() => client.dispose());

  it('prints the model as text with a line per node', async () => {
    const t = await client.request(ModelTextRequest.type, { file: path.join(FIX, 'fmnist_mobilenet.onnx') });
    const lines = t.text.split('\n');
    assert.match(lines[t.nodeLines['/classifier/Gemm']], /= Gemm <.*# \/classifier\/Gemm$/);
  });

  it('analyzes the QDQ fixture against its float model: findings, facts and overlays', async () => {
    const r = await client.request(AnalyzeRequest.type, {
      file: path.join(FIX, 'fmnist_mobilenet.onnx'), quantized: path.join(FIX, 'fmnist_mobilenet.int8.onnx'),
      data: path.join(FIX, 'fmnist_test1k_u8.npy'), labels: path.join(FIX, 'fmnist_test1k_labels.npy'), count: 100, minSqnrDb: 25,
    });
    assert.equal(r.metric, 'top1');
    assert.equal(r.samples, 100);
    // With a 25 dB threshold the deeper layers of this model are flagged, the first analyzed one is not.
    const first = Object.keys(r.facts)[0];
    assert.ok(r.facts[first].sqnrDb! > 25, `${first}: ${r.facts[first].sqnrDb} dB`);
    assert.ok(r.findings.some((f) => f.code === 'low-sqnr'));
    assert.ok(!r.findings.some((f) => f.nodeId === first));
    assert.deepEqual(r.overlays.map((o) => o.id), ['analysis.sqnr']);
  });

  it('validates a recipe against its model, including a missing model file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-w-'));
    try {
      fs.copyFileSync(path.join(FIX, 'fmnist_mobilenet.onnx'), path.join(dir, 'm.onnx'));
      const file = path.join(dir, 'edgewise.json');
      const check = await client.request(ValidateRecipeRequest.type, { file, text: '{"model": "m.onnx", "passes": [], "overrides": {"/classifier/Gem": {"precision": "float"}}}' });
      assert.equal(check.model, path.join(dir, 'm.onnx'));
      assert.ok(check.nodeNames.includes('/classifier/Gemm'));
      assert.deepEqual(check.problems.map((p) => p.code), ['unknown-node']);
      const missing = await client.request(ValidateRecipeRequest.type, { file, text: '{"model": "nope.onnx", "passes": []}' });
      assert.match(missing.problems[0].message, /no such file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
