import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelUpdater, type ModelUpdaterOptions } from '../../src/ota/client';
import { ensureCliBuilt } from '../cli/run';
import { hasNginx, startNginx, type Nginx } from '../helpers/nginx';
import { BASE_MODEL, fineTuned, makeRepo, sha256File, tmpDir, type TestRepo } from '../helpers/ota';

const CHILD = path.join(__dirname, 'device-child.cjs');
const BIG_MODEL = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');

interface ChildRun { signal: NodeJS.Signals | null; code: number | null; lines: Record<string, unknown>[] }

/** Runs test/ota/device-child.cjs; `prefix` runs it through another command (unshare ... sh -c '... exec "$@"' sh). */
function runChild(cfg: object, o: { killWhen?: () => boolean; prefix?: string[] } = {}): Promise<ChildRun> {
  const cmd = [...(o.prefix ?? []), process.execPath, CHILD, JSON.stringify(cfg)];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => { out += d; });
    p.stderr!.on('data', (d) => { err += d; });
    const poll = o.killWhen && setInterval(() => { if (o.killWhen!()) p.kill('SIGKILL'); }, 5);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      if (code !== 0 && signal === null) return reject(new Error(`child exited ${code}: ${err}`));
      resolve({ code, signal, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l)) });
    });
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

describe('ModelUpdater killed with SIGKILL during an update', function () {
  this.timeout(300_000);
  let r: TestRepo;
  let nginx: Nginx;
  let work: string;
  let oldSha: string;
  let newSha: string;
  const bundledSha = sha256File(BIG_MODEL);

  const options = (dir: string, extra: Partial<ModelUpdaterOptions> = {}): ModelUpdaterOptions => ({
    repo: nginx.url, trustedRoot: r.init.trustedRoot, dir, bundledModel: BIG_MODEL, deviceId: 'crash-device', appVersion: '1.0.0', ...extra,
  });

  // Two devices to copy for each run: one on release 1.0.0 (the delta route to 2.0.0), and one
  // still on its bundled model with no release version (the full download route).
  let onRelease: string;
  let onBundled: string;

  before(async function () {
    if (!hasNginx()) throw new Error('nginx is not installed (.ci/run installs nginx-light)');
    ensureCliBuilt(); // the child loads the built library, dist/ota.js
    r = makeRepo('crash');
    work = tmpDir('crash-dev');
    const v1 = fineTuned(BIG_MODEL, path.join(work, 'fmnist_cnn.onnx'), 0.2, 1.02).file;
    oldSha = (await r.publish({ model: v1, version: '1.0.0' })).release.sha256;
    // Slow enough (2 MB/s) that a download lasts long enough to be killed from outside.
    nginx = await startNginx(r.repo, { limitRate: '2m' });
    onRelease = path.join(work, 'template-release');
    assert.equal((await new ModelUpdater(options(onRelease)).checkForUpdate()).to, '1.0.0');
    onBundled = path.join(work, 'template-bundled');
    fs.mkdirSync(onBundled);
    fs.mkdirSync(path.join(work, 'v2'));
    const v2 = fineTuned(v1, path.join(work, 'v2', 'fmnist_cnn.onnx'), 0.1).file;
    newSha = (await r.publish({ model: v2, version: '2.0.0', deltaFrom: '1.0.0' })).release.sha256;
  });
  after(async () => {
    await nginx?.stop();
    if (r) fs.rmSync(r.root, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  let n = 0;
  async function killAndCheck(template: string, old: string, kill: { killAt?: object; killWhen?: (dir: string) => boolean }): Promise<string> {
    const dir = path.join(work, `run-${++n}`);
    fs.cpSync(template, dir, { recursive: true });
    const run = await runChild({ options: options(dir), killAt: kill.killAt }, { killWhen: kill.killWhen && (() => kill.killWhen!(dir)) });
    assert.equal(run.signal, 'SIGKILL', `the child was killed (it printed ${JSON.stringify(run.lines.slice(-2))})`);
    const last = run.lines.at(-1) as { progress?: { step: string } } | undefined;
    const u = new ModelUpdater(options(dir));
    const now = await u.currentModelPath();
    const sha = sha256File(now);
    assert.ok(sha === old || sha === newSha, `after a kill at ${JSON.stringify(kill.killAt ?? 'an outside kill')}, ${now} is neither the old nor the new model`);
    // The next update finishes the job.
    const res = await u.checkForUpdate();
    assert.equal(sha256File(await u.currentModelPath()), newSha, `recovered after the kill: ${JSON.stringify(res)}`);
    return `${last?.progress?.step ?? '?'} -> ${sha === old ? 'old' : 'new'}`;
  }

  const steps: { name: string; killAt: object }[] = [
    { name: 'holding the lock', killAt: { step: 'locked' } },
    { name: 'mid-metadata (timestamp in, snapshot next)', killAt: { step: 'metadata-fetch', detail: 'snapshot' } },
    { name: 'mid-metadata (targets next)', killAt: { step: 'metadata-fetch', detail: 'targets' } },
    { name: 'after the metadata commit', killAt: { step: 'metadata' } },
    { name: 'after choosing the release', killAt: { step: 'chosen' } },
    { name: 'after the delta download', killAt: { step: 'delta-downloaded' } },
    { name: 'after the rebuild from the delta', killAt: { step: 'rebuilt' } },
    { name: 'after verify, before the rename', killAt: { step: 'verified' } },
    { name: 'between the rename and the pointer flip', killAt: { step: 'installed-file' } },
    { name: 'right after the pointer flip', killAt: { step: 'pointer' } },
    { name: 'at the end of the update', killAt: { step: 'done' } },
  ];
  const seen: string[] = [];
  for (const s of steps) {
    it(`delta route, killed ${s.name}: the old or the new model, never a partial one`, async () => {
      seen.push(`${s.name}: ${await killAndCheck(onRelease, oldSha, { killAt: s.killAt })}`);
    });
  }
  for (const at of [0.1, 0.6]) {
    it(`full download, killed at ${at * 100}% of the model (from inside)`, async () => {
      seen.push(`full ${at}: ${await killAndCheck(onBundled, bundledSha, { killAt: { step: 'download', bytes: Math.round(at * 901_483) } })}`);
    });
  }
  it('full download, killed from outside while the part file grows, resumes with a Range request to nginx', async () => {
    const part = (dir: string) => {
      const staging = path.join(dir, 'staging');
      const f = fs.existsSync(staging) ? fs.readdirSync(staging).find((x) => x.endsWith('.model.part')) : undefined;
      return f ? fs.statSync(path.join(staging, f)).size : 0;
    };
    const before = nginx.accessLog().length;
    seen.push(`outside: ${await killAndCheck(onBundled, bundledSha, { killWhen: (dir) => part(dir) > 300_000 })}`);
    const ranged = nginx.accessLog().slice(before).filter((e) => e.range);
    assert.equal(ranged.length, 1, 'the recovery resumed with one Range request');
    assert.equal(ranged[0].status, 206);
    console.log(`      resume after an outside kill: ${ranged[0].range}, nginx sent ${ranged[0].bodyBytes} body bytes`);
  });
  after(() => console.log(`      kill points: ${seen.length}\n        ${seen.join('\n        ')}`));

  it('serializes two updaters on one folder (two processes)', async () => {
    const dir = path.join(work, 'two');
    fs.cpSync(onBundled, dir, { recursive: true });
    const [a, b] = await Promise.all([runChild({ options: options(dir) }), runChild({ options: options(dir) })]);
    const span = (run: ChildRun) => {
      const t = (step: string) => (run.lines.find((l) => (l.progress as { step?: string } | undefined)?.step === step) as { t: number } | undefined)?.t;
      return { from: t('locked')!, to: t('done')!, result: (run.lines.find((l) => l.result) as { result: { action: string } }).result.action };
    };
    const [sa, sb] = [span(a), span(b)].sort((x, y) => x.from - y.from);
    assert.ok(sa.to <= sb.from, `the second updater waited for the first: ${JSON.stringify([sa, sb])}`);
    assert.deepEqual([sa.result, sb.result], ['installed', 'up-to-date']);
  });

  it('a full disk mid-download leaves the old model intact and frees the partial download', async function () {
    const fit = path.join(work, 'disk');
    fs.mkdirSync(fit);
    // A small tmpfs in a private mount namespace: room for the device and the download, until another app fills it.
    const asRoot = process.getuid?.() === 0;
    const probe = spawnSync('unshare', [asRoot ? '-m' : '-rm', 'true']);
    if (probe.status !== 0) throw new Error(`cannot make a mount namespace for the full-disk test: ${probe.stderr}`);
    const setup = `mount -t tmpfs -o size=3m tmpfs ${shellQuote(fit)} && cp -r ${shellQuote(onRelease)}/. ${shellQuote(fit)}/ && exec "$@"`;
    const run = await runChild({ options: options(fit), mode: 'fill-disk' }, { prefix: ['unshare', asRoot ? '-m' : '-rm', 'sh', '-c', setup, 'sh'] });
    const error = run.lines.find((l) => l.error) as { error: string; phase: string } | undefined;
    assert.ok(error, `the update failed: ${JSON.stringify(run.lines.slice(-3))}`);
    assert.equal(error.phase, 'disk', error.error);
    const end = run.lines.at(-1) as { current: string; sha256: string; staging: string[] };
    assert.ok(end.current.startsWith(fit), end.current);
    assert.equal(end.sha256, oldSha, 'the old model is intact');
    assert.deepEqual(end.staging, [], 'the partial download was removed');
    console.log(`      full disk: "${error.error}"`);
  });
});
