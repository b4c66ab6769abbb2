import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli } from './run';
import { FIXTURES } from '../helpers/onnx-models';

describe('cli diff', function () {
  this.timeout(120_000);
  let dir: string;
  let cnn: string;
  let int8: string;
  before(() => {
    ensureCliBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-cli-diff-'));
    cnn = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), cnn);
    const q = runCli(['quantize', cnn, '--mode', 'static', '--calib', path.join(FIXTURES, 'fmnist_train1k_u8.npy'), '--no-latency', '--json'], 90_000);
    assert.equal(q.code, 0, q.stderr);
    int8 = JSON.parse(q.stdout).output;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the match summary and each difference with its weight figures', () => {
    const r = runCli(['diff', cnn, int8]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /matched 10 of 10 nodes of A \(100\.0%\): 7 by name/);
    assert.match(r.stdout, /unchanged 0, changed 0, rewritten 10, added 0, removed 0/);
    assert.match(r.stdout, /rewritten\s+\/3\/Conv \(Conv\)\s+quantized: Conv -> DequantizeLinear -> Conv -> QuantizeLinear; fuses Relu/);
    assert.match(r.stdout, /weight 3\.weight -> 3\.weight_quantized\s+float32 -> int8 max \|a - b\| [0-9.e-]+, relative L2 [0-9.]+%/);
    assert.match(r.stdout, /\/4\/Relu \(Relu\) \[A only\]\s+fused into Conv '\/3\/Conv'/);
  });

  it('--json prints the whole diff and nothing else on stdout; --structure-only matches without names', () => {
    const r = runCli(['diff', cnn, int8, '--json', '--structure-only']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.options.names, false);
    assert.equal(d.matched.byName, 0);
    assert.equal(d.matched.share, 1);
    assert.equal(d.entries.length, 10);
  });

  it('needs two models and names a missing one', () => {
    const one = runCli(['diff', cnn]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /need two models/);
    const missing = runCli(['diff', cnn, path.join(dir, 'nope.onnx')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.onnx/);
  });

  it('is listed in the help', () => {
    const r = runCli(['--help']);
    assert.match(r.stdout + r.stderr, /diff\s+Diff two models node by node/);
  });
});
