import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ensureCliBuilt, runCli } from './run';
import { onnxCheck, tempDir } from '../helpers/onnx-models';

const CNN = path.resolve('../shared/fixtures/fmnist_cnn.onnx');

describe('CLI edit', function () {
  this.timeout(60_000);
  let dir: string;
  let model: string;
  before(() => {
    ensureCliBuilt();
    dir = tempDir();
    model = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(CNN, model);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renames, fixes the batch dim and extracts the head: a valid model that ORT runs with the new names', async () => {
    const out = path.join(dir, 'head.onnx');
    const r = runCli(['edit', model, '--rename', 'input=pixels', '--fix-dim', 'N=4', '--extract', '/5/MaxPool_output_0:output', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /renamed 'input' to 'pixels'\n  fixed dim 'N' to 4\n  extracted \/5\/MaxPool_output_0 -> output\n10 -> 4 nodes; inputs \/5\/MaxPool_output_0; outputs output\nwrote /);
    onnxCheck(out);
    const s = await ort.InferenceSession.create(out);
    const y = await s.run({ '/5/MaxPool_output_0': new ort.Tensor('float32', new Float32Array(4 * 64 * 25).fill(0.1), [4, 64, 5, 5]) });
    assert.deepEqual(y.output.dims, [4, 10]);
    await s.release();
  });

  it('writes MODEL.edited.onnx by default and prints JSON with --json', () => {
    const r = runCli(['edit', model, '--bypass', '/8/Relu', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { output: string; nodesAfter: number; edits: { description: string }[] };
    assert.equal(result.output, path.join(dir, 'cnn.edited.onnx'));
    assert.equal(result.nodesAfter, 9);
    assert.ok(fs.existsSync(result.output));
  });

  it('refuses an edit with the reason and writes nothing; never writes over the input', () => {
    const before = fs.readFileSync(model);
    const out = path.join(dir, 'never.onnx');
    const refused = runCli(['edit', model, '--rename', 'input=pixels', '--bypass', '/3/Conv', '--out', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot bypass Conv '\/3\/Conv': it turns shape \[N, 32, 13, 13\] into \[N, 64, 11, 11\]/);
    assert.ok(!fs.existsSync(out));
    const over = runCli(['edit', model, '--rename', 'input=pixels', '--out', model, '--force']);
    assert.equal(over.code, 1);
    assert.match(over.stderr, /is the input model/);
    assert.deepEqual(fs.readFileSync(model), before);
    const usage = runCli(['edit', model, '--fix-dim', 'N=zero']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /N must be a whole number/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  });
});
