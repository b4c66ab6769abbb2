import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, type CliIo } from '../../src/cli/command';
import { prune } from '../../src/cli/commands/prune';
import { encodeNpy, readNpy } from '../../src/core/runtime/npy';
import { FIXTURES } from '../core/passes/prune/helpers';

function io(signal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), progress: (t) => err.push(t), signal };
  return { cli, out, err };
}

describe('cli prune', () => {
  let dir: string;
  let model: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-prune-'));
    model = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes model.pruned.onnx beside the input, prints JSON, and refuses to overwrite without --force', async () => {
    const a = io();
    const args = ['--method', 'channel', '--sparsity', '0.3', '--json',
      '--eval', path.join(FIXTURES, 'fmnist_train1k_u8.npy'), '--labels', path.join(FIXTURES, 'fmnist_train1k_labels.npy')];
    assert.equal(await prune.run(parse(prune, [model, ...args]), a.cli), 0);
    const result = JSON.parse(a.out.join(''));
    assert.equal(result.output, path.join(dir, 'cnn.pruned.onnx'));
    assert.ok(fs.statSync(result.output).size < fs.statSync(model).size * 0.6);
    assert.ok(result.evaluation.top1Before > 0.8 && result.evaluation.top1After > 0.1);
    assert.equal(result.evaluation.perGroup.length, 3);
    await assert.rejects(prune.run(parse(prune, [model, ...args]), io().cli), /already exists; pass --force/);
    assert.equal(await prune.run(parse(prune, [model, ...args, '--force']), io().cli), 0);
  });

  it('takes the shared data options: uint8 .npy defaults to 1/255, float .npy and text labels with --scale agree', async () => {
    const u8 = path.join(FIXTURES, 'fmnist_train1k_u8.npy');
    const x = readNpy(u8);
    const f32 = path.join(dir, 'x.npy');
    fs.writeFileSync(f32, encodeNpy({ dtype: 'float32', shape: x.shape, data: Float32Array.from(x.data as Uint8Array) }));
    const labels = path.join(dir, 'y.txt');
    fs.writeFileSync(labels, Array.from(readNpy(path.join(FIXTURES, 'fmnist_train1k_labels.npy')).data as BigInt64Array, String).join('\n'));
    const top1 = async (extra: string[]) => {
      const a = io();
      assert.equal(await prune.run(parse(prune, [model, '--method', 'magnitude', '--sparsity', '0.5', '--json', '--force', '--labels', labels, ...extra]), a.cli), 0);
      return JSON.parse(a.out.join('')).evaluation;
    };
    const byDefault = await top1(['--eval', u8]);
    assert.ok(byDefault.top1Before > 0.8, `top-1 ${byDefault.top1Before}`);
    assert.equal(byDefault.samples, 1000);
    assert.deepEqual(await top1(['--eval', f32, '--scale', '1/255', '--batch', '64']), byDefault);
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'magnitude', '--sparsity', '0.5', '--eval', u8, '--labels', labels, '--scale', 'x']), io().cli), /--scale must be a number/);
  });

  it('rejects bad arguments with one line and writes nothing, also when cancelled', async () => {
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'channel', '--sparsity', '0']), io().cli), /--sparsity must be a number above 0 and at most 0.999999, got '0'/);
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'fold', '--sparsity', '0.5']), io().cli), /--method must be/);
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'magnitude', '--sparsity', '0.5', '--exclude-node', 'nope']), io().cli), /no node is named 'nope'/);
    const c = new AbortController();
    c.abort();
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'magnitude', '--sparsity', '0.5']), io(c.signal).cli), /cancelled/);
    assert.deepEqual(fs.readdirSync(dir), ['cnn.onnx'], 'no output and no temporary files');
  });
});
