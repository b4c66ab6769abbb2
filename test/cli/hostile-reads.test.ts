import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli, type CliResult } from './run';
import { makeFifo, writeFile } from '../helpers/hostile-files';
import { loadModel } from '../../src/core/formats/onnx/io';
import { encodeDelta } from '../../src/fl/delta';
import { modelWeights } from '../../src/fl/weights';

const FIXTURE = path.resolve('test/fixtures/fmnist_cnn.onnx');

/** A refusal: non-zero exit within 10 s, a last line naming `name`, no stack, no input body read (bounded memory). */
function assertRefused(r: CliResult, name: string, why: RegExp): void {
  assert.ok(!r.timedOut, `the command hung (${name})`);
  assert.notEqual(r.code, 0, 'exit code');
  assert.ok(r.peakRssMiB !== undefined && r.peakRssMiB < 300, `peak RSS ${r.peakRssMiB?.toFixed(0)} MiB`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  const last = r.stderr.trimEnd().split('\n').pop()!;
  assert.ok(last.includes(name), `the error names ${name}: ${last}`);
  assert.match(last, why);
}

describe('CLI on hostile input: every file Edgewise reads is a regular file, sized before it is read', function () {
  this.timeout(120_000);
  let dir: string;
  before(ensureCliBuilt);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-reads-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a compiled Core ML model.mil past its limit is refused before it is read', () => {
    const folder = path.join(dir, 'm.mlmodelc');
    fs.mkdirSync(folder);
    const mil = writeFile(path.join(folder, 'model.mil'), 'program(1.0)\n');
    fs.truncateSync(mil, 300 << 20); // sparse: 300 MiB on paper, nothing on disk
    assertRefused(runCli(['inspect', folder], 10_000), 'model.mil', /is 314572800 bytes, more than a compiled model's model\.mil holds \(256 MiB\)/);
  });

  it('fl aggregate: a FIFO client is refused, a delta longer than the model needs is refused unread', () => {
    const fifo = makeFifo(path.join(dir, 'c1.onnx'));
    const out = path.join(dir, 'next.onnx');
    assertRefused(runCli(['fl', 'aggregate', '--base', FIXTURE, `${fifo}:10`, '--out', out], 10_000), fifo, /is a named pipe \(FIFO\)/);
    const weights = modelWeights(loadModel(FIXTURE));
    const delta = encodeDelta({ encoding: 'float32', round: 1, samples: 10, model: '0'.repeat(32) },
      weights.map((w) => ({ name: w.name, dims: w.dims, values: new Float32Array(w.values.length) })));
    const padded = writeFile(path.join(dir, 'c2.delta'), delta);
    fs.truncateSync(padded, delta.length + (1 << 30)); // 1 GiB of (sparse) trailing bytes
    assertRefused(runCli(['fl', 'aggregate', '--base', FIXTURE, padded, '--out', out], 10_000), padded,
      new RegExp(`is ${delta.length + (1 << 30)} bytes, larger than a delta of this model \\(${delta.length} bytes\\)`));
    assert.ok(!fs.existsSync(out));
  });

  it("targets files, a recipe's targets and health reports: a FIFO is refused at once", () => {
    const targets = makeFifo(path.join(dir, 'targets.json'));
    assertRefused(runCli(['bench', FIXTURE, '--target-file', targets, '--runs', '1'], 10_000), targets, /is a named pipe \(FIFO\), not a targets file/);
    // bench reads the targets of a recipe next to the model.
    const model = path.join(dir, 'm.onnx');
    fs.copyFileSync(FIXTURE, model);
    const recipe = makeFifo(path.join(dir, 'edgewise.yaml'));
    assertRefused(runCli(['bench', model, '--runs', '1'], 10_000), recipe, /is a named pipe \(FIFO\), not a recipe file/);
    const repo = path.join(dir, 'repo');
    const init = runCli(['release', 'init', repo, '--keys', path.join(dir, 'keys')]);
    assert.equal(init.code, 0, init.stderr);
    const health = makeFifo(path.join(dir, 'health.jsonl'));
    assertRefused(runCli(['release', 'status', '--repo', repo, '--health', health], 10_000), health, /is a named pipe \(FIFO\), not a health report file/);
  });

  it('release and fl numbers have bounds: root keys, ports', () => {
    const cases: [string[], string][] = [
      [['release', 'init', path.join(dir, 'r'), '--root-keys', '100000'], "--root-keys must be a whole number from 1 to 64, got '100000'"],
      [['release', 'health-server', '--out', path.join(dir, 'h.jsonl'), '--port', '70000'], "--port must be a whole number from 0 to 65535, got '70000'"],
      [['fl', 'serve', '--model', FIXTURE, '--rounds', '1', '--clients-per-round', '1', '--port', '70000'], "--port must be a whole number from 0 to 65535, got '70000'"],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args, 10_000);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `edgewise ${args[0]}: ${message}\n`);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'r')), 'nothing created');
  });
});
