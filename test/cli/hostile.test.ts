import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli, type CliResult } from './run';
import { deepIfModel, makeFifo, yamlAliasBomb } from '../helpers/hostile-files';

const FIXTURE = path.resolve('test/fixtures/fmnist_cnn.onnx');

/** A clean, fast failure: non-zero exit within the time limit, one line naming `name`, no stack trace. */
function assertRefused(r: CliResult, name: string, why: RegExp): void {
  assert.ok(!r.timedOut, 'the command hung');
  assert.notEqual(r.code, 0, 'exit code');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].includes(name), `the error names ${name}: ${lines[0]}`);
  assert.match(lines[0], why);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

describe('CLI on hostile input: nothing hangs, nothing lands on an input', function () {
  this.timeout(120_000);
  let dir: string;
  before(ensureCliBuilt);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-hostile-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a FIFO or /dev/zero as the model is refused at once', () => {
    for (const name of ['m.onnx', 'm.tflite']) {
      const fifo = makeFifo(path.join(dir, name));
      assertRefused(runCli(['inspect', fifo], 10_000), fifo, /is a named pipe \(FIFO\), not a model file/);
    }
    const zero = path.join(dir, 'zero.onnx');
    fs.symlinkSync('/dev/zero', zero);
    assertRefused(runCli(['inspect', zero], 10_000), zero, /is a character device, not a model file/);
    assertRefused(runCli(['quantize', zero, '--mode', 'dynamic'], 10_000), zero, /is a character device/);
    assertRefused(runCli(['convert', path.join(dir, 'm.onnx'), path.join(dir, 'o.onnx')], 10_000), 'm.onnx', /named pipe/);
  });

  it('an If nested 3,000 deep is refused with the file named, not a stack overflow', () => {
    const f = path.join(dir, 'deep.onnx');
    fs.writeFileSync(f, deepIfModel(3000));
    assertRefused(runCli(['inspect', f]), f, /messages nest more than 100 deep/);
  });

  it('never writes over the input or its data file, even with --force', () => {
    const input = path.join(dir, 'mx.onnx');
    assert.equal(runCli(['convert', FIXTURE, input, '--external-data']).code, 0);
    fs.symlinkSync('.', path.join(dir, 'selfdir'));
    const before = [fs.readFileSync(input), fs.readFileSync(`${input}.data`)];
    const attempts: [string[], RegExp][] = [
      [['quantize', input, '--mode', 'dynamic', '--out', path.join(dir, 'selfdir', 'mx.onnx'), '--force', '--no-latency'], /is the input model/],
      [['quantize', input, '--mode', 'dynamic', '--out', `${input}.data`, '--force', '--no-latency'], /mx\.onnx\.data', which this job reads/],
      [['convert', input, path.join(dir, 'selfdir', 'mx.onnx'), '--force'], /is the input model/],
      [['convert', input, `${input}.data`, '--force'], /which this job reads/],
      [['prune', input, '--method', 'magnitude', '--sparsity', '0.5', '--out', path.join(dir, 'selfdir', 'mx.onnx'), '--force'], /is the input model/],
    ];
    for (const [args, why] of attempts) assertRefused(runCli(args), 'mx.onnx', why);
    assert.deepEqual([fs.readFileSync(input), fs.readFileSync(`${input}.data`)], before, 'the input and its data are untouched');
  });

  it('edgewise run: an alias bomb and a /dev/zero model are refused at once', () => {
    const bomb = path.join(dir, 'edgewise.yaml');
    fs.writeFileSync(bomb, yamlAliasBomb());
    assertRefused(runCli(['run', bomb, '--dry-run'], 10_000), bomb, /expands more than 1000 aliases/);
    const zero = path.join(dir, 'zero.json');
    fs.writeFileSync(zero, JSON.stringify({ model: '/dev/zero', passes: [] }));
    assertRefused(runCli(['run', zero, '--dry-run'], 10_000), zero, /\$\.model: '\/dev\/zero' is an absolute path, outside the recipe's folder/);
    assertRefused(runCli(['run', zero, '--dry-run', '--allow-outside'], 10_000), '/dev/zero', /is a character device, not a model file/);
    const fifo = makeFifo(path.join(dir, 'fifo.yaml'));
    assertRefused(runCli(['run', fifo], 10_000), fifo, /is a named pipe \(FIFO\), not a recipe file/);
  });
});
