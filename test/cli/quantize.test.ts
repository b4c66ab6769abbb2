import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/formats/onnx/build';
import { parse, type CliIo } from '../../src/cli/command';
import { quantize } from '../../src/cli/commands/quantize';
import { encodeNpy } from '../../src/core/runtime/npy';
import { buildModel, FIXTURES, tempDir, writeTemp } from '../helpers/onnx-models';

interface Captured { out: string[]; err: string[]; progress: string[] }

async function runCli(argv: string[], controller = new AbortController(), onProgress?: (m: string) => void): Promise<{ code: number | Error; io: Captured }> {
  const cap: Captured = { out: [], err: [], progress: [] };
  const io: CliIo = {
    out: (t) => cap.out.push(t), err: (t) => cap.err.push(t),
    progress: (t) => { cap.progress.push(t); onProgress?.(t); }, signal: controller.signal,
  };
  try {
    return { code: await quantize.run(parse(quantize, argv), io), io: cap };
  } catch (e) {
    return { code: e as Error, io: cap };
  }
}

function fixtureCopy(): string {
  const dir = tempDir();
  const file = path.join(dir, 'fmnist_cnn.onnx');
  fs.copyFileSync(`${FIXTURES}/fmnist_cnn.onnx`, file);
  return file;
}

const QUICK = ['--no-latency', '--samples', '4', '-q'];

describe('edgewise quantize', () => {
  it('writes model.<mode>.onnx next to the input, prints JSON only with --json, refuses to overwrite without --force', async () => {
    const file = fixtureCopy();
    const r = await runCli([file, '--mode', 'dynamic', '--json', ...QUICK]);
    assert.equal(r.code, 0);
    const out = path.join(path.dirname(file), 'fmnist_cnn.dynamic.onnx');
    assert.ok(fs.existsSync(out));
    const json = JSON.parse(r.io.out.join(''));
    assert.equal(json.output, out);
    assert.equal(json.report.quantized.length, 2);
    assert.equal(json.fused.quantizedOps.DynamicQuantizeMatMul, 2);
    assert.ok(json.evaluation.synthetic);
    assert.ok(r.io.err.some((l) => /NO DATA GIVEN/.test(l)), 'random-data warning on stderr');
    const again = await runCli([file, '--mode', 'dynamic', ...QUICK]);
    assert.match((again.code as Error).message, /already exists; pass --force/);
    assert.equal((await runCli([file, '--mode', 'dynamic', '--force', ...QUICK])).code, 0);
  });

  it('--ort-check: never skips the ORT proof and says so on stdout, a bad value is a usage error', async () => {
    const file = fixtureCopy();
    const out = path.join(path.dirname(file), 'q.onnx');
    const r = await runCli([file, '--mode', 'dynamic', '--ort-check', 'never', '--out', out, ...QUICK]);
    assert.equal(r.code, 0, String(r.code));
    const text = r.io.out.join('\n');
    assert.match(text, new RegExp(`note: ORT load check skipped \\(--ort-check never\\): outputs not compared, fused ops and latency not measured; run \`edgewise bench ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` to check it`));
    assert.doesNotMatch(text, /ORT runs:|evaluation on/);
    const bad = await runCli([file, '--mode', 'dynamic', '--ort-check', 'sometimes', ...QUICK]);
    assert.equal((bad.code as { exitCode?: number }).exitCode, 2);
    assert.equal((bad.code as Error).message, "--ort-check must be auto, always or never, got 'sometimes'");
  });

  it('static with calibration data and labels reports accuracy before/after', async () => {
    const file = fixtureCopy();
    const dir = path.dirname(file);
    const labels = `${FIXTURES}/fmnist_train1k_labels.npy`;
    const r = await runCli([file, '--mode', 'static', '--calib', `${FIXTURES}/fmnist_train1k_u8.npy`, '--scale', '1/255', '--labels', labels,
      '--per-channel', '--calibration', 'percentile', '--out', path.join(dir, 'q.onnx'), '--json', ...QUICK]);
    assert.equal(r.code, 0, String(r.code));
    const json = JSON.parse(r.io.out.join(''));
    assert.equal(json.calibration.method, 'percentile');
    assert.ok(json.evaluation.accuracyBefore.top1 - json.evaluation.accuracyAfter.top1 <= 0.01);
    assert.equal(json.fused.share, 1);
  });

  it('bad input: missing output folder, wrong-shape data, no float weights, nothing to quantize, old opset', async () => {
    const file = fixtureCopy();
    const dir = path.dirname(file);
    const missing = await runCli([file, '--mode', 'fp16', '--out', path.join(dir, 'nope', 'x.onnx'), ...QUICK]);
    assert.match((missing.code as Error).message, /output folder .*nope' does not exist/);

    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, encodeNpy({ dtype: 'float32', shape: [2, 5], data: new Float32Array(10) }));
    const shape = await runCli([file, '--mode', 'static', '--calib', bad, ...QUICK]);
    assert.match((shape.code as Error).message, /bad\.npy: samples have shape \[5\]/);
    assert.ok(!fs.existsSync(path.join(dir, 'fmnist_cnn.static.onnx')));

    const noWeights = writeTemp(buildModel([makeNode('Relu', ['x'], ['y'])], [makeValueInfo('x', 'float32', [1, 4])], [makeValueInfo('y', 'float32', [1, 4])]), dir, 'relu.onnx');
    const nw = await runCli([noWeights, '--mode', 'int8-weights', ...QUICK]);
    assert.match((nw.code as Error).message, /no MatMul, Gemm or Conv with a constant float32 weight/);
    const nothing = await runCli([noWeights, '--mode', 'static', '--exclude-op', 'Relu', ...QUICK]);
    assert.match((nothing.code as Error).message, /nothing to quantize/);

    const old = writeTemp(buildModel(
      [makeNode('Conv', ['x', 'w'], ['c']), makeNode('Softmax', ['c'], ['y'])],
      [makeValueInfo('x', 'float32', [1, 1, 2, 2])], [makeValueInfo('y', 'float32', [1, 1, 2, 2])],
      [makeTensor('w', 'float32', [1, 1, 1, 1], Float32Array.of(1))], 11), dir, 'old.onnx');
    const op = await runCli([old, '--mode', 'static', '--per-channel', ...QUICK]);
    assert.match((op.code as Error).message, /opset 11 is below 13.*Softmax/);
  });

  it('a cancelled run leaves no output file (cancelled after the file was written, and before)', async () => {
    const file = fixtureCopy();
    const out = path.join(path.dirname(file), 'fmnist_cnn.static.onnx');
    const controller = new AbortController();
    const r = await runCli([file, '--mode', 'static', ...QUICK.filter((x) => x !== '-q')], controller, (m) => { if (/^comparing/.test(m)) controller.abort(); });
    assert.ok(r.io.progress.some((m) => /^writing/.test(m)), 'the file had been written');
    assert.match((r.code as Error).message, /cancelled; no output file/);
    assert.ok(!fs.existsSync(out));
    const early = new AbortController();
    early.abort();
    const r2 = await runCli([file, '--mode', 'static', ...QUICK], early);
    assert.match((r2.code as Error).message, /cancelled/);
    assert.ok(!fs.existsSync(out));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['fmnist_cnn.onnx']);
  });

  it('scales uint8 .npy data by 1/255 by default, like prune, analyze and recipes, and says so in --help', async function () {
    this.timeout(60000);
    const file = path.join(tempDir(), 'm.onnx');
    fs.copyFileSync(`${FIXTURES}/fmnist_mobilenet.onnx`, file);
    const top1 = async (...scale: string[]) => {
      const r = await runCli([file, '--mode', 'static', '--calib', `${FIXTURES}/fmnist_tune500_u8.npy`, '--eval', `${FIXTURES}/fmnist_test1k_u8.npy`,
        '--labels', `${FIXTURES}/fmnist_test1k_labels.npy`, '--per-channel', '--force', '--json', '--no-latency', '-q', ...scale]);
      assert.equal(r.code, 0, String(r.code));
      const e = JSON.parse(r.io.out.join('\n')).evaluation;
      return [e.accuracyBefore.top1, e.accuracyAfter.top1];
    };
    const byDefault = await top1();
    assert.ok(byDefault[0] > 0.85 && byDefault[1] > 0.85, `float and INT8 top-1 on 0..1 inputs: ${byDefault}`);
    assert.deepEqual(await top1('--scale', '1/255'), byDefault);
    const unscaled = await top1('--scale', '1');
    assert.ok(unscaled[0] < 0.6, `raw 0..255 inputs cost accuracy: ${unscaled}`);
    assert.match(quantize.usage, /--scale S +multiply values first \(default 1\/255 for uint8 \.npy data and images/);
  });
});
