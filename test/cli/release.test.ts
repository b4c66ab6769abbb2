import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasNginx, startNginx, type Nginx } from '../helpers/nginx';
import { fineTuned, sha256File, tmpDir } from '../helpers/ota';
import { ensureCliBuilt, runCli } from './run';

const MODEL = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');

describe('CLI release and device-update', function () {
  this.timeout(120_000);
  let dir: string;
  let nginx: Nginx;
  const repo = () => path.join(dir, 'repo');
  const keys = () => path.join(dir, 'keys');
  const json = (args: string[]) => {
    const r = runCli(args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    if (!hasNginx()) throw new Error('nginx is not installed (.ci/run installs nginx-light)');
    ensureCliBuilt();
    dir = tmpDir('cli-release');
  });
  after(async () => {
    await nginx?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('init --json names the trusted root and where the keys went; publish, promote and status speak JSON', async () => {
    const init = json(['release', 'init', repo(), '--keys', keys(), '--json']);
    assert.equal(init.trustedRoot, path.join(repo(), 'metadata', '1.root.json'));
    assert.equal(init.keys.dir, keys());
    assert.deepEqual(Object.keys(init.keys.roles), ['root', 'targets', 'snapshot', 'timestamp']);
    nginx = await startNginx(repo());
    const p = json(['release', 'publish', MODEL, '--repo', repo(), '--keys', keys(), '--channel', 'stable', '--version', '1.0.0', '--rollout', '5%', '--min-app', '2.1.0', '--json']);
    assert.deepEqual([p.release.version, p.release.rollout, p.release.minAppVersion], ['1.0.0', 5, '2.1.0']);
    assert.equal(sha256File(p.file), sha256File(MODEL));
    const tuned = fineTuned(MODEL, path.join(dir, 'fmnist_cnn.onnx'), 0.1).file;
    const p2 = json(['release', 'publish', tuned, '--repo', repo(), '--keys', keys(), '--channel', 'stable', '--version', '1.1.0', '--delta-from', '1.0.0', '--min-app', '2.1.0', '--notes', 'new head', '--json']);
    assert.ok(p2.delta.fraction < 0.12, JSON.stringify(p2.delta));
    const pr = json(['release', 'promote', '--repo', repo(), '--keys', keys(), '--channel', 'stable', '--version', '1.0.0', '--rollout', '100', '--json']);
    assert.equal(pr.after.rollout, 100);
    const s = json(['release', 'status', '--repo', repo(), '--json']);
    assert.deepEqual(s.channels[0].releases.map((r: { version: string; rollout: number }) => [r.version, r.rollout]), [['1.1.0', 100], ['1.0.0', 100]]);
    const text = runCli(['release', 'status', '--repo', repo()]);
    assert.match(text.stdout, /1\.1\.0\s+active\s+100%.*from 1\.0\.0/);
  });

  it('device-update does one cycle and prints what happened; --current prints the model a cold start loads', () => {
    const root = path.join(repo(), 'metadata', '1.root.json');
    const dev = path.join(dir, 'device');
    const base = ['device-update', '--repo', nginx.url, '--root', root, '--dir', dev, '--device-id', 'd1', '--app-version', '2.1.0', '--bundled', MODEL, '--bundled-version', '1.0.0'];
    const r = json([...base, '--json']);
    assert.equal(r.action, 'installed');
    assert.equal(r.to, '1.1.0');
    assert.equal(r.via, 'delta');
    assert.ok(r.traffic.deltaBytes > 0 && r.traffic.modelBytes === 0);
    const cur = runCli(['device-update', '--dir', dev, '--current']);
    assert.equal(cur.code, 0, cur.stderr);
    assert.equal(cur.stdout.trim(), r.current);
    const again = runCli(base);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^up to date on 1\.1\.0/);
    // Too old an app: the 2.1.0-only releases do not apply; it stays on its bundled model.
    const old = json(['device-update', '--repo', nginx.url, '--root', root, '--dir', path.join(dir, 'old'), '--device-id', 'd2', '--app-version', '1.0.0', '--bundled', MODEL, '--json']);
    assert.equal(old.action, 'up-to-date');
    assert.match(old.reason, /needs app 2\.1\.0/);
  });

  it('reports mistakes in one line with exit 2, and failures with exit 1 and JSON', () => {
    for (const [args, re] of [
      [['release'], /say what to do/],
      [['release', 'publish', MODEL, '--repo', repo(), '--channel', 'stable'], /--version is required/],
      [['release', 'status', '--repo', repo(), '--rollout', '5'], /does not take --rollout/],
      [['release', 'promote', '--repo', repo(), '--channel', 'stable', '--version', '1.0.0', '--rollout', '5.5%'], /whole percentage/],
      [['device-update', '--dir', dir], /--repo is required/],
    ] as [string[], RegExp][]) {
      const r = runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    const missing = runCli(['release', 'status', '--repo', path.join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not a release repository/);
    const fail = runCli(['device-update', '--repo', 'http://127.0.0.1:9', '--root', path.join(repo(), 'metadata', '1.root.json'), '--dir', path.join(dir, 'x'), '--device-id', 'x', '--json']);
    assert.equal(fail.code, 1);
    assert.equal(JSON.parse(fail.stdout).phase, 'metadata');
  });
});
