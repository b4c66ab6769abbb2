import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runQuantizeJob } from '../../../src/core/jobs/quantize';
import { listRuns } from '../../../src/core/jobs/runs/store';
import { recipeFromRun, rerun } from '../../../src/core/recipe/rerun';
import { validateRecipe } from '../../../src/core/recipe/validate';
import { FIXTURES, tempDir } from '../../helpers/onnx-models';

describe('recipe/rerun: acting on a recorded run', () => {
  const saved = process.env.EDGEWISE_RUNS_ROOT;
  afterEach(() => { process.env.EDGEWISE_RUNS_ROOT = saved; });

  it('re-runs a job with its recorded inputs and options into a new output, and makes a valid recipe from it', async () => {
    const dir = tempDir();
    process.env.EDGEWISE_RUNS_ROOT = dir;
    const model = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_train1k_u8.npy'), path.join(dir, 'calib.npy'));
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_train1k_labels.npy'), path.join(dir, 'labels.npy'));
    // Relative paths, as a CLI user in another folder types them: the record keeps what to find them by.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await runQuantizeJob('cnn.onnx', { mode: 'static', calib: 'calib.npy', labels: 'labels.npy', perChannel: true, skipLatency: true, skipFused: true, preprocess: { scale: 1 / 255 } });
    } finally {
      process.chdir(cwd);
    }
    const [first] = listRuns(dir).records;
    const again = await rerun(dir, first, {});
    assert.equal(again.output, path.join(dir, 'cnn.static.2.onnx'));
    assert.ok(fs.existsSync(again.output!));
    const [second] = listRuns(dir).records;
    assert.notEqual(second.id, first.id);
    assert.deepEqual(second.inputs.map((f) => [f.role, f.sha256]), first.inputs.map((f) => [f.role, f.sha256]), 'the same files, by content');
    assert.equal(second.options.perChannel, true);
    assert.equal(second.outputs[0].sha256, first.outputs[0].sha256, 'static INT8 is deterministic: the same bytes again');

    const text = recipeFromRun(dir, first, dir)!;
    const checked = validateRecipe(text.replace(/^\/\/.*\n/, ''), undefined, 'json');
    assert.deepEqual(checked.problems.filter((p) => p.severity === 'error'), []);
    const recipe = checked.recipe!;
    assert.equal(recipe.model, 'cnn.onnx');
    assert.deepEqual(recipe.data, { inputs: 'calib.npy', labels: 'labels.npy', scale: 1 / 255 });
    assert.deepEqual(recipe.passes, [{ pass: 'quantize', options: { mode: 'static', perChannel: true } }]);
    assert.ok(recipe.budgets!.maxSizeBytes! >= first.metrics.sizeBytes!);
  });
});
