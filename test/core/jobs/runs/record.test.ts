import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runQuantizeJob } from '../../../../src/core/jobs/quantize';
import { runBenchJob } from '../../../../src/core/jobs/bench';
import { runPruneJob } from '../../../../src/core/jobs/prune';
import { runRecipe } from '../../../../src/core/recipe/run';
import { RECIPE_PASSES } from '../../../../src/core/recipe/passes';
import { listRuns, runsRootFor, RUNS_DIR } from '../../../../src/core/jobs/runs/store';
import { FIXTURES, tempDir } from '../../../helpers/onnx-models';

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A workspace with a copy of the fixture CNN and the records going to it. */
function workspace(): { dir: string; model: string } {
  const dir = tempDir();
  const model = path.join(dir, 'models', 'cnn.onnx');
  fs.mkdirSync(path.dirname(model));
  fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
  return { dir, model };
}

describe('run records (jobs/runs)', () => {
  const saved = process.env.EDGEWISE_RUNS_ROOT;
  afterEach(() => { process.env.EDGEWISE_RUNS_ROOT = saved; });

  it('a quantize job records its inputs and outputs with content hashes, options, figures, machine and duration', async () => {
    const { dir, model } = workspace();
    process.env.EDGEWISE_RUNS_ROOT = dir;
    const calib = path.join(FIXTURES, 'fmnist_train1k_u8.npy');
    const labels = path.join(FIXTURES, 'fmnist_train1k_labels.npy');
    const r = await runQuantizeJob(model, { mode: 'static', calib, labels, preprocess: { scale: 1 / 255 }, skipFused: true });
    const { records, unreadable } = listRuns(dir);
    assert.equal(unreadable.length, 0);
    assert.equal(records.length, 1);
    const rec = records[0];
    assert.equal(rec.kind, 'quantize');
    assert.equal(rec.status, 'ok');
    assert.equal(rec.input, 'models/cnn.onnx', 'paths inside the root are stored relative to it');
    assert.deepEqual(rec.inputs.map((f) => f.role), ['input', 'calib', 'labels']);
    assert.equal(rec.inputs[0].sha256, sha256(model));
    assert.equal(rec.inputs[1].sha256, sha256(calib));
    assert.equal(rec.inputs[1].path, calib, 'a file outside the root keeps its absolute path');
    assert.equal(rec.outputs.length, 1);
    assert.equal(rec.outputs[0].path, 'models/cnn.static.onnx');
    assert.equal(rec.outputs[0].sha256, sha256(r.output));
    assert.equal(rec.outputs[0].bytes, fs.statSync(r.output).size);
    assert.equal(rec.metrics.sizeBytes, r.fileBytesAfter);
    assert.equal(rec.metrics.accuracy, 100 * r.evaluation!.accuracyAfter!.top1);
    assert.ok(rec.metrics.accuracy! > 50, `top-1 ${rec.metrics.accuracy}`);
    assert.equal(rec.metrics.agreement, 100 * r.evaluation!.outputs[0].top1Agreement);
    assert.ok(rec.metrics.p50Ms! > 0);
    assert.equal(rec.options.mode, 'static');
    assert.equal(rec.options.calib, calib);
    assert.ok(rec.durationMs > 0 && rec.machine.cores > 0 && rec.machine.host);
    assert.equal(rec.target, 'local');
    // One file per run, named by its id, with no temporaries left beside it.
    assert.deepEqual(fs.readdirSync(path.join(dir, RUNS_DIR)), [`${rec.id}.json`]);
  });

  it('a bench job records p50, p95 and peak RSS; a failed job records why; a cancelled one says so', async () => {
    const { dir, model } = workspace();
    process.env.EDGEWISE_RUNS_ROOT = dir;
    const b = await runBenchJob(model, { runs: 20, warmup: 2 });
    await assert.rejects(runPruneJob(path.join(dir, 'missing.onnx'), { method: 'magnitude', sparsity: 0.5 }));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runBenchJob(model, { runs: 20, signal: controller.signal }));
    const [cancelled, failed, bench] = listRuns(dir).records;
    assert.equal(bench.kind, 'bench');
    assert.equal(bench.metrics.p50Ms, b.results[0].latency.p50Ms);
    assert.equal(bench.metrics.p95Ms, b.results[0].latency.p95Ms);
    assert.equal(bench.metrics.peakRssBytes, b.results[0].peakRssBytes);
    assert.equal(failed.kind, 'prune');
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!, /missing\.onnx/);
    assert.deepEqual(failed.inputs, [], 'a missing input has no hash');
    assert.equal(cancelled.status, 'cancelled');
  });

  it('a recipe run is one record: the jobs it runs inside leave none of their own', async () => {
    const { dir, model } = workspace();
    process.env.EDGEWISE_RUNS_ROOT = dir;
    const recipe = path.join(path.dirname(model), 'edgewise.json');
    fs.writeFileSync(recipe, JSON.stringify({ model: 'cnn.onnx', passes: [{ pass: 'quantize', options: { mode: 'dynamic' } }], budgets: { maxSizeBytes: 10_000_000 } }));
    const report = await runRecipe(recipe, { passes: RECIPE_PASSES });
    const { records } = listRuns(dir);
    assert.deepEqual(records.map((r) => r.kind), ['recipe']);
    assert.equal(records[0].metrics.sizeBytes, report.measured.sizeBytes);
    assert.deepEqual(records[0].budgets, [{ name: 'maxSizeBytes', ok: true, message: report.budgets[0].message }]);
    assert.equal(records[0].outputs[0].sha256, sha256(report.output!));
  });

  it('the runs root: EDGEWISE_RUNS_ROOT, else the nearest .edgewise above the model, then above the working folder, else the working folder', () => {
    const dir = tempDir();
    const deep = path.join(dir, 'a', 'b');
    fs.mkdirSync(deep, { recursive: true });
    const cwd = path.join(dir, 'work');
    fs.mkdirSync(cwd);
    assert.equal(runsRootFor(path.join(deep, 'm.onnx'), { EDGEWISE_RUNS_ROOT: 'off' }, cwd), undefined);
    assert.equal(runsRootFor(path.join(deep, 'm.onnx'), { EDGEWISE_RUNS_ROOT: dir }, cwd), dir);
    assert.equal(runsRootFor(path.join(deep, 'm.onnx'), {}, cwd), cwd);
    fs.mkdirSync(path.join(dir, '.edgewise'));
    assert.equal(runsRootFor(path.join(deep, 'm.onnx'), {}, '/'), dir);
    fs.mkdirSync(path.join(dir, 'a', '.edgewise'));
    assert.equal(runsRootFor(path.join(deep, 'm.onnx'), {}, '/'), path.join(dir, 'a'));
    assert.equal(runsRootFor(undefined, {}, cwd), dir, 'the working folder\'s nearest .edgewise');
  });
});
