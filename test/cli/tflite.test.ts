import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli } from './run';

const fixture = (name: string) => path.resolve(__dirname, '../fixtures/tflite', name);

describe('cli: .tflite models', function () {
  this.timeout(120_000);
  before(ensureCliBuilt);

  it('inspect --json: every fixture, the same fields as ONNX, opsets {tflite: 3}', () => {
    for (const name of fs.readdirSync(path.resolve(__dirname, '../fixtures/tflite'))) {
      const r = runCli(['inspect', '--json', fixture(name)]);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout);
      assert.equal(s.format, 'tflite');
      assert.deepEqual(s.opsets, { tflite: 3 });
      assert.equal(s.irVersion, null);
      for (const key of ['inputs', 'outputs', 'nodes', 'ops', 'initializers', 'parameters', 'bytesByDtype', 'macs', 'metadata']) assert.ok(key in s, `${name}: ${key}`);
    }
  });

  it('bench --json runs person_detect on the TFLite interpreter, with the same fields as for ONNX', () => {
    const r = runCli(['bench', fixture('person_detect.tflite'), '--runs', '5', '--warmup', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.runs, 5);
    assert.equal(j.threads, 1);
    assert.deepEqual(j.executionProviders, ['tflite-wasm']);
    assert.match(j.ortVersion, /TFLite WebAssembly interpreter/);
    assert.deepEqual(j.inputs, [{ name: 'input', dtype: 'int8', shape: [1, 96, 96, 1], source: 'generated' }]);
    assert.ok(j.p50Ms > 0 && j.p50Ms <= j.maxMs && j.initMs > 0);
    assert.ok(j.warnings.some((w: string) => /quantized_dimension beyond their rank/.test(w)));
    assert.match(r.stderr, /warning: 14 per-channel quantized/);
  });

  it('eval runs a quantized .tflite over (random) data, quantizing its float samples', () => {
    const r = runCli(['eval', fixture('trained_lstm_int8.tflite'), '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.samples, 16);
    assert.equal(j.synthetic, true);
    assert.equal(j.scoredOutput, 'StatefulPartitionedCall:0');
  });

  it('bench names a damaged .tflite in one line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-tflite-cli-'));
    try {
      const f = path.join(dir, 'cut.tflite');
      fs.writeFileSync(f, fs.readFileSync(fixture('hello_world_float.tflite')).subarray(0, 0x700));
      const r = runCli(['bench', f, '--runs', '2']);
      assert.equal(r.code, 1);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('bench '));
      assert.equal(lines.length, 1, r.stderr);
      assert.equal(lines[0], `edgewise bench: ${f}: operator_codes offset at 52 points to 3132, outside the file (1792 bytes)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
