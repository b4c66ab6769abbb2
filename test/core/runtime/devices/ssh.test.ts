/**
 * Devices over a real OpenSSH server on loopback: setup, benchmarks end to end, host keys, keys,
 * and the faults a real device has (unreachable, killed, dropped, full, not set up).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_JOB } from '../../../../src/core/runtime/benchmark';
import { Device } from '../../../../src/core/runtime/devices/device';
import { DeviceError } from '../../../../src/core/runtime/devices/errors';
import { addHostKey } from '../../../../src/core/runtime/devices/known-hosts';
import { openDevice } from '../../../../src/core/runtime/devices/open';
import { runOnDevice } from '../../../../src/core/runtime/devices/remote-bench';
import { setupDevice } from '../../../../src/core/runtime/devices/setup';
import { connectSsh, fetchHostKey } from '../../../../src/core/runtime/devices/ssh-shell';
import { parseSshUrl } from '../../../../src/core/runtime/devices/ssh-url';
import { localFile, upload } from '../../../../src/core/runtime/devices/upload';
import type { Target } from '../../../../src/core/runtime/targets';
import { BenchmarkError, type BenchmarkProgress } from '../../../../src/core/runtime/types';
import { keygen, startSshd, type TestSshd } from '../../../helpers/sshd';
import { startProxy, startSilentServer } from '../../../helpers/tcp-proxy';
import { useTestCache, processesIn } from './device-helpers';

const MODEL = path.resolve(__dirname, '../../../fixtures/fmnist_cnn.onnx');
const TFLITE = path.resolve(__dirname, '../../../fixtures/tflite/person_detect.tflite');

function target(s: TestSshd, extra: Partial<Target> = {}): Target {
  return { name: 'loop', description: '', ssh: s.url, identity: s.identity, knownHosts: s.knownHosts, remoteDir: s.deviceDir, ...extra };
}

async function rejects(p: Promise<unknown>, kind: string, re: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.equal((e as DeviceError).kind, kind, (e as Error).message);
    assert.match((e as Error).message, re);
    return e as Error;
  }
  assert.fail('expected an error');
}

describe('devices over SSH (real sshd on loopback)', function () {
  this.timeout(300_000);
  let s: TestSshd;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-ssh-test-'));

  before(async function () {
    useTestCache();
    s = await startSshd();
  });
  after(async () => {
    await s?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sets the device up from this machine and benchmarks on it end to end; the second run uploads nothing', async () => {
    const device = openDevice(target(s))!;
    try {
      const report = await setupDevice(device);
      assert.equal(report.arch, os.arch() === 'arm64' ? 'arm64' : 'x64');
      assert.deepEqual(report.steps.map((x) => x.done), ['installed', 'installed', 'installed']);
      assert.equal(report.facts.ortVersion, require('onnxruntime-node/package.json').version);
      assert.equal(report.facts.machine.cores, os.cpus().length);
      assert.match(report.facts.machine.os ?? '', /Linux/);
      // Node's binary is the device's own, installed into the device folder.
      assert.ok(fs.existsSync(path.join(s.deviceDir, 'node')));

      const phases: BenchmarkProgress['phase'][] = [];
      const r = await runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 20, warmup: 2, dims: { N: 1 } }, { onProgress: (p) => phases.push(p.phase) });
      assert.equal(r.model, MODEL);
      assert.equal(r.latency.samplesMs.length, 20);
      assert.ok(r.latency.p50Ms > 0 && r.initMs > 0);
      assert.deepEqual(r.device, { target: 'loop', address: `ssh://${s.user}@127.0.0.1:${s.port}`, emulated: false });
      assert.equal(r.machine.nodeVersion, report.facts.machine.nodeVersion);
      assert.ok(phases.includes('upload') && phases.includes('runs'), phases.join(','));
      const cached = fs.readdirSync(path.join(s.deviceDir, 'models'));
      assert.equal(cached.length, 1);

      const again: BenchmarkProgress['phase'][] = [];
      await runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 5, warmup: 0 }, { onProgress: (p) => again.push(p.phase) });
      assert.ok(!again.includes('upload'), again.join(','));
      assert.deepEqual(fs.readdirSync(path.join(s.deviceDir, 'models')), cached);
      assert.deepEqual(processesIn(s.deviceDir), []);
    } finally {
      device.close();
    }
  });

  it('runs a .tflite model on the device the same way as locally (TFLite interpreter from the harness)', async () => {
    const device = openDevice(target(s))!;
    try {
      await setupDevice(device);
      const r = await runOnDevice(device, { ...DEFAULT_JOB, model: TFLITE, runs: 5, warmup: 1 });
      assert.equal(r.model, TFLITE);
      assert.equal(r.executionProviders[0], 'tflite-wasm');
      assert.equal(r.latency.samplesMs.length, 5);
      assert.ok(r.latency.p50Ms > 0 && r.peakRssBytes > 0);
      assert.equal(r.device?.target, 'loop');
      assert.ok(fs.readdirSync(path.join(s.deviceDir, 'models')).some((k) => fs.existsSync(path.join(s.deviceDir, 'models', k, path.basename(TFLITE)))));
      assert.deepEqual(processesIn(s.deviceDir), []);
    } finally {
      device.close();
    }
  });

  it('refuses an unknown host key with its fingerprint and the command that trusts it; trusting it lets the connection in', async () => {
    const known = path.join(tmp, 'known_hosts_empty');
    const device = openDevice(target(s, { name: 'pi4', knownHosts: known }))!;
    // ssh-keygen is the independent reference for the fingerprint.
    const fp = execFileSync('ssh-keygen', ['-lf', path.join(s.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1];
    await rejects(device.shell(), 'host-unknown', new RegExp(`127\\.0\\.0\\.1:${s.port}.*${fp.replace(/[+/]/g, '\\$&')}.*edgewise device trust pi4`));
    addHostKey(known, '127.0.0.1', s.port, await fetchHostKey(parseSshUrl(s.url)));
    assert.equal(fs.readFileSync(known, 'utf8').trim(), `[127.0.0.1]:${s.port} ${s.hostKeyPub.split(' ').slice(0, 2).join(' ')}`);
    assert.equal((fs.statSync(known).mode & 0o777).toString(8), '600');
    const ok = await device.run('echo connected');
    assert.equal(ok.stdout.trim(), 'connected');
    device.close();
  });

  it('refuses a changed host key loudly, also for a hashed known_hosts entry', async () => {
    const other = keygen(path.join(tmp, 'other_host'));
    const known = path.join(tmp, 'known_hosts_changed');
    fs.writeFileSync(known, `[127.0.0.1]:${s.port} ${other}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', known], { stdio: 'ignore' });
    assert.match(fs.readFileSync(known, 'utf8'), /^\|1\|/);
    const device = openDevice(target(s, { knownHosts: known }))!;
    await rejects(device.shell(), 'host-changed', /REFUSED: THE HOST KEY OF 127\.0\.0\.1:\d+ HAS CHANGED.*known_hosts_changed:1.*--replace/);
    assert.throws(() => addHostKey(known, '127.0.0.1', s.port, Buffer.from(s.hostKeyPub.split(' ')[1], 'base64')), /--replace/);
  });

  it('authenticates with a key held by the SSH agent (no identity file given)', async () => {
    const sock = path.join(tmp, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)![1]);
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      execFileSync('ssh-add', ['-q', s.identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      process.env.SSH_AUTH_SOCK = sock;
      const device = openDevice(target(s, { identity: undefined }))!;
      assert.equal((await device.run('echo via-agent')).stdout.trim(), 'via-agent');
      device.close();
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      process.kill(agentPid);
    }
  });

  it('says when the device refuses the key', async () => {
    const wrong = path.join(tmp, 'wrong_key');
    keygen(wrong);
    const device = openDevice(target(s, { identity: wrong }))!;
    await rejects(device.shell(), 'auth', /refused the key\(s\) offered \(.*wrong_key.*authorized_keys/);
  });

  it('names host and port within 15 s when the device cannot be reached (refused, and silent)', async () => {
    const silent = await startSilentServer();
    const closedPort = silent.port + 1 === s.port ? silent.port + 2 : silent.port + 1;
    try {
      for (const port of [closedPort, silent.port]) {
        const t0 = Date.now();
        const device = openDevice({ name: 'gone', description: '', ssh: `ssh://u@127.0.0.1:${port}`, identity: s.identity, knownHosts: s.knownHosts })!;
        await rejects(device.shell(), 'unreachable', new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}`));
        assert.ok(Date.now() - t0 < 15_000, `${Date.now() - t0} ms`);
      }
    } finally {
      await silent.close();
    }
  });

  it('a harness killed on the device mid-run is a clean error, and no process is left', async () => {
    const device = openDevice(target(s))!;
    try {
      let killed = false;
      const err = await runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 1_000_000, warmup: 0 }, {
        onProgress: (p) => {
          if (p.phase === 'runs' && !killed) {
            killed = true;
            void device.run(`kill -9 ${p.pid}`);
          }
        },
      }).then(() => undefined, (e: Error) => e);
      assert.ok(err instanceof BenchmarkError && err.kind === 'crash', String(err));
      assert.match(err.message, /loop \(ssh:.*\): the benchmark process was killed by SIGKILL during runs/);
      assert.deepEqual(processesIn(s.deviceDir), []);
    } finally {
      device.close();
    }
  });

  it('the timed process is a child forked by the stdio relay, as locally; killing the relay takes the child with it', async () => {
    const device = openDevice(target(s))!;
    try {
      let relay: { pid: number; cmdline: string; child: string } | undefined;
      const err = await runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 1_000_000, warmup: 0 }, {
        onProgress: (p) => {
          if (p.phase !== 'runs' || relay) return;
          const ppid = Number(/PPid:\s*(\d+)/.exec(fs.readFileSync(`/proc/${p.pid}/status`, 'utf8'))![1]);
          const cmdline = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
          relay = { pid: ppid, cmdline: cmdline(ppid), child: cmdline(p.pid) };
          void device.run(`kill -9 ${ppid}`);
        },
      }).then(() => undefined, (e: Error) => e);
      assert.ok(relay, 'the run reached its timed runs');
      assert.match(relay.cmdline, /bench-child\.js --stdio/);
      assert.match(relay.child, /bench-child\.js/);
      assert.doesNotMatch(relay.child, /--stdio/);
      assert.ok(err instanceof BenchmarkError && err.kind === 'crash', String(err));
      assert.match(err.message, /the benchmark process was killed by SIGKILL during runs/);
      // The child sees its IPC channel close and exits.
      const deadline = Date.now() + 5000;
      while (processesIn(s.deviceDir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(processesIn(s.deviceDir), []);
    } finally {
      device.close();
    }
  });

  it('cancelling a run on the device leaves no process there', async () => {
    const device = openDevice(target(s))!;
    const controller = new AbortController();
    try {
      const err = await runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 1_000_000, warmup: 0 }, {
        signal: controller.signal, onProgress: (p) => { if (p.phase === 'runs') controller.abort(); },
      }).then(() => undefined, (e: Error) => e);
      assert.ok(err instanceof BenchmarkError && err.kind === 'cancelled', String(err));
      const deadline = Date.now() + 5000;
      while (processesIn(s.deviceDir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(processesIn(s.deviceDir), []);
    } finally {
      device.close();
    }
  });

  it('an upload resumes after the connection drops mid-way', async () => {
    const file = path.join(tmp, 'big.bin');
    fs.writeFileSync(file, Buffer.alloc(6 << 20, 7).map((_, i) => (i * 2654435761) >>> 24));
    const proxy = await startProxy(s.port, { cutFirstAfterBytes: 2 << 20 });
    const ep = parseSshUrl(s.url);
    const device = new Device({ name: 'flaky', address: 'flaky', dir: s.deviceDir, emulated: false, sharesFiles: false },
      () => connectSsh({ ...ep, port: proxy.port }, { name: 'flaky', identity: s.identity, knownHosts: knownFor(proxy.port) }));
    const knownFile = knownFor(proxy.port);
    try {
      const offsets: number[] = [];
      let last = 0;
      const r = await upload(device, await localFile(file), 'incoming/big.bin', {
        onProgress: (sent) => { if (sent < last) offsets.push(sent); last = sent; },
      });
      assert.equal(r, 'uploaded');
      assert.equal(proxy.cuts, 1);
      assert.ok(proxy.connections >= 2);
      assert.equal(offsets.length, 1, 'one restart');
      assert.ok(offsets[0] > 0, `resumed from ${offsets[0]}`);
      // Not sent twice: the bytes through the proxy stay well under two copies.
      assert.ok(proxy.bytesUp < 1.5 * (6 << 20), `${proxy.bytesUp} bytes`);
      assert.ok(fs.readFileSync(path.join(s.deviceDir, 'incoming/big.bin')).equals(fs.readFileSync(file)));
      assert.ok(!fs.existsSync(path.join(s.deviceDir, 'incoming/big.bin.part')));
    } finally {
      device.close();
      await proxy.close();
      fs.rmSync(knownFile, { force: true });
    }

    function knownFor(port: number): string {
      const f = path.join(tmp, `known_proxy_${port}`);
      if (!fs.existsSync(f)) fs.writeFileSync(f, `[127.0.0.1]:${port} ${s.hostKeyPub}\n`);
      return f;
    }
  });

  it('a device that was never set up: the error says to run setup', async () => {
    const fresh = path.join(s.dir, 'fresh');
    const device = openDevice(target(s, { name: 'pi-zero', remoteDir: fresh }))!;
    try {
      await rejects(runOnDevice(device, { ...DEFAULT_JOB, model: MODEL, runs: 1 }), 'setup-needed', /pi-zero .*not installed.*run: edgewise device setup pi-zero/);
    } finally {
      device.close();
    }
  });

  describe('a device whose disk is full', () => {
    let small: TestSshd | undefined;
    before(async () => {
      small = await startSshd({ smallDiskKiB: 1024 });
    });
    after(async () => { await small?.stop(); });

    it('setup stops before uploading, saying how much space there is and what is needed', async () => {
      const device = openDevice(target(small!))!;
      try {
        await rejects(setupDevice(device), 'disk-full', /disk is full \(before installing\): .* has [\d.]+ (KiB|MiB) free, [\d.]+ (KiB|MiB) are needed.*remoteDir/);
        assert.deepEqual(fs.readdirSync(small!.deviceDir).filter((f) => f !== 'lost+found'), []);
      } finally {
        device.close();
      }
    });

    it('an upload that fills the disk ends with a disk-full error', async () => {
      const file = path.join(tmp, 'too-big.bin');
      fs.writeFileSync(file, Buffer.alloc(3 << 20, 1));
      const device = openDevice(target(small!))!;
      try {
        await rejects(upload(device, await localFile(file), 'models/x/too-big.bin'), 'disk-full', /disk is full \(uploading .*too-big\.bin\)/);
      } finally {
        device.close();
      }
    });
  });
});
