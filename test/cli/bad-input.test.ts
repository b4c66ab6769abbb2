import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli, type CliResult } from './run';
import { externalTensor, writeModelWith } from '../core/formats/onnx/models';

const FIXTURE = path.resolve('test/fixtures/fmnist_cnn.onnx');
const TFLITE = path.resolve('test/fixtures/hello_world_float.tflite');

/** A clean failure: non-zero exit, nothing on stdout, one line on stderr naming the file. */
function assertOneLineError(r: CliResult, file: string, why: RegExp): void {
  assert.ok(!r.timedOut, 'the command hung');
  assert.notEqual(r.code, 0, 'exit code');
  assert.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].includes(file), `the error names ${file}: ${lines[0]}`);
  assert.match(lines[0], why);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

describe('CLI on bad input', function () {
  let dir: string;
  before(ensureCliBuilt);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bad-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const file = (name: string, bytes: Uint8Array | string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  it('a truncated model', () => {
    const f = file('truncated.onnx', fs.readFileSync(FIXTURE).subarray(0, 450_000));
    assertOneLineError(runCli(['inspect', f]), f, /truncated or corrupt|not a valid ONNX/);
    assertOneLineError(runCli(['convert', f, path.join(dir, 'o.onnx')]), f, /truncated or corrupt|not a valid ONNX/);
  });

  it('random bytes', () => {
    // A fixed pseudo-random sequence, so the test is the same every run.
    const bytes = new Uint8Array(4096);
    let s = 12345;
    for (let i = 0; i < bytes.length; i++) { s = (s * 1103515245 + 12345) >>> 0; bytes[i] = s >>> 24; }
    const f = file('random.onnx', bytes);
    assertOneLineError(runCli(['inspect', f]), f, /not a valid ONNX|not an ONNX model/);
  });

  it('an empty file', () => {
    const f = file('empty.onnx', '');
    assertOneLineError(runCli(['inspect', '--json', f]), f, /the file is empty/);
  });

  it('a TensorFlow Lite file renamed .onnx', () => {
    const f = file('model.onnx', fs.readFileSync(TFLITE));
    assertOneLineError(runCli(['convert', f, path.join(dir, 'o.onnx')]), f, /TensorFlow Lite/);
    // inspect tells formats by content, not by name: the renamed file is summarised as the TFLite model it is.
    const r = runCli(['inspect', '--json', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).format, 'tflite');
  });

  it('a field whose length runs past the end of the file', () => {
    // ir_version = 8, then graph (field 7) claiming 1000 bytes with only 6 present.
    const f = file('overrun.onnx', new Uint8Array([0x08, 0x08, 0x3a, 0xe8, 0x07, 0x0a, 0x01, 0x78, 0x12, 0x01, 0x79]));
    assertOneLineError(runCli(['inspect', f]), f, /past the end of the file/);
  });

  it('a missing file and a folder', () => {
    const f = path.join(dir, 'nope.onnx');
    assertOneLineError(runCli(['inspect', f]), f, /no such file/);
    assertOneLineError(runCli(['inspect', dir]), dir, /is a folder/);
  });

  it('a missing external data file', () => {
    const f = path.join(dir, 'ext.onnx');
    writeModelWith(f, [externalTensor('w', [4], 'weights.bin', 0, 16)]);
    assertOneLineError(runCli(['inspect', f]), f, /external data file 'weights.bin' for tensor 'w' is missing/);
    assertOneLineError(runCli(['convert', f, path.join(dir, 'o.onnx'), '--inline']), f, /is missing/);
    assert.deepEqual(fs.readdirSync(dir), ['ext.onnx'], 'a failed convert leaves no files');
  });

  it('an external location escaping the model folder', () => {
    fs.writeFileSync(path.join(dir, 'secret.bin'), Buffer.alloc(16));
    fs.mkdirSync(path.join(dir, 'm'));
    const f = path.join(dir, 'm', 'evil.onnx');
    writeModelWith(f, [externalTensor('w', [4], '../secret.bin', 0, 16)]);
    assertOneLineError(runCli(['inspect', f]), f, /escapes the model's folder/);
    writeModelWith(f, [externalTensor('w', [4], '/etc/hostname', 0, 16)]);
    assertOneLineError(runCli(['convert', f, path.join(dir, 'o.onnx'), '--inline']), f, /absolute path/);
  });

  it('a model over 2 GB with external data works', () => {
    const data = path.join(dir, 'big.onnx.data');
    const fd = fs.openSync(data, 'w');
    fs.ftruncateSync(fd, 2_400_000_016); // sparse: takes no disk space
    fs.closeSync(fd);
    const f = path.join(dir, 'big.onnx');
    writeModelWith(f, [
      externalTensor('big', [600_000_000], 'big.onnx.data', 0, 2_400_000_000),
      externalTensor('tail', [4], 'big.onnx.data', 2_400_000_000, 16),
    ]);
    const r = runCli(['inspect', '--json', f]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.parameters, 600_000_004);
    assert.equal(s.initializers.bytes, 2_400_000_016);
    assert.equal(s.externalData, true);
    assertOneLineError(runCli(['convert', f, path.join(dir, 'o.onnx'), '--inline']), 'o.onnx', /exceed protobuf's 2 GiB limit/);
  });

  it('an .onnx file over 2 GiB (which protobuf cannot be)', () => {
    const f = path.join(dir, 'huge.onnx');
    const fd = fs.openSync(f, 'w');
    fs.ftruncateSync(fd, 2 ** 31 + 10);
    fs.closeSync(fd);
    assertOneLineError(runCli(['inspect', f]), f, /past protobuf's 2 GiB limit/);
  });

  it("says what is wrong with the file in the user's terms first, the library's words after", () => {
    const bytes = new Uint8Array([0x0c, 0x00, 0x00, 0x00]);
    const userTermsFirst = (what: string) => new RegExp(`^edgewise \\w+: \\S+: not a valid ${what}: the file is corrupt or another kind of file \\(decoder: .+\\)`);
    const onnx = file('garbage.onnx', bytes);
    assertOneLineError(runCli(['inspect', onnx]), onnx, userTermsFirst('ONNX model'));
    // bench hands the file to ONNX Runtime in a child process; ORT's "Protobuf parsing failed" comes after the reader's words.
    const b = runCli(['bench', onnx, '--runs', '1', '-q']);
    assertOneLineError(b, onnx, userTermsFirst('ONNX model'));
    assert.match(b.stderr, /\[onnxruntime cannot load it: .*Protobuf parsing failed/);
    const coreml = file('garbage.mlmodel', bytes);
    assertOneLineError(runCli(['inspect', coreml]), coreml, userTermsFirst('Core ML model'));
    assertOneLineError(runCli(['bench', coreml, '-q']), coreml, /a Core ML model cannot be benchmarked here: running a Core ML model needs Apple's Core ML framework/);
    const tflite = file('garbage.tflite', new Uint8Array(64).fill(0xfd));
    assertOneLineError(runCli(['inspect', tflite]), tflite, /not a TFLite model: the file identifier \(bytes 4-7\) is bytes fd fd fd fd, not "TFL3"/);
    const npy = file('garbage.npy', new Uint8Array(64).fill(7));
    assertOneLineError(runCli(['eval', FIXTURE, '--data', npy]), npy, /not a NumPy \.npy file: it does not start with the \.npy signature/);
  });

  it('usage mistakes exit 2 with one line', () => {
    const r = runCli(['inspect', '--bogus', FIXTURE]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    assert.equal(runCli(['convert', FIXTURE]).code, 2);
    assert.equal(runCli(['inspect']).code, 2);
    const unknown = runCli(['inspekt', FIXTURE]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'edgewise: unknown command inspekt (did you mean inspect?); see edgewise --help\n');
    assert.match(runCli(['zzz']).stderr, /^edgewise: unknown command zzz \(commands: inspect, .*\); see edgewise --help\n$/);
  });
});
