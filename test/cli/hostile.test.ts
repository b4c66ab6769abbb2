import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, ensureCliBuilt, runCli, type CliResult } from './run';
import { bigOnnx, deepIfModel, killDuringWrite, makeFifo, npyClaiming, writeFile, yamlAliasBomb } from '../helpers/hostile-files';
import { encodeNpy } from '../../src/core/runtime/npy';
import { buildModel } from '../core/formats/tflite/build-model';
import { buildModel as buildOnnx, writeTemp } from '../helpers/onnx-models';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/formats/onnx/build';

const FIXTURE = path.resolve('test/fixtures/fmnist_cnn.onnx');
const COREML_PACKAGE = path.resolve('../shared/fixtures/coreml/adamsro__dtln-aec-coreml/DTLN_AEC_128_Part1.mlpackage');

/** A one-ADD TFLite model whose float32 constant claims `shape` and holds `bytes` bytes. */
function tfliteWithConstant(shape: number[], bytes: number): Uint8Array {
  return buildModel({
    operatorCodes: [{ deprecated: 0, builtin: 0 }],
    subgraphs: [{
      name: 'main',
      tensors: [{ name: 'x', type: 0, shape: [1, 4] }, { name: 'w', type: 0, shape, buffer: 1 }, { name: 'y', type: 0, shape: [1, 4] }],
      inputs: [0], outputs: [2], operators: [{ opcode: 0, inputs: [0, 1], outputs: [2] }],
    }],
    buffers: [{}, { data: new Uint8Array(bytes) }],
  });
}

/** Memory a refusal may take: node and the CLI's modules, no input body (issue 22: under 500 MB for any input). */
const REFUSAL_RSS_MIB = 300;

/** A clean, fast failure: non-zero exit within the time limit, one line naming `name`, no stack trace, bounded memory. */
function assertRefused(r: CliResult, name: string, why: RegExp): void {
  assert.ok(!r.timedOut, 'the command hung');
  assert.ok(r.peakRssMiB !== undefined && r.peakRssMiB < REFUSAL_RSS_MIB, `peak RSS ${r.peakRssMiB?.toFixed(0)} MiB`);
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
    assertRefused(runCli(['bench', path.join(dir, 'm.onnx'), '--runs', '1'], 10_000), 'm.onnx', /is a named pipe \(FIFO\), not a model file/);
  });

  it('TFLite and Core ML: only regular files, data checked against what the file claims', () => {
    const fifo = makeFifo(path.join(dir, 'f.onnx'));
    assertRefused(runCli(['export', fifo], 10_000), fifo, /is a named pipe \(FIFO\), not a model file/);
    const short = writeFile(path.join(dir, 'short.tflite'), tfliteWithConstant([1, 4], 12));
    assertRefused(runCli(['inspect', short], 10_000), short, /tensors\[1\] 'w' has 12 bytes of data in buffer 1, its shape \[1,4\] as float32 needs 16/);
    const huge = writeFile(path.join(dir, 'huge.tflite'), tfliteWithConstant([2147483647, 2147483647], 16));
    assertRefused(runCli(['inspect', huge], 10_000), huge, /declares shape \[2147483647,2147483647\], \d+ elements: more than any file can hold/);
    assertRefused(runCli(['inspect', writeFile(path.join(dir, 'neg.tflite'), tfliteWithConstant([-1, 4], 16))], 10_000), 'neg.tflite', /declares dim -1/);
    const pkg = path.join(dir, 'p.mlpackage');
    fs.cpSync(COREML_PACKAGE, pkg, { recursive: true });
    const weights = path.join(pkg, 'Data/com.apple.CoreML/weights/weight.bin');
    fs.rmSync(weights, { force: true });
    makeFifo(weights);
    assertRefused(runCli(['inspect', pkg], 10_000), 'weight.bin', /is not a file/);
    fs.rmSync(weights);
    fs.symlinkSync('/dev/zero', weights);
    assertRefused(runCli(['inspect', pkg], 10_000), 'weight.bin', /is a link to '\/dev\/zero', outside the package: not read/);
  });

  it('every numeric option has bounds and says them', () => {
    const cases: [string[], string][] = [
      [['bench', FIXTURE, '--threads', '10000'], "--threads must be a whole number from 1 to 256, got '10000'"],
      [['bench', FIXTURE, '--threads', ''], "--threads must be a whole number from 1 to 256, got ''"],
      [['bench', FIXTURE, '--threads=-1'], "--threads must be a whole number from 1 to 256, got '-1'"],
      [['bench', FIXTURE, '--runs', '1e12'], "--runs must be a whole number from 1 to 1000000, got '1e12'"],
      [['bench', FIXTURE, '--warmup', '1e12'], "--warmup must be a whole number from 0 to 1000000, got '1e12'"],
      [['bench', FIXTURE, '--min-duration', '1e12'], "--min-duration must be a number from 0 to 3600000, got '1e12'"],
      [['bench', FIXTURE, '--dim', 'N=1e9'], "--dim N must be a whole number from 1 to 1048576, got '1e9'"],
      [['eval', FIXTURE, '--threads', '10000'], "--threads must be a whole number from 1 to 256, got '10000'"],
      [['eval', FIXTURE, '--samples', '1e9'], "--samples must be a whole number from 1 to 100000, got '1e9'"],
      [['eval', FIXTURE, '--resize', '99999x99999'], "--resize must be HxW, each from 1 to 8192, got '99999x99999'"],
      [['convert', FIXTURE, path.join(dir, 'o.onnx'), '--threshold', ' '], "--threshold must be a whole number from 0 to 2147483648, got ' '"],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args, 10_000);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `edgewise ${args[0]}: ${message}\n`);
      assert.ok(r.ms < 10_000 && r.peakRssMiB! < REFUSAL_RSS_MIB);
    }
  });

  it("ONNX Runtime's errors read as words: no C++ signature, no colour codes, no telemetry log left behind", () => {
    const model = buildOnnx(
      [makeNode('Reshape', ['x', 'shape'], ['y'], {}, 'fold')],
      [makeValueInfo('x', 'float32', ['N', 4])], [makeValueInfo('y', 'float32', [3, 3])],
      [makeTensor('shape', 'int64', [2], BigInt64Array.of(3n, 3n))],
    );
    const file = writeTemp(model, dir, 'reshape.onnx');
    const r = runCli(['eval', file, '--samples', '2']);
    assert.equal(r.code, 1, r.stderr);
    const last = r.stderr.trimEnd().split('\n').pop()!;
    assert.equal(last, "edgewise eval: Reshape node 'fold': The input tensor cannot be reshaped to the requested shape. Input shape:{2,4}, requested shape:{3,3}");
    assert.doesNotMatch(r.stderr, /\x1b\[|onnxruntime::|onnxruntime_src|ONNXRuntimeError/);
    assert.ok(!fs.existsSync(path.join(os.tmpdir(), `mat-debug-${r.pid}.log`)), 'no empty telemetry log left');
  });

  it('a model with external data: static quantization runs it, and its size counts the data file', () => {
    const input = path.join(dir, 'mx.onnx');
    assert.equal(runCli(['convert', FIXTURE, input, '--external-data']).code, 0);
    const r = runCli(['quantize', input, '--mode', 'static', '--calib', path.resolve('test/fixtures/fmnist_tune500_u8.npy'), '--count', '100', '--no-latency', '--json'], 120_000);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.fileBytesBefore, fs.statSync(input).size + fs.statSync(`${input}.data`).size);
  });

  it('kill -9 during a write leaves no output, and the next run clears the dead process\'s temporary', async () => {
    const big = bigOnnx(path.join(dir, 'big.onnx'), 64);
    const out = path.join(dir, 'out.onnx');
    const temps = () => fs.readdirSync(dir).filter((n) => n.startsWith('.out.onnx.') && n.endsWith('.tmp'));
    const killed = await killDuringWrite(CLI, ['convert', big, out], dir, 'out.onnx');
    assert.ok(killed.midWrite, `killed mid-write (${killed.exit})`);
    assert.ok(!fs.existsSync(out), 'no output, partial or whole');
    assert.equal(temps().length, 1, 'the dead process left its temporary');
    const again = runCli(['convert', big, out]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(temps(), [], 'the next run removed it');
    assert.equal(fs.statSync(out).size, fs.statSync(big).size);
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

  it('data and labels: only regular files, a .npy sized by its header before its body is read', () => {
    const good = writeFile(path.join(dir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [2, 1, 28, 28], data: new Float32Array(2 * 784) }));
    const eval_ = (data: string, labels?: string) => runCli(['eval', FIXTURE, '--data', data, ...(labels ? ['--labels', labels] : [])], 10_000);
    assertRefused(eval_('/dev/zero'), '/dev/zero', /is a character device, not a data file or folder/);
    assertRefused(eval_(makeFifo(path.join(dir, 'f.npy'))), 'f.npy', /is a named pipe \(FIFO\), not a data file or folder/);
    fs.mkdirSync(path.join(dir, 'samples'));
    makeFifo(path.join(dir, 'samples', 'a.npy'));
    assertRefused(eval_(path.join(dir, 'samples')), 'a.npy', /is a named pipe \(FIFO\), not a \.npy file/);
    assertRefused(eval_(good, '/dev/urandom'), '/dev/urandom', /is a character device, not a labels file/);
    assertRefused(eval_(good, makeFifo(path.join(dir, 'labels.txt'))), 'labels.txt', /named pipe/);
    const sparse = path.join(dir, 'huge.npy');
    fs.closeSync(fs.openSync(sparse, 'w'));
    fs.truncateSync(sparse, 3 * 2 ** 30); // 3 GiB of zeros without the magic: not read, no disk used
    assertRefused(eval_(sparse), 'huge.npy', /not a NumPy \.npy file/);
    assertRefused(eval_(writeFile(path.join(dir, 'long.npy'), npyClaiming('(2, 1, 28, 28)', 6272 + 8))), 'long.npy', /has 8 bytes after the 6272 data bytes shape \[2,1,28,28\] needs/);
    assertRefused(eval_(writeFile(path.join(dir, 'short.npy'), npyClaiming('(2, 1, 28, 28)', 6272 - 4))), 'short.npy', /holds 6268 data bytes, shape \[2,1,28,28\] needs 6272/);
    const claims = writeFile(path.join(dir, 'claims.npy'), npyClaiming('(4294967296, 4294967296)', 16));
    assertRefused(eval_(claims), 'claims.npy', /shape \[4294967296,4294967296\] is too large/);
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

  it("names from the file that are Object properties ('__proto__', 'constructor', 'toString') are only names", () => {
    const w = makeTensor('hasOwnProperty', 'float32', [4, 4], new Float32Array(16).fill(0.25));
    const named = buildOnnx(
      [makeNode('MatMul', ['__proto__', 'hasOwnProperty'], ['valueOf'], {}, 'constructor'), makeNode('Relu', ['valueOf'], ['toString'], {}, '__proto__')],
      [makeValueInfo('__proto__', 'float32', ['constructor', 4])], [makeValueInfo('toString', 'float32', ['constructor', 4])], [w],
    );
    const file = writeTemp(named, dir, 'named.onnx');
    const inspect = runCli(['inspect', file, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.deepEqual(JSON.parse(inspect.stdout).ops, { MatMul: 1, Relu: 1 });
    // An input named '__proto__' is fed to ONNX Runtime (a plain feeds object took it as its prototype).
    const npy = path.join(dir, 'x.npy');
    fs.writeFileSync(npy, encodeNpy({ dtype: 'float32', shape: [2, 4], data: new Float32Array(8).fill(1) }));
    for (const args of [['bench', file, '--runs', '3', '--dim', 'constructor=2'], ['bench', file, '--runs', '3', '--input', `__proto__=${npy}`], ['quantize', file, '--mode', 'dynamic', '--no-latency'], ['export', file, '--dim', 'constructor=1']]) {
      const r = runCli(args, 60_000);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    // Op types are names too: a custom domain's 'constructor' and '__proto__' are counted, not Object's members.
    const ops = buildOnnx(
      [makeNode('constructor', ['__proto__'], ['a'], {}, 'n1', 'x.y'), makeNode('__proto__', ['a'], ['toString'], {}, 'n2', 'x.y')],
      [makeValueInfo('__proto__', 'float32', [1, 4])], [makeValueInfo('toString', 'float32', [1, 4])],
    );
    const customFile = writeTemp(ops, dir, 'ops.onnx');
    const custom = runCli(['inspect', customFile, '--json']);
    assert.equal(custom.code, 0, custom.stderr);
    assert.deepEqual(JSON.parse(custom.stdout).ops, JSON.parse('{"constructor": 1, "__proto__": 1}'));
  });
});
