import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateRecipe } from '../../../src/core/recipe/validate';
import { planArena } from '../../../src/core/formats/tflite/arena';
import { loadTflite } from '../../../src/core/formats/tflite/model';
import { FIXTURES } from '../../helpers/fmnist';

const data = { inputs: path.join(FIXTURES, 'fmnist_tune500_u8.npy'), labels: path.join(FIXTURES, 'fmnist_tune500_labels.npy') };
const errors = (recipe: object) => validateRecipe(JSON.stringify(recipe, null, 2)).problems.filter((p) => p.severity === 'error').map((p) => p.message);

describe('recipe export pass: a .tflite with flash and TFLite Micro arena budgets', function () {
  this.timeout(240000);

  it('validation: export is the last pass, int8 needs data, flash/arena budgets need an export, output is .tflite', () => {
    assert.deepEqual(errors({ model: 'm.onnx', data, passes: [{ pass: 'export', options: { quantize: 'int8', dims: { N: 1 } } }], budgets: { maxArenaBytes: 65536, maxFlashBytes: 1 << 20 } }), []);
    const e = errors({
      model: 'm.onnx', output: 'm.onnx',
      passes: [{ pass: 'export', options: { quantize: 'int8', int8Io: true } }, { pass: 'prune' }],
      budgets: { maxRamBytes: 1e6 },
    });
    assert.ok(e.some((m) => /export writes the \.tflite, so it must be the last pass/.test(m)), e.join('\n'));
    assert.ok(e.some((m) => /calibrates on the recipe's "data"/.test(m)), e.join('\n'));
    assert.ok(e.some((m) => /an export pass writes a \.tflite file, not 'm\.onnx'/.test(m)), e.join('\n'));
    assert.ok(e.some((m) => /maxRamBytes.*use "maxArenaBytes"/.test(m)), e.join('\n'));
    const noExport = errors({ model: 'm.onnx', passes: [{ pass: 'prune' }], budgets: { maxArenaBytes: 1000 } });
    assert.match(noExport.join('\n'), /\$\.budgets\.maxArenaBytes: flash and arena budgets are checked on a TFLite export/);
    assert.match(errors({ model: 'm.onnx', passes: [{ pass: 'export', options: { quantize: 'int4' } }] }).join('\n'), /quantize/);
  });

  it('edgewise run: prune, then export int8 (calibrated on data.count samples, checked on all of eval); accuracy against the float model in TFLite, arena over budget exits 3', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-export-'));
    try {
      for (const f of ['fmnist_cnn.onnx', 'fmnist_tune500_u8.npy', 'fmnist_tune500_labels.npy']) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f === 'fmnist_cnn.onnx' ? 'm.onnx' : f));
      const file = path.join(dir, 'edgewise.json');
      fs.writeFileSync(file, JSON.stringify({
        model: 'm.onnx', target: 'cortex-m4-256k',
        data: { inputs: 'fmnist_tune500_u8.npy', labels: 'fmnist_tune500_labels.npy', count: 64 },
        eval: { inputs: 'fmnist_tune500_u8.npy', labels: 'fmnist_tune500_labels.npy' },
        passes: [{ pass: 'prune', options: { sparsity: 0.3 } }, { pass: 'export', options: { quantize: 'int8', dims: { N: 1 } } }],
        budgets: { maxAccuracyDrop: 2, maxArenaBytes: 4096 },
      }));
      const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '../../../src/cli/main.ts'), 'run', file, '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 3, r.stderr);
      const report = JSON.parse(r.stdout);
      const out = path.join(dir, 'm.edge.tflite');
      assert.equal(report.output, out);
      assert.deepEqual(report.passes.map((p: { pass: string }) => p.pass), ['prune', 'export']);
      const exported = report.passes[1].report;
      assert.equal(exported.mode, 'int8');
      assert.ok(exported.verification.passed);
      // Each data section is read with its own options: the calibration takes data's count, the check all of eval.
      assert.equal(exported.calibration.samples, 64);
      assert.equal(exported.verification.samples, 500);
      // The export is checked against the pruned model it was made from, the budgets against the float model.
      assert.ok(exported.reference && exported.reference.outputs[0].cosine < 1);
      const m = report.measured;
      assert.equal(m.flashBytes, fs.statSync(out).size);
      assert.equal(m.arenaBytes, planArena(loadTflite(out), { pointerBytes: 4, kernels: 'cmsis-nn' }).arenaBytes);
      assert.ok(m.floatTop1 > 70 && Math.abs(m.floatTop1 - m.top1) < 2, JSON.stringify(m));
      const checks = Object.fromEntries(report.budgets.map((c: { budget: string; ok: boolean; limit: number }) => [c.budget, [c.ok, c.limit]]));
      // The target adds its 1 MiB flash; the recipe's arena budget is tighter than the target's 256 KiB.
      assert.deepEqual(checks, { maxAccuracyDrop: [true, 2], maxFlashBytes: [true, 1 << 20], maxArenaBytes: [false, 4096] });
      assert.equal(fs.existsSync(path.join(dir, 'm.edge.onnx')), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
