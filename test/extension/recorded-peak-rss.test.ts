/**
 * The inspector's measured peak RSS for a model not benchmarked in this window comes from its
 * newest recorded benchmark (a real bench job's record), and only while the model is the one measured.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBenchJob } from '../../src/core/jobs/bench';
import { listRuns } from '../../src/core/jobs/runs/store';
import { recordedPeakRss } from '../../src/extension/recorded-peak-rss';
import { FIXTURES, tempDir } from '../helpers/onnx-models';

describe('recorded peak RSS (extension/recorded-peak-rss)', function () {
  this.timeout(60000);
  const saved = process.env.EDGEWISE_RUNS_ROOT;
  afterEach(() => { process.env.EDGEWISE_RUNS_ROOT = saved; });

  it('gives the newest recorded benchmark of the same content, and nothing once the file changed or for another file', async () => {
    const dir = tempDir();
    const model = path.join(dir, 'models', 'cnn.onnx');
    const other = path.join(dir, 'models', 'other.onnx');
    fs.mkdirSync(path.dirname(model));
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), other);
    process.env.EDGEWISE_RUNS_ROOT = dir;
    await runBenchJob(model, { runs: 10, warmup: 1 });
    const newest = await runBenchJob(model, { runs: 10, warmup: 1 });
    const runs = listRuns(dir).records.map((record) => ({ root: dir, record }));
    assert.equal(runs.length, 2);

    const peak = await recordedPeakRss(runs, model);
    assert.equal(peak?.bytes, newest.results[0].peakRssBytes);
    assert.match(peak!.how, new RegExp(`^recorded benchmark of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC on local \\(run ${runs[0].record.id}\\)$`));
    assert.equal(await recordedPeakRss(runs, other), undefined, 'the same bytes at another path were not benchmarked there');

    // A model saved since: the figure was measured on other content.
    const bytes = fs.readFileSync(model);
    fs.writeFileSync(model, Buffer.concat([bytes, Buffer.from([0])]));
    assert.equal(await recordedPeakRss(runs, model), undefined);
    assert.equal(await recordedPeakRss(runs, path.join(dir, 'missing.onnx')), undefined);
  });
});
