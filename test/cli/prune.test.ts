import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, type CliIo } from '../../src/cli/command';
import { prune } from '../../src/cli/commands/prune';
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

  it('rejects bad arguments with one line and writes nothing, also when cancelled', async () => {
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'channel', '--sparsity', '0']), io().cli), /strictly between 0 and 1/);
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'fold', '--sparsity', '0.5']), io().cli), /--method must be/);
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'magnitude', '--sparsity', '0.5', '--exclude-node', 'nope']), io().cli), /no node is named 'nope'/);
    const c = new AbortController();
    c.abort();
    await assert.rejects(prune.run(parse(prune, [model, '--method', 'magnitude', '--sparsity', '0.5']), io(c.signal).cli), /cancelled/);
    assert.deepEqual(fs.readdirSync(dir), ['cnn.onnx'], 'no output and no temporary files');
  });
});
