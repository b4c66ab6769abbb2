import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli } from './run';

const FIX = path.resolve(__dirname, '../fixtures');

describe('CLI quantize: the speed verdict follows the run-to-run noise, and a slower static INT8 says what to try', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureCliBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-qnoise-'));
    fs.copyFileSync(path.join(FIX, 'fmnist_vit.onnx'), path.join(dir, 'vit.onnx'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('static INT8 of the ViT: verdict by the rule, advice exactly when slower, naming the op types left unfused', () => {
    const args = ['quantize', path.join(dir, 'vit.onnx'), '--mode', 'static', '--calib', path.join(FIX, 'fmnist_tune500_u8.npy'), '--count', '64', '--scale', String(1 / 255), '--force'];
    const json = runCli([...args, '--json'], 90_000);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout);
    const l = r.latency;
    assert.ok(l.noiseMs > 0, JSON.stringify(l));
    assert.equal(l.verdict, Math.abs(l.afterP50Ms - l.beforeP50Ms) <= l.noiseMs ? 'within-noise' : l.afterP50Ms > l.beforeP50Ms ? 'slower' : 'faster');
    // The ViT keeps Q/DQ around float ops ORT cannot fuse (LayerNormalization, Adds with a constant operand...).
    assert.ok(r.fused.qdqLeft > 0 && (r.fused.unfusedOps.LayerNormalization ?? 0) > 0, JSON.stringify(r.fused));
    assert.equal(r.slowerAdvice !== undefined, l.verdict === 'slower');
    if (r.slowerAdvice) {
      assert.equal(r.slowerAdvice.tryMode, 'dynamic');
      assert.ok(r.slowerAdvice.unfusedAround.includes('LayerNormalization') && !r.slowerAdvice.unfusedAround.includes('Shape'));
      const quantized = new Set(r.report.quantized.map((n: { opType: string }) => n.opType));
      assert.deepEqual(r.slowerAdvice.excludeOps, r.slowerAdvice.unfusedAround.filter((op: string) => quantized.has(op)));
    }

    const text = runCli(args, 90_000);
    assert.equal(text.code, 0, text.stderr);
    const p50 = /p50 \(quick in-process median.*\): [\d.]+ m?s -> [\d.]+ m?s \([\d.]+x, (within the run-to-run noise|slower beyond the run-to-run noise|faster beyond the run-to-run noise) of [\d.]+ [mµ]s\)/.exec(text.stdout);
    assert.ok(p50, text.stdout);
    const advice = /static INT8 made this model slower, with \d+ Q\/DQ left unfused around .*LayerNormalization.*\. Try instead: --mode dynamic /.test(text.stdout);
    assert.equal(advice, p50[1].startsWith('slower'), text.stdout);
  });
});
