import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeNode } from '../../src/core/formats/onnx/build';
import { encodeModelProto } from '../../src/core/formats/onnx/codec';
import { loadTflite } from '../../src/core/formats/tflite/model';
import { encodeNpy, readNpy } from '../../src/core/runtime/npy';
import { ensureCliBuilt, runCli, type CliResult } from './run';
import { externalTensor } from '../core/formats/onnx/models';
import { buildModel } from '../helpers/onnx-models';
import { makeValueInfo } from '../../src/core/formats/onnx/build';

const FIX = path.resolve('test/fixtures');
const CALIB = path.join(FIX, 'fmnist_tune500_u8.npy');
const TEST = path.join(FIX, 'fmnist_test1k_u8.npy');
const LABELS = path.join(FIX, 'fmnist_test1k_labels.npy');

function oneLineError(r: CliResult, file: string, why: RegExp): void {
  assert.ok(!r.timedOut, 'the command hung');
  assert.equal(r.code, 1, `exit code 1, got ${r.code}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].includes(file), `names ${file}: ${lines[0]}`);
  assert.match(lines[0], why);
}

describe('edgewise export --to tflite', function () {
  this.timeout(120000);
  let dir: string;
  let cnn: string;
  before(ensureCliBuilt);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-export-'));
    cnn = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIX, 'fmnist_cnn.onnx'), cnn);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = () => fs.readdirSync(dir).sort();

  it('float32 and float16 reproduce ONNX Runtime in TFLite\'s interpreter; default names MODEL.tflite / MODEL.float16.tflite', () => {
    for (const [mode, name] of [['none', 'cnn.tflite'], ['float16', 'cnn.float16.tflite']]) {
      const r = runCli(['export', cnn, '--to', 'tflite', '--quantize', mode, '--dim', 'N=1', '--eval', TEST, '--labels', LABELS, '--samples', '8', '--json', '-q']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.output, path.join(dir, name));
      assert.equal(j.verification.samples, 1000);
      assert.ok(j.verification.outputs[0].cosine >= 0.9999 && j.verification.outputs[0].top1Agreement >= 0.999);
      assert.equal(j.verification.passed, true);
      assert.equal(j.nodes.length, 10);
      assert.deepEqual(j.transposes, { atInputs: 0, atOutputs: 0, inside: 0 });
      if (mode === 'float16') {
        assert.ok(j.fileRatio > 0.49 && j.fileRatio < 0.52, `ratio ${j.fileRatio}`);
        assert.ok(loadTflite(j.output).subgraphs[0].tensors.some((t) => t.dtype === 'float16'));
      }
    }
    assert.deepEqual(files(), ['cnn.float16.tflite', 'cnn.onnx', 'cnn.tflite']);
  });

  it('int8 with --int8-io: every op int8, int8 input and output with their scale and zero point, accuracy within 0.5 point', () => {
    const r = runCli(['export', cnn, '--quantize', 'int8', '--int8-io', '--dim', 'N=1', '--calib', CALIB, '--eval', TEST, '--labels', LABELS, '--json', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.delegate.allOpsInt8, true);
    assert.equal(j.calibration.samples, 500);
    const io = j.int8.io;
    assert.deepEqual(io.map((x: { direction: string; type: string }) => [x.direction, x.type]), [['input', 'int8'], ['output', 'int8']]);
    // Pixels in [0, 1]: scale 1/255, zero point -128 (TFLite's asymmetric int8 for [0, 1]).
    assert.ok(Math.abs(io[0].scale - 1 / 255) < 1e-6 && io[0].zeroPoint === -128, JSON.stringify(io[0]));
    const m = loadTflite(j.output);
    const sg = m.subgraphs[0];
    assert.equal(sg.tensors[sg.inputs[0]].dtype, 'int8');
    const conv = sg.operators.find((o) => m.operatorCodes[o.opcodeIndex].name === 'CONV_2D')!;
    const [x, w, b] = conv.inputs.map((i) => sg.tensors[i]);
    assert.equal(w.dtype, 'int8');
    assert.ok(w.quant!.scale.length > 1 && w.quant!.zeroPoint.every((z) => z === 0), 'weights symmetric per channel, zero point 0');
    assert.equal(b.dtype, 'int32');
    b.quant!.scale.forEach((s, c) => assert.ok(Math.abs(s - x.quant!.scale[0] * w.quant!.scale[c]) <= 1e-6 * s, 'bias scale = s_in * s_w'));
    assert.equal(j.verification.passed, true);
    assert.ok(j.verification.checks[0].measured <= 0.5);
  });

  it('dynamic and int8-weights: int8 weights, float activations, accuracy within 0.5 point', () => {
    // 200 labelled test images: TFLite's hybrid convolution is slow (about 13 ms a run here).
    const images = readNpy(TEST);
    const labels = readNpy(LABELS);
    const [x200, y200] = [path.join(dir, 'x200.npy'), path.join(dir, 'y200.npy')];
    fs.writeFileSync(x200, encodeNpy({ dtype: 'uint8', shape: [200, 28, 28], data: (images.data as Uint8Array).slice(0, 200 * 784) }));
    fs.writeFileSync(y200, encodeNpy({ dtype: 'int64', shape: [200], data: (labels.data as BigInt64Array).slice(0, 200) }));
    for (const mode of ['dynamic', 'int8-weights']) {
      const r = runCli(['export', cnn, '--quantize', mode, '--dim', 'N=1', '--eval', x200, '--labels', y200, '--json', '-q']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.ok(j.fileRatio < 0.27, `${mode}: ratio ${j.fileRatio}`);
      assert.equal(j.verification.passed, true, JSON.stringify(j.verification.checks));
      assert.equal(j.ops.DEQUANTIZE ?? 0, mode === 'dynamic' ? 0 : 4);
    }
  });

  it('bad input: one line naming the file, exit 1, nothing written', () => {
    const before = files();
    oneLineError(runCli(['export', cnn, '--quantize', 'int8', '-q']), cnn, /dynamic dimension 'N'.*--dim N=N/);
    oneLineError(runCli(['export', cnn, '--quantize', 'float16', '--int8-io', '--dim', 'N=1', '-q']), cnn, /--int8-io needs --quantize int8/);
    const wrong = path.join(dir, 'wrong.npy');
    fs.writeFileSync(wrong, encodeNpy({ dtype: 'uint8', shape: [4, 10], data: new Uint8Array(40) }));
    oneLineError(runCli(['export', cnn, '--quantize', 'int8', '--dim', 'N=1', '--calib', wrong, '-q']), wrong, /samples have shape \[10\].*expects \[1,28,28\]/);
    const einsum = path.join(dir, 'einsum.onnx');
    fs.writeFileSync(einsum, encodeModelProto(buildModel([makeNode('Einsum', ['x', 'x'], ['y'], { equation: 'ij,ij->ij' }, 'mix')], [makeValueInfo('x', 'float32', [2, 3])], [makeValueInfo('y', 'float32', [2, 3])]).proto));
    oneLineError(runCli(['export', einsum, '-q']), einsum, /node 'mix' \(Einsum\): no TFLite builtin/);
    // 2.2 GB of float32 weights in a sparse external file: refused before any weight is read.
    const big = path.join(dir, 'big.onnx');
    const n = 550_000_000;
    fs.closeSync(fs.openSync(path.join(dir, 'big.bin'), 'w'));
    fs.truncateSync(path.join(dir, 'big.bin'), n * 4);
    fs.writeFileSync(big, encodeModelProto(buildModel([makeNode('MatMul', ['x', 'w'], ['y'], {}, 'mm')], [makeValueInfo('x', 'float32', [1, n / 1000])], [makeValueInfo('y', 'float32', [1, 1000])],
      [externalTensor('w', [n / 1000, 1000], 'big.bin', 0, n * 4)]).proto));
    oneLineError(runCli(['export', big, '-q']), big, /over the 2 GiB .* a TFLite FlatBuffer can hold/);
    assert.deepEqual(files(), [...before, 'big.bin', 'big.onnx', 'einsum.onnx', 'wrong.npy'].sort());
  });

  it('inspect --mcu: flash, the planned TFLite Micro arena and the largest live set; bench --target fails a model that does not fit', () => {
    const tfl = path.join(FIX, 'tflite/person_detect.tflite');
    const r = runCli(['inspect', tfl, '--mcu', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const mcu = JSON.parse(r.stdout).mcu;
    assert.equal(mcu.flashBytes, 300568);
    assert.ok(mcu.arenaBytes > mcu.plannedBytes && mcu.plannedBytes >= 55296, JSON.stringify(mcu.peak));
    assert.equal(mcu.peak.opName, 'CONV_2D');
    const text = runCli(['inspect', tfl, '--mcu']);
    assert.match(text.stdout, /Tensor arena\s+~[\d.]+ KiB .* activations 55296 B planned/);
    oneLineError(runCli(['inspect', cnn, '--mcu']), cnn, /--mcu plans TFLite Micro's arena for .tflite models/);
    const targets = path.join(dir, 'targets.json');
    fs.writeFileSync(targets, JSON.stringify([{ name: 'm0-64k', arenaBytes: 65536, flashBytes: 262144 }]));
    const b = runCli(['bench', tfl, '--target-file', targets, '--target', 'm0-64k', '--runs', '3', '--warmup', '0', '--json'], 60000);
    assert.equal(b.code, 3, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout).budgetBreaks.map((x: { budget: string }) => x.budget), ['flash', 'arena']);
    // --targets is the fleet (names); a file given to it, as before the fleet table, says where it goes.
    const old = runCli(['bench', tfl, '--targets', targets]);
    assert.equal(old.code, 2, old.stderr);
    assert.match(old.stderr, /a file of targets goes in --target-file .*targets\.json/);
  });
});
