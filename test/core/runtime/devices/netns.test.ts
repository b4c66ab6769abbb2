/**
 * A device at its own network address: a real sshd inside a network namespace made by the test,
 * reached over a veth link (not loopback). Benchmarks end to end through it, and the faults only a
 * real link has: a device that drops off the network mid-run (no reset, packets just vanish) and
 * an address where no host answers.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DEFAULT_JOB } from '../../../../src/core/runtime/benchmark';
import { DeviceError } from '../../../../src/core/runtime/devices/errors';
import { openDevice } from '../../../../src/core/runtime/devices/open';
import { runOnDevice } from '../../../../src/core/runtime/devices/remote-bench';
import { setupDevice } from '../../../../src/core/runtime/devices/setup';
import type { Target } from '../../../../src/core/runtime/targets';
import { makeNetns, type TestNetns } from '../../../helpers/netns';
import { startSshd, type TestSshd } from '../../../helpers/sshd';
import { processesIn, useTestCache } from './device-helpers';

const MODEL = path.resolve(__dirname, '../../../fixtures/fmnist_cnn.onnx');

describe('a device in a network namespace (real sshd behind a veth link)', function () {
  this.timeout(300_000);
  let ns: TestNetns;
  let s: TestSshd;
  const target = (): Target => ({ name: 'netdev', description: '', ssh: s.url, identity: s.identity, knownHosts: s.knownHosts, remoteDir: s.deviceDir });

  before(async () => {
    useTestCache();
    ns = makeNetns();
    s = await startSshd({ netns: ns });
  });
  after(async () => {
    await s?.stop();
    ns?.remove();
  });

  it('sets up and benchmarks end to end at the device\'s own address', async () => {
    const device = openDevice(target())!;
    try {
      await setupDevice(device);
      const r = await runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 20, warmup: 2 });
      assert.equal(r.device?.address, `ssh://${s.user}@${ns.deviceIp}`);
      assert.equal(r.latency.samplesMs.length, 20);
      assert.ok(r.latency.p50Ms > 0 && r.initMs > 0);
    } finally {
      device.close();
    }
  });

  it('a device that drops off the network mid-run: a clean lost-connection error, and the run there ends by itself when the heartbeats stop', async () => {
    const device = openDevice(target())!;
    let t0 = 0;
    try {
      const err = await runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 1_000_000, warmup: 0 }, {
        onProgress: (p) => {
          if (p.phase === 'runs' && !t0) {
            t0 = Date.now();
            ns.link('down');
          }
        },
      }).then(() => undefined, (e: Error) => e);
      assert.ok(err instanceof DeviceError && err.kind === 'lost', String(err));
      assert.match(err.message, new RegExp(`netdev \\(ssh://.*@${ns.deviceIp.replace(/\./g, '\\.')}\\): the connection was lost during runs`));
      // ssh2's keepalive: 3 unanswered probes 5 s apart.
      assert.ok(Date.now() - t0 < 30_000, `${Date.now() - t0} ms`);
      // No close reaches the device: the harness ends itself 20 s after the last heartbeat (child-channel.ts).
      const deadline = Date.now() + 30_000;
      while (processesIn(s.deviceDir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      assert.deepEqual(processesIn(s.deviceDir), []);
    } finally {
      ns.link('up');
      device.close();
    }
    // The link back: the next run connects again.
    const again = openDevice(target())!;
    try {
      const r = await runOnDevice(again, { ...DEFAULT_JOB, model: MODEL, runs: 5, warmup: 0 });
      assert.ok(r.latency.p50Ms > 0);
    } finally {
      again.close();
    }
  });

  it('an address on the link where no host answers: unreachable, naming host and port, within 15 s', async () => {
    const t0 = Date.now();
    const device = openDevice({ ...target(), ssh: `ssh://${s.user}@${ns.nobodyIp}:22` })!;
    try {
      await device.shell();
      assert.fail('connected to nobody');
    } catch (e) {
      assert.equal((e as DeviceError).kind, 'unreachable', (e as Error).message);
      assert.match((e as Error).message, new RegExp(`cannot reach ${ns.nobodyIp.replace(/\./g, '\\.')}:22`));
    } finally {
      device.close();
    }
    assert.ok(Date.now() - t0 < 15_000, `${Date.now() - t0} ms`);
  });
});
