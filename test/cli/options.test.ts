import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCommands } from '../../src/cli/commands';

const commands = loadCommands();
import { closest } from '../../src/cli/suggest';
import { DATA_OPTIONS } from '../../src/cli/data-options';
import { ensureCliBuilt, runCli, type CliResult } from './run';

const MODEL = path.resolve('test/fixtures/fmnist_cnn.onnx');
const DATA = path.resolve('test/fixtures/fmnist_train1k_u8.npy');

/** A usage mistake: exit 2, nothing on stdout, exactly `line` on stderr. */
function assertUsage(r: CliResult, line: string): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${line}\n`);
}

describe('CLI options', function () {
  this.timeout(120_000);
  before(ensureCliBuilt);

  it('every command names an unknown option in one line and exits 2', () => {
    for (const c of commands) assertUsage(runCli([c.name, MODEL, '--no-such-option']), `edgewise ${c.name}: unknown option --no-such-option`);
  });

  it('suggests the closest option', () => {
    assertUsage(runCli(['bench', MODEL, '--thread', '2']), 'edgewise bench: unknown option --thread (did you mean --threads?)');
    assertUsage(runCli(['prune', MODEL, '--sparsty', '0.5']), 'edgewise prune: unknown option --sparsty (did you mean --sparsity?)');
    assertUsage(runCli(['eval', MODEL, '--lables', 'y.npy']), 'edgewise eval: unknown option --lables (did you mean --labels?)');
    assertUsage(runCli(['bench', MODEL, '-x']), 'edgewise bench: unknown option -x');
  });

  it('a missing value, or a value given to a flag, is named', () => {
    assertUsage(runCli(['bench', MODEL, '--runs']), 'edgewise bench: --runs needs a value');
    assertUsage(runCli(['eval', MODEL, '--data', '--labels', 'y.npy']), 'edgewise eval: --data needs a value (got the option --labels)');
    assertUsage(runCli(['bench', MODEL, '--json=yes']), "edgewise bench: --json takes no value, got 'yes'");
  });

  it('negative numbers are values, not options', () => {
    const r = runCli(['eval', MODEL, '--samples', '2', '--mean', '-0.5', '--std', '2']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('every command that reads data takes the same data options, and documents each one it takes', () => {
    const readers = commands.filter((c) => 'scale' in c.options);
    assert.deepEqual(readers.map((c) => c.name).sort(), ['analyze', 'bench', 'compare', 'distill', 'eval', 'export', 'finetune', 'fl', 'prune', 'quantize']);
    for (const c of readers) {
      // A federated client trains on all of its data: no --count there.
      for (const k of ['scale', 'mean', 'std', 'layout', ...(c.name === 'fl' ? [] : ['count'])]) assert.ok(k in c.options, `${c.name} takes --${k}`);
      for (const k of Object.keys(DATA_OPTIONS)) {
        if (k in c.options) assert.match(c.usage, new RegExp(`--${k}\\b`), `${c.name} --help documents --${k}`);
      }
    }
  });

  it('--mean without --std is a usage error on every command that reads data', () => {
    const cases: [string, ...string[]][] = [
      ['eval', MODEL], ['quantize', MODEL, '--mode', 'dynamic'], ['compare', MODEL, MODEL], ['analyze', MODEL, MODEL, '--data', DATA],
      ['export', MODEL], ['prune', MODEL, '--method', 'magnitude', '--sparsity', '0.5'], ['finetune', MODEL, '--data', DATA, '--labels', DATA],
      ['distill', MODEL, '--teacher', MODEL, '--data', DATA], ['bench', MODEL, '--check', DATA],
    ];
    for (const [name, ...args] of cases) {
      assertUsage(runCli([name, ...args, '--mean', '0.5']), `edgewise ${name}: --mean needs --std (give both: one value, or one per channel)`);
    }
  });

  it("bench --check reads its data with the shared options (--count, --mean/--std)", () => {
    const r = runCli(['bench', MODEL, '--runs', '2', '--warmup', '0', '--check', DATA, '--count', '20', '--mean', '0.5', '--std', '0.5', '--json'], 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).outputCheck.samples, 20);
    assertUsage(runCli(['bench', MODEL, '--count', '20']), 'edgewise bench: --count is for the data of --check; give --check DATA.npy');
  });

  it('closest: prefixes and small typos, nothing for unrelated names', () => {
    assert.equal(closest('thread', ['runs', 'threads']), 'threads');
    assert.equal(closest('thraeds', ['runs', 'threads']), 'threads');
    assert.equal(closest('x', ['json', 'runs']), undefined);
    assert.equal(closest('calibrate', ['calib', 'calibration']), 'calibration');
  });
});
