/**
 * The emulated ARM64 device (qemu-user running the arm64 builds of Node and onnxruntime-node), on
 * this machine and over SSH: the static INT8 sample gives the same top-1 answers on arm64 as on x64.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_JOB } from '../../../../src/core/runtime/benchmark';
import { runFleet } from '../../../../src/core/runtime/devices/fleet';
import { openDevice } from '../../../../src/core/runtime/devices/open';
import { ARM64_SYSROOT, QEMU_AARCH64 } from '../../../../src/core/runtime/devices/qemu';
import { runOnDevice } from '../../../../src/core/runtime/devices/remote-bench';
import { setupDevice } from '../../../../src/core/runtime/devices/setup';
import { findTarget, type Target } from '../../../../src/core/runtime/targets';
import { startSshd, type TestSshd } from '../../../helpers/sshd';
import { processesIn, useTestCache } from './device-helpers';

const FIXTURES = path.resolve(__dirname, '../../../fixtures');
const INT8 = path.join(FIXTURES, 'fmnist_mobilenet.int8.onnx');
const DATA = path.join(FIXTURES, 'fmnist_test1k_u8.npy');

/** The emulator is part of every test run: its absence fails the tests (never a silent skip). */
function requireQemu(): void {
  if (!fs.existsSync(`/usr/bin/${QEMU_AARCH64}`)) throw new Error(`${QEMU_AARCH64} is not installed: apt-get install qemu-user-static (.ci/run installs it)`);
  if (!fs.existsSync(`${ARM64_SYSROOT}/lib/ld-linux-aarch64.so.1`)) throw new Error('the arm64 libc is missing: apt-get install libc6-arm64-cross libstdc++6-arm64-cross (.ci/run installs them)');
}

describe('the emulated ARM64 device (qemu-user)', function () {
  this.timeout(600_000);

  before(() => {
    requireQemu();
    useTestCache();
  });

  it('runs the static INT8 sample on arm64 with the same top-1 answers as x64, emulated and never budgeted', async () => {
    const qemu = findTarget('qemu-arm64');
    const device = openDevice(qemu)!;
    const setup = await setupDevice(device);
    device.close();
    assert.equal(setup.arch, 'arm64');
    assert.equal(setup.facts.machine.arch, 'arm64');
    assert.deepEqual(setup.facts.machine.int8Features, ['asimd', 'asimddp']);

    const budgeted: Target = { ...qemu, latencyBudgetMs: 0.001, latencyMetric: 'p50' };
    const report = await runFleet([findTarget('local'), budgeted], {
      ...DEFAULT_JOB, model: INT8, runs: 5, warmup: 1, outputCheck: { data: DATA, count: 200 },
    }, () => [1]);
    const [x64, arm64] = report.entries;
    assert.equal(x64.error, undefined);
    assert.equal(arm64.error, undefined, arm64.error?.message);
    assert.equal(arm64.results[0].machine.arch, 'arm64');
    assert.deepEqual(arm64.results[0].device, { target: 'qemu-arm64', address: 'this machine', emulated: true });
    // The emulated latency breaks that budget a thousand times over, and is not held against it.
    assert.deepEqual(arm64.budgetBreaks, []);
    assert.equal(report.verdict, 'pass');
    assert.equal(report.slowest, 'local');
    assert.equal(arm64.agreement?.samples, 200);
    assert.ok(arm64.agreement!.share >= 0.99, `top-1 agreement ${arm64.agreement!.share}`);
    const kernels = arm64.results[0].outputCheck!.kernels.map((k) => k.op);
    assert.ok(kernels.includes('com.microsoft.QLinearConv'), kernels.join(', '));
    console.log(`      top-1 agreement x64/arm64: ${(arm64.agreement!.share * 100).toFixed(1)}% of ${arm64.agreement!.samples}; ` +
      `arm64 kernels: ${arm64.results[0].outputCheck!.kernels.map((k) => `${k.op} x${k.count}`).join(', ')}`);
    assert.deepEqual(processesIn(device.description.dir), []);
  });

  describe('over SSH', () => {
    let s: TestSshd | undefined;
    before(async () => {
      s = await startSshd();
    });
    after(async () => { await s?.stop(); });

    it('an SSH device with runtime qemu-arm64 installs the arm64 builds and runs them under qemu there', async () => {
      const target: Target = { name: 'pi-emulated', description: '', ssh: s!.url, identity: s!.identity, knownHosts: s!.knownHosts, remoteDir: s!.deviceDir, runtime: 'qemu-arm64' };
      const device = openDevice(target)!;
      try {
        const setup = await setupDevice(device);
        assert.equal(setup.emulated, true);
        assert.ok(fs.existsSync(path.join(s!.deviceDir, 'node', `${setup.facts.machine.nodeVersion}-linux-arm64`)));
        const r = await runOnDevice(device, { ...DEFAULT_JOB, model: INT8, runs: 3, warmup: 0, outputCheck: { data: DATA, count: 50 } });
        assert.equal(r.machine.arch, 'arm64');
        assert.equal(r.device?.emulated, true);
        assert.equal(r.outputCheck?.top1.length, 50);
        assert.deepEqual(processesIn(s!.deviceDir), []);
      } finally {
        device.close();
      }
    });
  });
});
