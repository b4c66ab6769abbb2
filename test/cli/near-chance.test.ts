import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli } from './run';
import { FIXTURES } from '../helpers/fmnist';

/**
 * Issue 13, "never a confident answer on garbage": the Fashion-MNIST CNN fed pixels with a mean of
 * 100 subtracted (a normalization that is not the one it was trained with) scores ~10% top-1,
 * what guessing scores with 10 classes. Every command that reports accuracy says so, loudly,
 * naming the options that fix it; an accuracy budget fails (exit 3) instead of passing.
 */
describe('cli: the near-chance alarm on every command that reports accuracy', function () {
  this.timeout(120_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-chance-'));
  const model = path.join(tmp, 'm.onnx');
  const data = path.join(FIXTURES, 'fmnist_test1k_u8.npy');
  const labels = path.join(FIXTURES, 'fmnist_test1k_labels.npy');
  const GARBAGE = ['--mean', '100', '--std', '1'];
  const ALARM = /WARNING: AT CHANCE LEVEL: .* scores top-1 \d+\.\d% on 1,000 labelled samples, where guessing scores 10\.0% with 10 classes/;
  const FIXES = [/--scale/, /--mean and --std/, /--layout/, /channel order/];
  const assertAlarm = (stderr: string) => {
    assert.match(stderr, ALARM);
    for (const fix of FIXES) assert.match(stderr, fix);
  };

  before(() => {
    ensureCliBuilt();
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('eval: with the data prepared wrongly, and not with it prepared right', () => {
    const bad = runCli(['eval', model, '--data', data, '--labels', labels, ...GARBAGE]);
    assert.equal(bad.code, 0, bad.stderr);
    assertAlarm(bad.stderr);
    const json = runCli(['eval', model, '--data', data, '--labels', labels, ...GARBAGE, '--json']);
    assertAlarm(json.stderr);
    assert.ok(JSON.parse(json.stdout).accuracy.nearChance.classes === 10);
    const good = runCli(['eval', model, '--data', data, '--labels', labels]);
    assert.doesNotMatch(good.stderr, /CHANCE/);
  });

  it('compare, quantize, prune and analyze', () => {
    const compare = runCli(['compare', model, model, '--data', data, '--labels', labels, ...GARBAGE, '--no-latency']);
    assert.equal(compare.code, 0, compare.stderr);
    assertAlarm(compare.stderr);
    const q = path.join(tmp, 'm.int8.onnx');
    const quantize = runCli(['quantize', model, '--mode', 'static', '--calib', data, '--labels', labels, ...GARBAGE, '--no-latency', '--out', q]);
    assert.equal(quantize.code, 0, quantize.stderr);
    assertAlarm(quantize.stderr);
    const prune = runCli(['prune', model, '--method', 'magnitude', '--sparsity', '0.5', '--eval', data, '--labels', labels, ...GARBAGE, '--out', path.join(tmp, 'p.onnx')]);
    assert.equal(prune.code, 0, prune.stderr);
    assertAlarm(prune.stderr);
    const analyze = runCli(['analyze', model, q, '--data', data, '--labels', labels, ...GARBAGE]);
    assert.equal(analyze.code, 0, analyze.stderr);
    assertAlarm(analyze.stderr);
    assert.match(analyze.stdout, /^error: \(model\): WARNING: AT CHANCE LEVEL/m, 'a model-wide finding for the Problems panel too');
  });

  it('an accuracy budget on such data fails with exit 3: quantize --max-accuracy-drop and a recipe', () => {
    const mixed = runCli(['quantize', model, '--max-accuracy-drop', '1', '--eval', data, '--labels', labels, ...GARBAGE, '--no-latency', '--out', path.join(tmp, 'mp.onnx')]);
    assert.equal(mixed.code, 3, mixed.stderr);
    assertAlarm(mixed.stderr);
    assert.match(mixed.stdout, /tuning top-1 .* NOT MEANINGFUL, the float model is at chance/);

    const dir = fs.mkdtempSync(path.join(tmp, 'recipe-'));
    fs.copyFileSync(model, path.join(dir, 'm.onnx'));
    fs.copyFileSync(data, path.join(dir, 'x.npy'));
    fs.copyFileSync(labels, path.join(dir, 'y.npy'));
    const recipe = (extra: object) => {
      fs.writeFileSync(path.join(dir, 'edgewise.json'), JSON.stringify({
        model: 'm.onnx', data: { inputs: 'x.npy', labels: 'y.npy', ...extra },
        passes: [{ pass: 'quantize', options: { mode: 'dynamic' } }], budgets: { maxAccuracyDrop: 1 },
      }));
      return runCli(['run', path.join(dir, 'edgewise.json'), '--dry-run']);
    };
    const broken = recipe({ mean: [100], std: [1] });
    assert.equal(broken.code, 3, broken.stderr);
    assertAlarm(broken.stderr);
    assert.match(broken.stdout, /BROKEN top-1 drop: the float model is at chance level on this data \(top-1 \d+\.\d%, 10 classes: guessing scores 10\.0%\)/);
    const fine = recipe({ scale: 1 / 255 });
    assert.equal(fine.code, 0, fine.stdout + fine.stderr);
    assert.doesNotMatch(fine.stderr, /CHANCE/);
  });
});
