import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../../src/extension/worker-client';
import { AnalyzeRequest, ModelTextRequest, ValidateRecipeRequest, WorkerInfoRequest } from '../../src/worker/protocol';
import { buildWorker, isAlive, root, workerPath } from './build-worker';
import { benchChildren } from '../helpers/processes';
import { encodeNpy, readNpy } from '../../src/core/runtime/npy';

const FIX = path.join(root, 'test/fixtures');
const PAIR = {
  file: path.join(FIX, 'fmnist_mobilenet.onnx'), quantized: path.join(FIX, 'fmnist_mobilenet.int8.onnx'),
  data: path.join(FIX, 'fmnist_test1k_u8.npy'), labels: path.join(FIX, 'fmnist_test1k_labels.npy'),
};

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
    assert.equal(r.latency, undefined);
  });

  it('with latency: profiles both files, adds latency facts, overlays and findings', async () => {
    const fractions: number[] = [];
    const r = await client.request(AnalyzeRequest.type, { ...PAIR, count: 50, latency: true, latencyRuns: 5, hotLayerShare: 0.02, int8SlowerUs: -1e9 },
      { onProgress: (p) => { if (p.fraction !== undefined) fractions.push(p.fraction); } });
    const l = r.latency!;
    assert.ok(l.timedLayers >= 23 && l.runs === 5 && l.floatMs > 0 && l.quantizedMs > 0 && l.seconds > 0);
    assert.ok(fractions.some((f) => f > 0.5) && fractions.every((f, i) => f <= 1 && (i === 0 || f >= fractions[i - 1] - 1e-9)));
    assert.deepEqual(r.overlays.map((o) => o.id), ['analysis.sqnr', 'analysis.gain', 'analysis.latency']);
    const conv0 = r.facts['/features/features.0/Conv'];
    assert.ok(conv0.latencyUs! > 0 && conv0.share! > 0 && conv0.gainUs !== undefined);
    // A threshold every timed layer crosses: an int8-slower warning per layer slower beyond the
    // run-to-run noise, an int8-within-noise note per layer within it (analysis/noise.ts).
    assert.equal(r.findings.filter((f) => f.code === 'int8-slower').length, l.slowerLayers);
    assert.equal(r.findings.filter((f) => f.code === 'int8-within-noise').length, l.noiseLayers);
    assert.ok(l.slowerLayers + l.noiseLayers <= l.timedLayers);
    const hot = r.findings.filter((f) => f.code === 'hot-layer');
    assert.deepEqual(hot.map((f) => f.nodeId).sort(), Object.entries(r.facts).filter(([, f]) => f.share! > 0.02).map(([id]) => id).sort());
  });

  it('cancelling an analysis while it profiles kills the benchmark child and keeps serving', async () => {
    const info = await client.request(WorkerInfoRequest.type, undefined);
    const source = new CancellationTokenSource();
    let child: number | undefined;
    const running = client.request(AnalyzeRequest.type, { ...PAIR, count: 20, latency: true, latencyRuns: 100000 }, {
      token: source.token,
      onProgress: (p) => {
        if (child === undefined && p.message.includes('timed runs')) {
          child = benchChildren(info.pid)[0];
          source.cancel();
        }
      },
    });
    await assert.rejects(running, RequestCancelledError);
    assert.ok(child, 'a benchmark child was running');
    for (let i = 0; i < 50 && isAlive(child); i++) await new Promise((res) => setTimeout(res, 20));
    assert.ok(!isAlive(child), 'the child was killed');
    assert.deepEqual(benchChildren(info.pid), []);
    assert.equal((await client.request(WorkerInfoRequest.type, undefined)).pid, info.pid, 'the same worker still serves');
  });

  it('cancelling an analysis while it compares tensors leaves the same worker serving (stopping between runs: pair.test.ts)', async () => {
    // 20 copies of the 1,000 test images in batches of 10: 2,000 short runs, so the job is
    // mid-comparison when the first run count arrives, and each run ends well inside the client's
    // 1 s cancel deadline even on a loaded machine. A worker that did not stop between runs would
    // still be running a second later and be killed (a new pid).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-analysis-cancel-'));
    try {
      const images = readNpy(PAIR.data);
      const data = path.join(dir, 'x20.npy');
      const tiled = new Uint8Array(images.data.length * 20);
      for (let i = 0; i < 20; i++) tiled.set(images.data as Uint8Array, i * images.data.length);
      fs.writeFileSync(data, encodeNpy({ dtype: 'uint8', shape: [20 * images.shape[0], ...images.shape.slice(1)], data: tiled }));
      const info = await client.request(WorkerInfoRequest.type, undefined);
      const source = new CancellationTokenSource();
      const seen: string[] = [];
      const running = client.request(AnalyzeRequest.type, { file: PAIR.file, quantized: PAIR.quantized, data, batch: 10 }, {
        token: source.token,
        // Cancelled once runs are under way (the session, created before them, cannot stop mid-way).
        onProgress: (p) => { seen.push(p.message); if (/ [\d,]+\/2,000 runs /.test(p.message)) source.cancel(); },
      });
      await assert.rejects(running, RequestCancelledError);
      assert.ok(seen.some((m) => / ([\d,]+)\/2,000 runs /.exec(m) && Number(/ ([\d,]+)\//.exec(m)![1].replace(/,/g, '')) < 2000), `cancelled mid-comparison: ${seen.join('; ')}`);
      assert.equal((await client.request(WorkerInfoRequest.type, undefined)).pid, info.pid, 'cancelled in time, not restarted');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
      // The same checks on a YAML recipe, placed on its lines.
      const yaml = await client.request(ValidateRecipeRequest.type, { file: path.join(dir, 'edgewise.yaml'), text: '# yaml\nmodel: m.onnx\npasses: []\noverrides:\n  /classifier/Gem: {precision: float}\n' });
      assert.ok(yaml.nodeNames.includes('/classifier/Gemm'));
      assert.deepEqual(yaml.problems.map((p) => [p.code, p.line, p.column]), [['unknown-node', 4, 2]]);
      const yamlMissing = await client.request(ValidateRecipeRequest.type, { file: path.join(dir, 'edgewise.yml'), text: 'model: nope.onnx  # gone\npasses: []\n' });
      assert.deepEqual(yamlMissing.problems.map((p) => [p.code, p.line, p.column, p.length]), [['value', 0, 7, 9]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
