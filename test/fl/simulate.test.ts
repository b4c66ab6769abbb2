import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../src/core/formats/onnx/io';
import { modelWeights } from '../../src/fl/weights';
import { runFlSimulateJob } from '../../src/core/jobs/fl-simulate';
import { loadLabels } from '../../src/core/runtime/data-labels';
import { parsePartition, partition, sampleClients } from '../../src/fl/partition';
import { FIXTURES, tempDir } from '../helpers/onnx-models';

const LABELS = loadLabels(path.join(FIXTURES, 'fmnist_train1k_labels.npy'));

function classesPerClient(parts: Int32Array[]): number[] {
  return parts.map((p) => new Set(Array.from(p, (i) => LABELS[i])).size);
}

describe('client partitions', () => {
  it('cover every sample exactly once, the same for the same seed', () => {
    for (const spec of ['iid', 'dirichlet:0.3', 'shards:2']) {
      const parts = partition(LABELS, 10, parsePartition(spec), 5);
      const all = parts.flatMap((p) => Array.from(p)).sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: LABELS.length }, (_, i) => i), spec);
      assert.deepEqual(partition(LABELS, 10, parsePartition(spec), 5), parts, `${spec} is seeded`);
    }
  });

  it('iid gives equal parts of all classes; shards:2 two classes or so each; Dirichlet(0.3) skews classes and sizes', () => {
    const iid = partition(LABELS, 10, { kind: 'iid' }, 1);
    assert.ok(iid.every((p) => p.length === 100));
    assert.ok(classesPerClient(iid).every((c) => c >= 8));
    const shards = partition(LABELS, 10, { kind: 'shards', perClient: 2 }, 1);
    assert.ok(classesPerClient(shards).every((c) => c <= 4), `${classesPerClient(shards)}`);
    const dir = partition(LABELS, 10, { kind: 'dirichlet', alpha: 0.3 }, 1);
    const sizes = dir.map((p) => p.length);
    assert.ok(Math.max(...sizes) > 2 * Math.min(...sizes), `sizes ${sizes}`);
    const mean = classesPerClient(dir).reduce((a, b) => a + b) / 10;
    assert.ok(mean < 8, `Dirichlet(0.3) clients see ${mean} classes on average`);
    assert.ok(dir.every((p) => p.length >= 2));
  });

  it('refuses bad specs and samples K distinct clients per round', () => {
    assert.throws(() => parsePartition('dirichlet:0'), /dirichlet:ALPHA/);
    assert.throws(() => parsePartition('shards:1.5'), /shards:S/);
    const s = sampleClients(20, 5, 3);
    assert.equal(new Set(s).size, 5);
    assert.ok(s.every((k) => k >= 0 && k < 20));
    assert.notDeepEqual(sampleClients(20, 5, 4), s);
  });
});

describe('fl simulate', function () {
  this.timeout(240_000);
  it('runs rounds with clients in child processes over HTTP, evaluating the global model after each', async () => {
    const dir = tempDir();
    try {
      const lines: string[] = [];
      const r = await runFlSimulateJob(path.join(FIXTURES, 'fmnist_cnn.onnx'), {
        data: path.join(FIXTURES, 'fmnist_train1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_train1k_labels.npy'),
        valData: path.join(FIXTURES, 'fmnist_test1k_u8.npy'), valLabels: path.join(FIXTURES, 'fmnist_test1k_labels.npy'),
        clients: 5, clientsPerRound: 3, partition: 'iid', rounds: 2, lr: 0.01, outDir: path.join(dir, 'sim'), parallel: 2, encoding: 'int8',
        log: (l) => lines.push(l),
      });
      assert.deepEqual(r.clientSizes, [200, 200, 200, 200, 200]);
      assert.deepEqual(r.rounds.map((m) => [m.round, m.clients, m.samples, m.participants.length]), [[1, 3, 600, 3], [2, 3, 600, 3]]);
      assert.ok(r.initialValTop1! > 0.7 && r.rounds.every((m) => m.valTop1! > 0.7), `top-1 ${r.initialValTop1} -> ${r.rounds.map((m) => m.valTop1)}`);
      assert.ok(fs.existsSync(r.finalModel) && fs.existsSync(path.join(dir, 'sim', 'round-2.onnx')));
      assert.ok(r.rounds.every((m) => m.uploadBytes < 300_000), 'int8 deltas');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs double-masked secure aggregation with real clients: the same model as plain FedAvg of the same round to 1e-6', async () => {
    const dir = tempDir();
    try {
      const base = {
        data: path.join(FIXTURES, 'fmnist_train1k_u8.npy'), labels: path.join(FIXTURES, 'fmnist_train1k_labels.npy'),
        clients: 4, clientsPerRound: 3, partition: 'iid', rounds: 1, lr: 0.01, parallel: 3, seed: 5,
      };
      const lines: string[] = [];
      const secure = await runFlSimulateJob(path.join(FIXTURES, 'fmnist_cnn.onnx'), { ...base, outDir: path.join(dir, 'secure'), secureAggregation: true, log: (l) => lines.push(l) });
      const plain = await runFlSimulateJob(path.join(FIXTURES, 'fmnist_cnn.onnx'), { ...base, outDir: path.join(dir, 'plain') });
      assert.deepEqual(secure.rounds[0].participants, plain.rounds[0].participants);
      const a = modelWeights(loadModel(secure.finalModel));
      const b = modelWeights(loadModel(plain.finalModel));
      let diff = 0;
      a.forEach((t, k) => t.values.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - b[k].values[i])); }));
      assert.ok(diff <= 1e-6, `max difference ${diff}`);
      assert.ok(secure.rounds[0].uploadBytes > 1.9 * plain.rounds[0].uploadBytes, `ring64 uploads: 8 bytes a value (${secure.rounds[0].uploadBytes} vs ${plain.rounds[0].uploadBytes} B)`);
      assert.match(lines.join('\n'), /sent its shares to open the sum/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
