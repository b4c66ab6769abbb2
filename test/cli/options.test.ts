import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { commands } from '../../src/cli/commands';
import { closest } from '../../src/cli/suggest';
import { ensureCliBuilt, runCli, type CliResult } from './run';

const MODEL = path.resolve('test/fixtures/fmnist_cnn.onnx');

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

  it('closest: prefixes and small typos, nothing for unrelated names', () => {
    assert.equal(closest('thread', ['runs', 'threads']), 'threads');
    assert.equal(closest('thraeds', ['runs', 'threads']), 'threads');
    assert.equal(closest('x', ['json', 'runs']), undefined);
    assert.equal(closest('calibrate', ['calib', 'calibration']), 'calibration');
  });
});
