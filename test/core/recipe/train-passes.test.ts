import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RECIPE_PASSES } from '../../../src/core/recipe/passes';
import { runRecipe } from '../../../src/core/recipe/run';
import { FIXTURES } from '../../helpers/fmnist';

describe('recipe: prune -> distill -> quantize -> budgets', function () {
  this.timeout(180000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-train-'));
    // A recipe reads files inside its own folder only.
    for (const f of ['fmnist_cnn.onnx', 'fmnist_train1k_u8.npy', 'fmnist_train1k_labels.npy', 'fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy']) {
      fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f === 'fmnist_cnn.onnx' ? 'cnn.onnx' : f));
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const data = { inputs: 'fmnist_train1k_u8.npy', labels: 'fmnist_train1k_labels.npy' };
  const evalData = { inputs: 'fmnist_test1k_u8.npy', labels: 'fmnist_test1k_labels.npy' };
  const recipe = (name: string, passes: object[], budgets: object) => {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ model: 'cnn.onnx', output: `${name}.onnx`, data, eval: evalData, passes, budgets }, null, 2));
    return file;
  };
  const prune = { pass: 'prune', options: { method: 'channel', sparsity: 0.3 } };
  const quantize = { pass: 'quantize', options: { mode: 'static', perChannel: true } };

  it('distillation (teacher: the recipe\'s own model) recovers what pruning cost, and the budgets are checked on the result', async () => {
    const pruned = await runRecipe(recipe('pruned', [prune, quantize], { maxAccuracyDrop: 100 }), { passes: RECIPE_PASSES });
    const distilled = await runRecipe(recipe('distilled', [prune, { pass: 'distill', options: { epochs: 2, temperature: 4, alpha: 0.7 } }, quantize], { maxAccuracyDrop: 5 }), { passes: RECIPE_PASSES });
    assert.deepEqual(distilled.passes.map((p) => p.pass), ['prune', 'distill', 'quantize']);
    const drop = (r: typeof pruned) => r.measured.floatTop1! - r.measured.top1!;
    assert.ok(drop(distilled) < drop(pruned) - 2, `top-1 drop: pruned ${drop(pruned).toFixed(1)}, pruned + distilled ${drop(distilled).toFixed(1)} points`);
    assert.equal(distilled.budgets[0].budget, 'maxAccuracyDrop');
    assert.equal(distilled.budgets[0].ok, drop(distilled) <= 5);
    const report = distilled.passes[1].report as { epochs: { loss: number }[]; loss: { kind: string } };
    assert.equal(report.loss.kind, 'distill');
    assert.equal(report.epochs.length, 2);
  });

  it('finetune with qat after quantize; training needs labelled data', async () => {
    const qat = await runRecipe(recipe('qat', [quantize, { pass: 'finetune', options: { qat: true, lr: 1e-4 } }], {}), { passes: RECIPE_PASSES });
    assert.equal(qat.passes[1].pass, 'finetune');
    const file = path.join(dir, 'nolabels.json');
    fs.writeFileSync(file, JSON.stringify({ model: 'cnn.onnx', output: 'nolabels.onnx', data: { inputs: data.inputs }, passes: [{ pass: 'finetune' }] }));
    await assert.rejects(runRecipe(file, { passes: RECIPE_PASSES }), /pass 1 \(finetune\): training needs labelled data/);
  });
});
