import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkBudgets, runRecipe, RecipeError } from '../../../src/core/recipe/run';
import { FIXTURES } from '../../helpers/fmnist';

function workspace(recipe: object): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-'));
  fs.copyFileSync(path.join(FIXTURES, 'fmnist_mobilenet.onnx'), path.join(dir, 'm.onnx'));
  const file = path.join(dir, 'edgewise.json');
  fs.writeFileSync(file, JSON.stringify(recipe, null, 2));
  return { dir, file };
}

const evalData = { inputs: path.join(FIXTURES, 'fmnist_test1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_test1k_labels.npy'), count: 200 };

describe('recipe/run', function () {
  this.timeout(30000);

  it('checks budgets on what it measured, and fails a budget it could not measure', () => {
    const checks = checkBudgets({ maxSizeBytes: 100, maxAccuracyDrop: 0.5, maxLatencyMs: 5 }, { sizeBytes: 120, floatTop1: 90, top1: 89.6 });
    assert.deepEqual(checks.map((c) => [c.budget, c.ok, c.measured]), [
      ['maxAccuracyDrop', true, 90 - 89.6], ['maxSizeBytes', false, 120], ['maxLatencyMs', false, null],
    ]);
  });

  it('runs a recipe, writes the result next to the model and measures the held-out accuracy', async () => {
    const { dir, file } = workspace({ model: 'm.onnx', eval: evalData, passes: [], budgets: { maxAccuracyDrop: 0.3, maxSizeBytes: 300000 } });
    try {
      // The eval data lives in the fixtures folder, outside the recipe's: refused unless allowed.
      await assert.rejects(runRecipe(file, { passes: {} }), /\$\.eval\.inputs: .* is an absolute path, outside the recipe's folder; edgewise run refuses it unless given --allow-outside/);
      const report = await runRecipe(file, { passes: {}, allowOutside: true });
      assert.equal(report.output, path.join(dir, 'm.edge.onnx'));
      assert.ok(fs.existsSync(report.output!));
      assert.equal(report.measured.top1, report.measured.floatTop1);
      assert.ok(report.ok);
      await assert.rejects(runRecipe(file, { passes: {}, allowOutside: true }), /exists/, 'an existing output is not overwritten without force');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a recipe naming a node the model lacks, with file:line:column', async () => {
    const { dir, file } = workspace({ model: 'm.onnx', passes: [], overrides: { '/features/features.0/Cnv': { precision: 'float' } } });
    try {
      await assert.rejects(runRecipe(file, { passes: {} }), (e: RecipeError) =>
        e instanceof RecipeError && /edgewise\.json:5:5: .*no node '\/features\/features\.0\/Cnv'; did you mean '\/features\/features\.0\/Conv'/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('edgewise run exits 3 when a budget breaks and 0 when all hold', () => {
    const { dir, file } = workspace({ model: 'm.onnx', passes: [], budgets: { maxSizeBytes: 270000 } });
    try {
      const cli = (...extra: string[]) => spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '../../../src/cli/main.ts'), 'run', file, ...extra], { encoding: 'utf8' });
      const broken = cli('--dry-run');
      assert.equal(broken.status, 3, broken.stderr);
      assert.match(broken.stdout, /BROKEN model size 271 KiB breaks the budget of 264 KiB/);
      fs.writeFileSync(file, JSON.stringify({ model: 'm.onnx', passes: [], budgets: { maxSizeBytes: 300000 } }));
      const ok = cli('--dry-run', '--json');
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).ok, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
