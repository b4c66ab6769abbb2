/** `edgewise device ...` and `edgewise bench --target/--targets` against a real sshd on loopback. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSshd, type TestSshd } from '../helpers/sshd';
import { useTestCache } from '../core/runtime/devices/device-helpers';
import { CLI, ensureCliBuilt } from './run';

const MODEL = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');

describe('cli: edgewise device and bench on devices (real sshd)', function () {
  this.timeout(300_000);
  let s: TestSshd;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  function cli(...args: string[]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000, env, cwd: dir });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  before(async function () {
    ensureCliBuilt();
    s = await startSshd();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-cli-device-'));
    // The user's targets file and the known hosts are this test's own.
    env = { ...process.env, EDGEWISE_CACHE_DIR: useTestCache(), XDG_CONFIG_HOME: path.join(dir, 'config'), EDGEWISE_DEBUG: '' };
  });
  after(async () => {
    await s?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('add, trust (after the refusal that names it), setup, bench with device facts and energy, fleet, remove', () => {
    const known = path.join(dir, 'known_hosts');
    let r = cli('device', 'add', 'pi4', s.url, '--identity', s.identity, '--known-hosts', known, '--remote-dir', s.deviceDir, '--latency-budget', '1000');
    assert.equal(r.code, 0, r.err);
    r = cli('device', 'list', '--json');
    const listed = JSON.parse(r.out) as { name: string; definedIn: string }[];
    assert.deepEqual(listed.map((t) => t.name).slice(0, 1), ['pi4']);
    assert.ok(listed.some((t) => t.name === 'qemu-arm64' && t.definedIn === 'built in'));

    r = cli('bench', MODEL, '--target', 'pi4', '--runs', '3', '-q');
    assert.equal(r.code, 1);
    assert.match(r.err, /host key of 127\.0\.0\.1:\d+ is not known \(ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}.*trust it with: edgewise device trust pi4/);

    r = cli('device', 'trust', 'pi4');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /trusted 127\.0\.0\.1:\d+: ssh-ed25519 SHA256:/);
    assert.equal(fs.readFileSync(known, 'utf8').trim(), `[127.0.0.1]:${s.port} ${s.hostKeyPub.split(' ').slice(0, 2).join(' ')}`);

    r = cli('bench', MODEL, '--target', 'pi4', '--runs', '3', '-q');
    assert.equal(r.code, 1);
    assert.match(r.err, /not installed there by Edgewise.*run: edgewise device setup pi4/);

    r = cli('device', 'setup', 'pi4', '-q');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /pi4 \(ssh:.*\): ready\n {2}Node .*: installed\n {2}onnxruntime-node .*: installed/);

    r = cli('bench', MODEL, '--target', 'pi4', '--runs', '10', '--warmup', '1', '--json', '-q');
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out);
    assert.deepEqual(o.device, { target: 'pi4', address: `ssh://${s.user}@127.0.0.1:${s.port}`, emulated: false });
    for (const k of ['cpuModel', 'cores', 'totalMemBytes', 'os', 'arch', 'nodeVersion']) assert.ok(o.machine[k], k);
    assert.equal(typeof o.ortVersion, 'string');
    assert.equal(o.runs, 10);
    assert.deepEqual(o.budgetBreaks, []);
    // This machine has no power source Edgewise can read: the report says so, with no number.
    assert.equal(o.energy.available, false);
    assert.match(o.energy.reason, /no RAPL powercap zones/);
    assert.equal(o.energy.joulesPerInference, undefined);

    r = cli('bench', MODEL, '--targets', 'local,pi4', '--runs', '5', '--warmup', '0', '-q');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /target +where +p50 ms +p95 ms +p99 ms +init ms +peak RSS +energy\/inf +budgets/);
    assert.match(r.out, /\n {2}pi4 +\S.* +pass\n/);
    assert.match(r.out, /slowest device: (local|pi4) \(p50 [\d.]+ ms\); verdict: PASS/);
    assert.match(r.out, /pi4: energy: unavailable \(no RAPL/);

    r = cli('device', 'remove', 'pi4');
    assert.equal(r.code, 0, r.err);
    r = cli('bench', MODEL, '--target', 'pi4');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown target 'pi4'/);
  });

  it('a fleet from the recipe next to the model; a device that cannot be reached makes the verdict ERROR', () => {
    const folder = path.join(dir, 'model');
    fs.mkdirSync(folder);
    fs.copyFileSync(MODEL, path.join(folder, 'm.onnx'));
    fs.writeFileSync(path.join(folder, 'edgewise.yaml'), [
      'model: m.onnx', 'passes: []', 'targets:', '  local: {}',
      `  gone: { ssh: "ssh://nobody@127.0.0.1:1", identity: "${s.identity}", knownHosts: "${s.knownHosts}" }`, '',
    ].join('\n'));
    const t0 = Date.now();
    const r = cli('bench', path.join(folder, 'm.onnx'), '--runs', '3', '--warmup', '0', '--json', '-q');
    assert.equal(r.code, 1, r.err);
    const o = JSON.parse(r.out);
    assert.equal(o.verdict, 'error');
    assert.deepEqual(o.targets.map((t: { target: string }) => t.target), ['local', 'gone']);
    assert.equal(o.targets[1].error.kind, 'unreachable');
    assert.match(o.targets[1].error.message, /cannot reach 127\.0\.0\.1:1: connection refused/);
    assert.ok(Date.now() - t0 < 60_000);
  });
});
