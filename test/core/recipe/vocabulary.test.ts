import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PASS_OPTIONS } from '../../../src/core/recipe/schema';
import { quantize } from '../../../src/cli/commands/quantize';
import { prune } from '../../../src/cli/commands/prune';
import { DATA_OPTIONS } from '../../../src/cli/data-options';
import { runEvalJob } from '../../../src/core/jobs/eval';
import { FIXTURES } from '../../helpers/fmnist';

const CLI = [require.resolve('tsx/cli'), path.join(__dirname, '../../../src/cli/main.ts'), 'run'];
const fx = (f: string) => path.join(FIXTURES, f);
const camel = (flag: string) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * What a recipe gives once for all its passes (data, eval, output) instead of per step, what only
 * formats the CLI's output, and the CLI job's own checks after the pass (latency, the ORT check),
 * which a recipe's quantize pass does not run (passes.ts calls the pass itself, not the job).
 */
const RECIPE_WIDE = new Set(['calib', 'eval', 'labels', 'holdout', 'holdout-labels', 'out', 'force', 'json', 'no-latency', 'ort-check', 'no-group-eval', ...Object.keys(DATA_OPTIONS)]);
/** `quantize --max-accuracy-drop` is the recipe's `mixed-precision` pass. */
const MIXED = ['max-accuracy-drop', 'latency-aware', 'per-channel', 'activation-type'];

/** A recipe folder with the model and the test data beside it (recipes read only inside their folder). */
function workspace(recipe: string, ext = 'yaml'): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-vocab-'));
  fs.copyFileSync(fx('fmnist_mobilenet.onnx'), path.join(dir, 'm.onnx'));
  for (const f of ['fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy']) fs.copyFileSync(fx(f), path.join(dir, f));
  const file = path.join(dir, `edgewise.${ext}`);
  fs.writeFileSync(file, recipe);
  return { dir, file };
}

describe('recipe vocabulary: the CLI\'s options, one set of names', function () {
  this.timeout(120000);

  it('every option of `edgewise quantize` and `edgewise prune` is its pass\'s recipe option, camelCased, and no recipe option is unknown to the CLI', () => {
    for (const [cmd, pass] of [[quantize, 'quantize'], [prune, 'prune']] as const) {
      const cli = Object.keys(cmd.options).filter((k) => !RECIPE_WIDE.has(k) && !(pass === 'quantize' && MIXED.slice(0, 2).includes(k)));
      assert.deepEqual(cli.map(camel).sort(), Object.keys(PASS_OPTIONS[pass]).sort(), pass);
    }
    for (const flag of MIXED) assert.ok(PASS_OPTIONS['mixed-precision'][camel(flag)], flag);
    // The mixed-precision pass's node lists are quantize's; only an output-cosine budget is the recipe's own.
    const own = Object.keys(PASS_OPTIONS['mixed-precision']).filter((k) => !(kebab(k) in quantize.options));
    assert.deepEqual(own, ['minCosine']);
  });

  it('an unknown key fails the run with the bad-recipe code, naming the key at its line, before any pass runs or anything is written', () => {
    const { dir, file } = workspace('model: m.onnx\npasses:\n  - pass: quantize\n    options:\n      mode: dynamic\n      perChanel: true\n');
    try {
      const r = spawnSync(process.execPath, [...CLI, file], { encoding: 'utf8', timeout: 90000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /edgewise\.yaml:6:7: .*'quantize' has no option 'perChanel'; did you mean 'perChannel'\?/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['edgewise.yaml', 'fmnist_test1k_labels.npy', 'fmnist_test1k_u8.npy', 'm.onnx']);
      // An unknown top-level or data key fails the same way.
      fs.writeFileSync(file, `model: m.onnx\ndata:\n  inputs: fmnist_test1k_u8.npy\n  normalise: true\npasses:\n  - pass: quantize\n`);
      const d = spawnSync(process.execPath, [...CLI, file], { encoding: 'utf8', timeout: 90000 });
      assert.equal(d.status, 1, d.stderr);
      assert.match(d.stderr, /edgewise\.yaml:4:3: .*unknown property 'normalise'/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['edgewise.yaml', 'fmnist_test1k_labels.npy', 'fmnist_test1k_u8.npy', 'm.onnx']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('data: {mean, std} normalises like --mean/--std: the recipe\'s float top-1 is `eval`\'s with the same options', async () => {
    const data = (norm: string) => `{ inputs: fmnist_test1k_u8.npy, labels: fmnist_test1k_labels.npy, count: 300${norm} }`;
    const run = (norm: string) => {
      const { dir, file } = workspace(`model: m.onnx\ndata: ${data(norm)}\npasses: []\nbudgets: { maxAccuracyDrop: 0 }\n`);
      try {
        const r = spawnSync(process.execPath, [...CLI, file, '--dry-run', '--json'], { encoding: 'utf8', timeout: 90000 });
        // Normalised this way the model scores near chance: the accuracy budget then fails (exit 3) with the alarm.
        assert.ok(r.status === 0 || (r.status === 3 && /AT CHANCE LEVEL/.test(r.stderr)), r.stderr);
        return JSON.parse(r.stdout).measured.floatTop1 as number;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const evalTop1 = async (mean?: number[], std?: number[]) =>
      (await runEvalJob(fx('fmnist_mobilenet.onnx'), { data: fx('fmnist_test1k_u8.npy'), labels: fx('fmnist_test1k_labels.npy'), count: 300, mean, std })).accuracy!.top1 * 100;
    const plain = run(''), normalised = run(', mean: [0.5], std: [0.25]');
    assert.ok(Math.abs(plain - (await evalTop1())) < 1e-9, `${plain}`);
    assert.ok(Math.abs(normalised - (await evalTop1([0.5], [0.25]))) < 1e-9, `${normalised}`);
    assert.ok(Math.abs(plain - normalised) > 5, `normalising the inputs moves the top-1 (${plain}% vs ${normalised}%)`);
  });

  it('mean without std is an error at its line', () => {
    const { dir, file } = workspace(`model: m.onnx\ndata:\n  inputs: fmnist_test1k_u8.npy\n  mean: [0.5]\npasses: []\n`);
    try {
      const r = spawnSync(process.execPath, [...CLI, file, '--dry-run'], { encoding: 'utf8', timeout: 90000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /edgewise\.yaml:4:3: .*\$\.data\.mean: needs "std" too/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
