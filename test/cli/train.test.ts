import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, type CliIo } from '../../src/cli/command';
import { distill } from '../../src/cli/commands/distill';
import { finetune } from '../../src/cli/commands/finetune';
import { prune } from '../../src/cli/commands/prune';
import { loadModel } from '../../src/core/formats/onnx/io';
import { encodeNpy } from '../../src/core/runtime/npy';
import { loadDataset } from '../../src/core/runtime/data';
import { loadLabels } from '../../src/core/runtime/data-labels';
import { TrainingSession } from '../../src/core/runtime/training-session';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/formats/onnx/build';
import { encodeModelProto } from '../../src/core/formats/onnx/codec';
import { buildModel } from '../helpers/onnx-models';
import { FIXTURES, tempDir } from '../helpers/onnx-models';
import { CLI, ensureCliBuilt, runCli } from './run';

function io(signal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), progress: (t) => err.push(t), signal };
  return { cli, out, err };
}

const DATA = ['--data', path.join(FIXTURES, 'fmnist_train1k_u8.npy'), '--labels', path.join(FIXTURES, 'fmnist_train1k_labels.npy')];
const VAL = ['--val-data', path.join(FIXTURES, 'fmnist_test1k_u8.npy'), '--val-labels', path.join(FIXTURES, 'fmnist_test1k_labels.npy')];

/** Initializer bytes by name, to compare trained models exactly. */
function weights(file: string): Map<string, string> {
  const m = loadModel(file);
  return new Map(m.graph.proto.initializer.map((t) => [t.name, Buffer.from(m.rawBytes(t)).toString('base64')]));
}

describe('cli finetune / distill', function () {
  this.timeout(180000);
  let dir: string;
  let student: string;
  let teacher: string;
  before(async () => {
    ensureCliBuilt();
    dir = tempDir();
    teacher = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), teacher);
    assert.equal(await prune.run(parse(prune, [teacher, '--method', 'channel', '--sparsity', '0.3']), io().cli), 0);
    student = path.join(dir, 'cnn.pruned.onnx');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fine-tunes the pruned CNN: validation top-1 goes up, JSON report per epoch, output beside the input', async () => {
    const a = io();
    assert.equal(await finetune.run(parse(finetune, [student, ...DATA, ...VAL, '--epochs', '2', '--batch-size', '64', '--json']), a.cli), 0);
    const r = JSON.parse(a.out.join(''));
    assert.equal(r.output, path.join(dir, 'cnn.pruned.finetuned.onnx'));
    assert.equal(r.epochs.length, 2);
    for (const e of r.epochs) {
      assert.ok(e.imagesPerSecond > 0 && e.seconds > 0 && e.loss > 0 && e.trainTop1 > 0.5, JSON.stringify(e));
    }
    assert.ok(r.epochs[1].valTop1 > r.valTop1Before + 0.05, `validation top-1 ${r.valTop1Before} -> ${r.epochs[1].valTop1}`);
    assert.ok(!fs.existsSync(`${r.output}.ckpt`), 'the checkpoint goes once the output is written');
    await assert.rejects(finetune.run(parse(finetune, [student, ...DATA]), io().cli), /already exists; pass --force/);
    fs.rmSync(r.output);
  });

  it('one epoch of full-batch SGD is exactly one gradient step (w - lr * mean gradient)', async () => {
    const out = path.join(dir, 'step.onnx');
    const args = [student, ...DATA, '--batch-size', '1000', '--optimizer', 'sgd', '--momentum', '0', '--lr', '0.5', '--out', out];
    assert.equal(await finetune.run(parse(finetune, args), io().cli), 0);
    const model = loadModel(student);
    const s = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
    const data = await loadDataset(model, DATA[1], { batch: 1000 });
    await s.computeGradients({ inputs: data.batch(0, 1000), labels: loadLabels(DATA[3], 1000) });
    const trained = loadModel(out);
    s.parameters.forEach((p, i) => {
      const got = trained.tensorData(trained.graph.initializers().get(p.name)!) as Float32Array;
      let worst = 0;
      for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k] - (p.values[k] - 0.5 * s.gradients[i][k])));
      assert.ok(worst < 1e-6, `${p.name}: differs from one full-batch step by ${worst}`);
    });
    await s.release();
  });

  it('distills the unpruned teacher into the pruned student; a teacher with other classes is refused before training', async () => {
    const a = io();
    assert.equal(await distill.run(parse(distill, [student, '--teacher', teacher, ...DATA, ...VAL, '--temperature', '4', '--alpha', '0.7', '--batch-size', '64', '--json']), a.cli), 0);
    const r = JSON.parse(a.out.join(''));
    assert.equal(r.output, path.join(dir, 'cnn.pruned.distilled.onnx'));
    assert.deepEqual(r.loss, { kind: 'distill', temperature: 4, alpha: 0.7 });
    assert.ok(r.epochs[0].valTop1 > r.valTop1Before, `${r.valTop1Before} -> ${r.epochs[0].valTop1}`);
    const fiveClasses = path.join(dir, 'five.onnx');
    fs.writeFileSync(fiveClasses, encodeModelProto(buildModel(
      [makeNode('Flatten', ['input'], ['f']), makeNode('Gemm', ['f', 'w'], ['logits'], { transB: 1 })],
      [makeValueInfo('input', 'float32', ['N', 1, 28, 28])], [makeValueInfo('logits', 'float32', ['N', 5])],
      [makeTensor('w', 'float32', [5, 784], new Float32Array(5 * 784))],
    ).proto));
    await assert.rejects(distill.run(parse(distill, [student, '--teacher', fiveClasses, ...DATA, '--out', path.join(dir, 'x.onnx')]), io().cli),
      /five\.onnx: the teacher's output 'logits' is \[N, 5\], the student's .* is \[N, 10\]/);
  });

  it('quantization-aware training of the static INT8 MobileNet writes a QDQ model with the same nodes', async () => {
    const int8 = path.join(dir, 'mobilenet.int8.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_mobilenet.int8.onnx'), int8);
    const a = io();
    assert.equal(await finetune.run(parse(finetune, [int8, '--qat', '--data', path.join(FIXTURES, 'fmnist_tune500_u8.npy'), '--labels', path.join(FIXTURES, 'fmnist_tune500_labels.npy'), '--json']), a.cli), 0);
    const r = JSON.parse(a.out.join(''));
    assert.equal(r.qat, true);
    const before = loadModel(int8);
    const after = loadModel(r.output);
    assert.deepEqual(after.graph.nodes.map((n) => n.opType), before.graph.nodes.map((n) => n.opType));
    assert.ok(after.graph.proto.initializer.some((t) => t.dataType === 3), 'int8 weights');
  });

  it('bad input fails before training with one line naming the problem, and leaves no output', async () => {
    const write = (name: string, model: ReturnType<typeof buildModel>) => { fs.writeFileSync(path.join(dir, name), encodeModelProto(model.proto)); return path.join(dir, name); };
    const input = [makeValueInfo('input', 'float32', ['N', 1, 28, 28])];
    const w = makeTensor('w', 'float32', [10, 784], new Float32Array(7840).fill(0.01));
    const noLogits = write('grid.onnx', buildModel(
      [makeNode('Flatten', ['input'], ['f']), makeNode('Gemm', ['f', 'w'], ['g'], { transB: 1 }), makeNode('Reshape', ['g', 's'], ['out'])],
      input, [makeValueInfo('out', 'float32', ['N', 2, 5])], [w, makeTensor('s', 'int64', [3], BigInt64Array.of(-1n, 2n, 5n))],
    ));
    const sine = write('sine.onnx', buildModel(
      [makeNode('Flatten', ['input'], ['f']), makeNode('Gemm', ['f', 'w'], ['g'], { transB: 1 }), makeNode('Sin', ['g'], ['logits'], {}, 'wave')],
      input, [makeValueInfo('logits', 'float32', ['N', 10])], [w],
    ));
    const labels = path.join(dir, 'short_labels.npy');
    fs.writeFileSync(labels, encodeNpy({ dtype: 'int64', shape: [10], data: new BigInt64Array(10) }));
    const cases: [string[], RegExp][] = [
      [[student, '--data', DATA[1], '--labels', labels], /short_labels\.npy: has 10 labels for 1000 samples/],
      [[student, ...DATA, '--out', path.join(dir, 'missing', 'x.onnx')], /the output folder .* does not exist/],
      [[student, ...DATA, '--out', student], /is the input model/],
      [[student, ...DATA, '--lr', '0'], /--lr must be a number above 0 and at most 1000, got '0'/],
      [[student, ...DATA, '--optimizer', 'rmsprop'], /--optimizer must be sgd, adam, adamw/],
      [[student, ...DATA, '--resume', '--out', path.join(dir, 'never.onnx')], /no checkpoint to resume from/],
      [[student, ...DATA, '--qat', '--out', path.join(dir, 'q.onnx')], /needs a QDQ model/],
      [[noLogits, ...DATA], /no float output of shape \[N, C\].*out \[N, 2, 5\].*--loss mse/],
      [[sine, ...DATA], /node 'wave' \(Sin\) has no gradient.*'w'/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['finetune', ...args]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr.trim().split('\n').pop()!, message);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'cnn.pruned.finetuned.onnx')), 'no output');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.ckpt')), [], 'no temporary file, no checkpoint');
  });

  it('a diverging run stops naming the step, keeps the last good checkpoint and writes no output', () => {
    const out = path.join(dir, 'diverge.onnx');
    const r = runCli(['finetune', student, ...DATA, '--optimizer', 'sgd', '--lr', '1000', '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /(the loss is (NaN|Infinity|-Infinity)|the gradient of '[^']+' is not finite) at epoch 1, step \d+ of 32 .*try a lower --lr/);
    assert.ok(!fs.existsSync(out));
  });

  it('Ctrl-C keeps the last checkpoint; --resume continues to the same weights as an uninterrupted run', async () => {
    const args = [student, ...DATA, '--epochs', '3', '--batch-size', '50', '--seed', '7'];
    const whole = path.join(dir, 'whole.onnx');
    assert.equal(runCli(['finetune', ...args, '--out', whole], 120_000).code, 0);
    const again = path.join(dir, 'again.onnx');
    assert.equal(runCli(['finetune', ...args, '--out', again], 120_000).code, 0);
    assert.deepEqual(weights(again), weights(whole), 'one thread and a fixed seed: bit-identical runs');

    const out = path.join(dir, 'interrupted.onnx');
    const child = spawn(process.execPath, [CLI, 'finetune', ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/epoch 1: loss/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    assert.equal(code, 130, stderr);
    assert.ok(fs.existsSync(`${out}.ckpt`), 'the checkpoint of the finished epoch is kept');
    assert.ok(!fs.existsSync(out), 'no output after Ctrl-C');
    assert.match(runCli(['finetune', ...args, '--out', out]).stderr, /pass --resume to continue it or --force/);
    const resumed = runCli(['finetune', ...args, '--out', out, '--resume', '--json'], 120_000);
    assert.equal(resumed.code, 0, resumed.stderr);
    const report = JSON.parse(resumed.stdout);
    assert.equal(report.epochs.length, 3);
    assert.ok(report.resumedEpochs >= 1);
    assert.deepEqual(weights(out), weights(whole), 'resumed training ends with the uninterrupted weights');
  });
});
