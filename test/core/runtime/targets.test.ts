import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_TARGETS, checkBudgets, findTarget, loadTargets, tflmTarget, type Target } from '../../../src/core/runtime/targets';
import { latencyStats } from '../../../src/core/runtime/stats';
import type { BenchmarkResult } from '../../../src/core/runtime/types';

const MiB = 1024 * 1024;

function result(over: Partial<BenchmarkResult>): BenchmarkResult {
  return {
    model: '/m.onnx', modelBytes: 20 * MiB, threads: 1, optLevel: 'all', executionProviders: ['cpu'], spinning: false,
    ortVersion: '1.30.0', machine: { cpuModel: 'x', cores: 2, totalMemBytes: 1, platform: 'linux', arch: 'x64', nodeVersion: '20' },
    inputs: [], warnings: [], warmup: 0, initMs: 1, firstRunMs: 1, latency: latencyStats([10, 20, 30, 200]),
    peakRssBytes: 300 * MiB, rssAfterLoadBytes: 250 * MiB, rssBaselineBytes: 50 * MiB, ...over,
  };
}

describe('runtime/targets', () => {
  it('lists local-cpu first and finds targets by name, user targets before built-ins', () => {
    assert.equal(BUILTIN_TARGETS[0].name, 'local-cpu');
    const mine: Target = { name: 'local-cpu', description: 'mine', threads: 2 };
    assert.equal(findTarget('local-cpu', [mine]).threads, 2);
    assert.throws(() => findTarget('pi-zero'), /unknown target 'pi-zero' \(known: local-cpu, local-cpu-all, local, qemu-arm64, edge-small, cortex-m4-256k\)/);
  });

  it('lists every budget a result breaks, and none when it fits', () => {
    const edge = findTarget('edge-small');
    const breaks = checkBudgets(result({}), edge);
    assert.deepEqual(breaks.map((b) => b.budget), ['ram', 'latency', 'storage']);
    assert.equal(breaks[0].message, 'peak RAM 300 MiB is over the edge-small budget of 256 MiB');
    assert.equal(breaks[1].measured, result({}).latency.p95Ms);
    assert.match(breaks[1].message, /^p95 latency 174 ms at 1 thread\(s\) is over the edge-small budget of 100 ms$/);
    assert.deepEqual(checkBudgets(result({ peakRssBytes: 100 * MiB, modelBytes: MiB, latency: latencyStats([5, 6]) }), edge), []);
    assert.deepEqual(checkBudgets(result({}), findTarget('local-cpu')), []);
  });

  it('reads targets from JSON and rejects malformed ones with the file named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-targets-'));
    try {
      const file = path.join(dir, 't.json');
      fs.writeFileSync(file, JSON.stringify([{ name: 'tight', latencyBudgetMs: 0.001, latencyMetric: 'p50' }]));
      assert.deepEqual(loadTargets(file), [{ name: 'tight', description: '', latencyBudgetMs: 0.001, latencyMetric: 'p50' }]);
      fs.writeFileSync(file, JSON.stringify([{ name: 'bad', ramBudgetBytes: -1 }]));
      assert.throws(() => loadTargets(file), /t\.json: target 'bad': "ramBudgetBytes" must be a positive number/);
      fs.writeFileSync(file, JSON.stringify([{ name: 'm', arenaBytes: 1024, mcuKernels: 'cmsis' }]));
      assert.throws(() => loadTargets(file), /t\.json: target 'm': "mcuKernels" must be "reference" or "cmsis-nn"/);
      fs.writeFileSync(file, '{');
      assert.throws(() => loadTargets(file), /t\.json: not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runtime/targets: microcontroller budgets (flash, TFLite Micro arena)', () => {
  const tflite = (name: string) => path.resolve(__dirname, '../../fixtures/tflite', name);

  it('cortex-m4-256k: person_detect (294 KiB, ~80 KiB arena) fits; a 64 KiB arena does not, naming the largest live set', () => {
    const m4 = findTarget('cortex-m4-256k');
    assert.deepEqual([m4.arenaBytes, m4.flashBytes, tflmTarget(m4)], [256 * 1024, MiB, { pointerBytes: 4, kernels: 'cmsis-nn' }]);
    const r = result({ model: tflite('person_detect.tflite'), modelBytes: fs.statSync(tflite('person_detect.tflite')).size });
    assert.deepEqual(checkBudgets(r, m4), []);
    const small: Target = { name: 'm0', description: '', arenaBytes: 64 * 1024, flashBytes: 256 * 1024 };
    const breaks = checkBudgets(r, small);
    assert.deepEqual(breaks.map((b) => b.budget), ['flash', 'arena']);
    assert.match(breaks[1].message, /arena ~79\.9 KiB is over the m0 budget of 64 KiB; largest live set 54 KiB at op 2 \(CONV_2D\)/);
  });

  it('an ONNX model breaks an arena budget: it has to be exported to run on TFLite Micro', () => {
    const [b] = checkBudgets(result({ model: path.resolve(__dirname, '../../fixtures/fmnist_cnn.onnx'), modelBytes: 1000 }), findTarget('cortex-m4-256k'));
    assert.equal(b.budget, 'arena');
    assert.match(b.message, /export this model first/);
  });
});
