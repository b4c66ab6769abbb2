import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError } from '../../../src/core/jobs/job';
import { runMixedPrecisionJob } from '../../../src/core/jobs/mixed-precision';
import { FIXTURES } from '../../helpers/fmnist';

const fx = (f: string) => path.join(FIXTURES, f);

describe('jobs/mixed-precision', function () {
  this.timeout(60000);

  it('is cancellable mid-search: CancelledError, and nothing written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-mixed-cancel-'));
    try {
      const c = new AbortController();
      const seen: string[] = [];
      const job = runMixedPrecisionJob(fx('fmnist_mobilenet.onnx'), {
        maxDrop: 0, evalData: fx('fmnist_tune500_u8.npy'), labels: fx('fmnist_tune500_labels.npy'), out: path.join(dir, 'mixed.onnx'),
        signal: c.signal, progress: (m) => { seen.push(m); if (m.startsWith('sensitivity')) c.abort(); },
      });
      await assert.rejects(job, CancelledError);
      assert.ok(seen.some((m) => m.startsWith('sensitivity')), seen.join('; '));
      assert.ok(!seen.some((m) => m.startsWith('writing')), seen.join('; '));
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks its output before any work', async () => {
    const model = fx('fmnist_mobilenet.onnx');
    await assert.rejects(runMixedPrecisionJob(model, { maxDrop: 1, evalData: fx('fmnist_tune500_u8.npy'), labels: fx('fmnist_tune500_labels.npy'), out: model }),
      /is the input model/);
  });
});
