import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCommands } from '../../src/cli/commands';

const commands = loadCommands();
import { ensureCliBuilt, runCli } from './run';

const FIXTURE = path.resolve('test/fixtures/fmnist_cnn.onnx');

describe('CLI commands', () => {
  let dir: string;
  before(ensureCliBuilt);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-cli-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('every command has --help', function () {
    this.timeout(180_000); // 19 CLI starts: a minute and more on a loaded machine
    for (const c of commands) {
      const r = runCli([c.name, '--help']);
      assert.equal(r.code, 0, c.name);
      assert.match(r.stdout, new RegExp(`^usage: edgewise ${c.name}`), c.name);
    }
    assert.match(runCli(['--help']).stdout, /inspect/);
  });

  it('inspect prints a readable summary, and with --json only JSON', () => {
    const text = runCli(['inspect', FIXTURE]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /input\s+float32\s+\[N, 1, 28, 28\]/);
    assert.match(text.stdout, /Parameters\s+225 k \(225,034\)/);
    const r = runCli(['inspect', '--json', FIXTURE]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    for (const key of ['irVersion', 'producer', 'opsets', 'inputs', 'outputs', 'nodes', 'nodesWithSubgraphs', 'ops',
      'initializers', 'parameters', 'bytesByDtype', 'externalData', 'macs']) assert.ok(key in s, key);
    assert.deepEqual(s.producer, { name: 'pytorch', version: '1.13.0' });
    assert.deepEqual(s.opsets, { '': 17 });
    assert.deepEqual(s.inputs, [{ name: 'input', dtype: 'float32', shape: ['N', 1, 28, 28] }]);
    assert.deepEqual(s.outputs, [{ name: 'output', dtype: 'float32', shape: ['N', 10] }]);
    assert.deepEqual(s.ops, { Conv: 2, Relu: 3, MaxPool: 2, Flatten: 1, Gemm: 2 });
    assert.deepEqual(s.initializers, { count: 8, bytes: 900136, sparse: 0 });
    assert.equal(s.parameters, 225034);
    // Conv1 26*26*32*9 + Conv2 11*11*64*32*9 + Gemm 1600*128 + Gemm 128*10, per image.
    assert.equal(s.macs, 26 * 26 * 32 * 9 + 11 * 11 * 64 * 32 * 9 + 1600 * 128 + 128 * 10);
  });

  it('convert moves weights out and back, atomically and without overwriting', () => {
    const ext = path.join(dir, 'ext.onnx');
    let r = runCli(['convert', FIXTURE, ext, '--external-data', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).externalFile, `${ext}.data`);
    assert.equal(JSON.parse(runCli(['inspect', '--json', ext]).stdout).externalData, true);
    const back = path.join(dir, 'back.onnx');
    r = runCli(['convert', ext, back, '--inline']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(back), fs.readFileSync(FIXTURE));
    r = runCli(['convert', ext, back]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already exists; pass --force/);
    r = runCli(['convert', ext, ext]);
    assert.match(r.stderr, /is the input model; choose another output path/);
    assert.equal(runCli(['convert', ext, back, '--force', '--inline']).code, 0);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['back.onnx', 'ext.onnx', 'ext.onnx.data']);
  });

  it('demo runs every step on the samples', function () {
    this.timeout(150_000);
    const r = runCli(['demo', '--out', dir], 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Inspect the sample model/);
    assert.match(r.stdout, /and back inline: byte-identical to the original/);
    assert.ok(fs.existsSync(path.join(dir, 'fmnist_cnn.external.onnx.data')));
    assert.match(r.stdout, /parameters 225,034 -> 111,840/);
    assert.match(r.stdout, /top-1 on 1000 samples: 86\.6% -> \d+\.\d%/);
    assert.ok(fs.existsSync(path.join(dir, 'fmnist_cnn.pruned.onnx')));
    // Step 5: the depthwise conv whose per-tensor INT8 costs the most is named first, and mixed precision holds the budget.
    assert.match(r.stdout, /most harmful alone: \/features\/features\.4\/body\/body\.3\/Conv \(-\d+\.\d points\)/);
    const drop = /held-out top-1 [\d.]+% -> [\d.]+% \(drop (-?[\d.]+) points/.exec(r.stdout);
    assert.ok(drop && Number(drop[1]) <= 0.3, r.stdout.slice(-600));
    assert.ok(fs.existsSync(path.join(dir, 'fmnist_mobilenet.mixed.onnx')));
    // README's account of the demo is what the demo prints.
    const claim = /loses (\d+) points of top-1 until mixed precision returns (\d+) of its (\d+) layers to\s+float/.exec(fs.readFileSync('README.md', 'utf8'));
    assert.ok(claim, 'README describes the demo\'s step 5');
    const int8 = /all (\d+) layers INT8 \(per-tensor weights\): top-1 ([\d.]+)% -> ([\d.]+)%/.exec(r.stdout);
    const mixed = /mixed precision, --max-accuracy-drop [\d.]+: (\d+) of (\d+) layers back in float/.exec(r.stdout);
    assert.ok(int8 && mixed, r.stdout.slice(-800));
    assert.equal(Math.round(Number(int8[2]) - Number(int8[3])), Number(claim[1]), 'points lost, as README says');
    assert.deepEqual([mixed[1], mixed[2]], [claim[2], claim[3]], 'layers back in float, as README says');
  });
});
