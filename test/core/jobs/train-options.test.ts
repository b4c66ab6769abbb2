import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runTrainJob, TrainError } from '../../../src/core/jobs/train';
import { FIXTURES } from '../../helpers/fmnist';

// The job checks its numbers itself (worker requests and recipes do not pass through the CLI's parser).
describe('jobs/train: numeric options', () => {
  const model = path.join(FIXTURES, 'fmnist_cnn.onnx');
  const base = { kind: 'finetune' as const, data: path.join(FIXTURES, 'fmnist_train1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_train1k_labels.npy') };
  for (const [options, message] of [
    [{ epochs: 0 }, '--epochs must be a whole number from 1 to 1000000, got 0'],
    [{ batchSize: 2.5 }, '--batch-size must be a whole number from 1 to 65536, got 2.5'],
    [{ lr: Number.NaN }, '--lr must be a number above 0 and at most 1000, got NaN'],
    [{ momentum: 1 }, '--momentum must be a number from 0 to 0.9999, got 1'],
    [{ kind: 'distill' as const, teacher: model, alpha: 2 }, '--alpha must be a number from 0 to 1, got 2'],
  ] as const) {
    it(`refuses ${JSON.stringify(options)} before any work`, async () => {
      await assert.rejects(runTrainJob(model, { ...base, ...options }), (e: Error) => e instanceof TrainError && e.message === message);
    });
  }
});
