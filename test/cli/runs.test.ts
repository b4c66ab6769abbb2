import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, ensureCliBuilt } from './run';
import { FIXTURES, tempDir } from '../helpers/onnx-models';
import { compareRuns } from '../../src/core/jobs/runs/compare';
import type { RunRecord } from '../../src/core/jobs/runs/types';

/** `edgewise ARGS` in `cwd` with the runs root left to the CLI's own rules. */
function cli(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, EDGEWISE_DEBUG: '' };
  delete env.EDGEWISE_RUNS_ROOT;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('edgewise runs', () => {
  before(ensureCliBuilt);

  it('records the CLI\'s jobs in the working folder, lists, shows and compares them with the Pareto front marked', () => {
    const dir = tempDir();
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), path.join(dir, 'cnn.onnx'));
    const data = ['--calib', path.join(FIXTURES, 'fmnist_train1k_u8.npy'), '--labels', path.join(FIXTURES, 'fmnist_train1k_labels.npy'), '--scale', '1/255', '--no-latency', '-q'];
    assert.equal(cli(['quantize', 'cnn.onnx', '--mode', 'fp16', ...data], dir).code, 0);
    assert.equal(cli(['quantize', 'cnn.onnx', '--mode', 'static', ...data], dir).code, 0);
    const list = cli(['runs', 'list', '--json'], dir);
    assert.equal(list.code, 0, list.stderr);
    const records = JSON.parse(list.stdout) as RunRecord[];
    assert.deepEqual(records.map((r) => [r.kind, r.options.mode, r.outputs[0].path]), [['quantize', 'static', 'cnn.static.onnx'], ['quantize', 'fp16', 'cnn.fp16.onnx']]);
    assert.ok(fs.existsSync(path.join(dir, '.edgewise', 'runs', `${records[0].id}.json`)));

    const text = cli(['runs', 'list'], dir).stdout;
    assert.match(text, /RUN\s+JOB\s+STATUS\s+MODEL\s+SIZE/);
    assert.match(text, new RegExp(`${records[1].id}\\s+quantize\\s+ok\\s+cnn\\.fp16\\.onnx`));

    const show = cli(['runs', 'show', records[0].id.slice(0, 20)], dir);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /run .*: quantize, ok/);
    assert.match(show.stdout, new RegExp(`input\\s+cnn\\.onnx .*sha256 ${records[0].inputs[0].sha256.slice(0, 16)}`));
    assert.match(show.stdout, /figures: size .*top-1 \d+\.\d\d%/);

    const cmp = cli(['runs', 'compare', records[0].id, records[1].id, '--json'], dir);
    assert.equal(cmp.code, 0, cmp.stderr);
    const c = JSON.parse(cmp.stdout);
    assert.deepEqual(c.axes, ['sizeBytes', 'accuracy']);
    assert.deepEqual(c.front, compareRuns(records).front);
    const table = cli(['runs', 'compare', records[0].id, 'latest'], dir);
    assert.match(table.stdout, /Pareto front of size, top-1 accuracy/);

    const bad = cli(['runs', 'show', 'nope'], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no run 'nope' in .*\.edgewise\/runs/);
    assert.equal(cli(['runs', 'frobnicate'], dir).code, 2);
  });

  it('marks the runs no other beats on every shared axis', () => {
    const run = (id: string, metrics: RunRecord['metrics']) => ({ id, metrics } as RunRecord);
    const c = compareRuns([
      run('small-slow', { sizeBytes: 1, p50Ms: 9, accuracy: 90 }),
      run('big-fast', { sizeBytes: 9, p50Ms: 1, accuracy: 90 }),
      run('dominated', { sizeBytes: 9, p50Ms: 9, accuracy: 89 }),
      run('tie', { sizeBytes: 1, p50Ms: 9, accuracy: 90 }),
    ]);
    assert.deepEqual(c.axes, ['sizeBytes', 'p50Ms', 'accuracy']);
    assert.deepEqual(c.front, ['small-slow', 'big-fast', 'tie']);
    const noShared = compareRuns([run('a', { sizeBytes: 1 }), run('b', { p50Ms: 1 })]);
    assert.deepEqual([noShared.axes, noShared.front], [[], ['a', 'b']]);
  });
});
