import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ModelUpdater, UpdateError, type ModelUpdaterOptions } from '../../src/ota/client';
import { hashedName } from '../../src/ota/release';
import { ReleaseRepository } from '../../src/ota/publisher/repository';
import { initRepository } from '../../src/ota/publisher/init';
import { startFaultServer, type FaultServer } from '../helpers/fault-server';
import { BASE_MODEL, fineTuned, makeRepo, sha256File, tmpDir, type TestRepo } from '../helpers/ota';

const BIG_MODEL = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');

/** The client against a server that misbehaves: each fault is rejected and leaves the installed model as it was. */
describe('ModelUpdater against faults and attacks', function () {
  this.timeout(120_000);
  let r: TestRepo;
  let server: FaultServer;
  let work: string;
  let v1Sha: string;
  let v2: { sha256: string; size: number; uri: string };

  before(async () => {
    r = makeRepo('faults');
    work = tmpDir('faults-dev');
    v1Sha = (await r.publish({ model: BIG_MODEL, version: '1.0.0' })).release.sha256;
    const tuned = fineTuned(BIG_MODEL, path.join(work, 'fmnist_cnn.onnx'), 0.1).file;
    const p = await r.publish({ model: tuned, version: '2.0.0' });
    v2 = { sha256: p.release.sha256, size: p.release.size, uri: `/targets/${hashedName(p.release.path, p.release.sha256)}` };
    server = await startFaultServer(r.repo);
  });
  afterEach(() => server.clear());
  after(async () => {
    await server?.stop();
    fs.rmSync(r.root, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  let n = 0;
  const device = (extra: Partial<ModelUpdaterOptions> = {}) => new ModelUpdater({
    repo: server.url, trustedRoot: r.init.trustedRoot, dir: path.join(work, `dev-${++n}`),
    bundledModel: BIG_MODEL, deviceId: `dev-${n}`, appVersion: '1.0.0', idleTimeoutMs: 2000, ...extra,
  });
  const failsWith = async (u: ModelUpdater, phase: UpdateError['phase'], pattern: RegExp) => {
    const e = await u.checkForUpdate().then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof UpdateError, `expected an UpdateError, got ${String(e)}`);
    assert.equal(e.phase, phase, e.message);
    assert.match(e.message, pattern);
    assert.equal(await u.currentModelPath(), BIG_MODEL, 'the installed model is untouched');
  };

  it('resumes after the connection drops, transferring at most the remaining bytes + 64 KB', async () => {
    const u = device();
    const dropAt = 400_000;
    server.set(v2.uri, { dropAt, times: 1 });
    await failsWith(u, 'download', /connection broke after/);
    const firstBytes = server.bytesFor(v2.uri);
    const before = server.log.length;
    const res = await u.checkForUpdate();
    assert.equal(res.action, 'installed');
    assert.equal(sha256File(await u.currentModelPath()), v2.sha256);
    const resumed = server.log.slice(before).filter((e) => e.uri === v2.uri);
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0].status, 206);
    const remaining = v2.size - (res.resumedFrom ?? 0);
    console.log(`      drop at ${dropAt} of ${v2.size}: first attempt ${firstBytes} B, resume from ${res.resumedFrom} sent ${resumed[0].bodyBytes} B (remaining ${remaining} B, limit remaining + 65536)`);
    assert.ok(res.resumedFrom! > 0);
    assert.ok(resumed[0].bodyBytes <= remaining + 65_536);
  });

  it('gives up on a stalled transfer after the idle timeout and resumes later', async () => {
    const u = device({ idleTimeoutMs: 500 });
    server.set(v2.uri, { slow: { chunk: 50_000, delayMs: 10, stallAfter: 200_000 }, times: 1 });
    await failsWith(u, 'download', /nothing received for 500 ms/);
    const res = await u.checkForUpdate();
    assert.equal(res.action, 'installed');
    assert.ok((res.resumedFrom ?? 0) >= 200_000);
  });

  it('rejects corrupted bytes and a target swapped for another signed file, then installs the real one', async () => {
    const u = device();
    server.set(v2.uri, { corruptAt: [123_456], times: 1 });
    await failsWith(u, 'download', /sha256 differs/);
    server.set(v2.uri, { body: fs.readFileSync(path.join(r.repo, 'targets', hashedName('stable/1.0.0/fmnist_cnn.onnx', v1Sha))), times: 1 });
    await failsWith(u, 'download', /sha256 differs|more than the signed|broke after|closed after/);
    assert.equal((await u.checkForUpdate()).action, 'installed');
    assert.equal(sha256File(await u.currentModelPath()), v2.sha256);
  });

  it('stops reading an endless response: metadata at its size limit (also decompressed), a model at its signed length', async () => {
    server.set('/metadata/timestamp.json', { endless: true, times: 1 });
    await failsWith(device(), 'metadata', /length|exceeds/i);
    // 8 MiB of JSON-ish bytes in 8 KB of gzip: decompression stops at the same limit.
    const bomb = zlib.gzipSync(Buffer.alloc(8 << 20, 0x20));
    server.set('/metadata/timestamp.json', { body: bomb, contentEncoding: 'gzip', times: 1 });
    await failsWith(device(), 'metadata', /length|exceeds/i);
    server.set('/metadata/timestamp.json', { body: Buffer.from('not gzip at all'), contentEncoding: 'gzip', times: 1 });
    await failsWith(device(), 'metadata', /does not decompress/);
    server.set(v2.uri, { endless: true, times: 1 });
    await failsWith(device(), 'download', /more than the signed/);
  });

  it('rejects stale (rolled-back) metadata, mixed-and-matched snapshots and unsigned changes', async () => {
    const u = device();
    await u.checkForUpdate(); // has seen the current timestamp
    const tsNow = fs.readFileSync(path.join(r.repo, 'metadata/timestamp.json'));
    const old = JSON.parse(tsNow.toString());
    assert.ok(old.signed.version >= 3);
    // Re-sign a newer state so the device's view becomes "old"; then replay the older file.
    await ReleaseRepository.withLock(r.repo, (repo) => repo.commit(r.keys));
    const u2 = device();
    await u2.checkForUpdate();
    server.set('/metadata/timestamp.json', { body: tsNow });
    await failsWith2(u2, /version .* is less than current version/i);
    server.clear();

    // Mix and match: the current timestamp with an older snapshot's bytes.
    const snapV = JSON.parse(fs.readFileSync(path.join(r.repo, 'metadata/timestamp.json'), 'utf8')).signed.meta['snapshot.json'].version;
    server.set(`/metadata/${snapV}.snapshot.json`, { body: fs.readFileSync(path.join(r.repo, `metadata/${snapV - 1}.snapshot.json`)) });
    await failsWith(device(), 'metadata', /snapshot/i);
    server.clear();

    // An attacker edits targets metadata (rollout, hash) without the targets key.
    const targetsV = JSON.parse(fs.readFileSync(path.join(r.repo, `metadata/${snapV}.snapshot.json`), 'utf8')).signed.meta['targets.json'].version;
    const targets = JSON.parse(fs.readFileSync(path.join(r.repo, `metadata/${targetsV}.targets.json`), 'utf8'));
    targets.signed.targets['stable/2.0.0/fmnist_cnn.onnx'].custom.edgewise.notes = 'not signed';
    server.set(`/metadata/${targetsV}.targets.json`, { body: Buffer.from(JSON.stringify(targets)) });
    await failsWith(device(), 'metadata', /targets/i);
  });

  async function failsWith2(u: ModelUpdater, pattern: RegExp) {
    const before = await u.currentModelPath();
    const e = await u.checkForUpdate().then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof UpdateError && e.phase === 'metadata', String(e));
    assert.match(e.message, pattern);
    assert.equal(await u.currentModelPath(), before);
  }

  it('refuses frozen (expired) metadata, and a repository its trusted root did not sign', async () => {
    const frozen = makeRepo('frozen');
    try {
      await ReleaseRepository.withLock(frozen.repo, (repo) => repo.commit(frozen.keys, { expires: { timestamp: new Date(Date.now() - 60_000) } }));
      const s = await startFaultServer(frozen.repo);
      try {
        const u = new ModelUpdater({ repo: s.url, trustedRoot: frozen.init.trustedRoot, dir: path.join(work, 'frozen'), bundledModel: BIG_MODEL, deviceId: 'f', appVersion: '1.0.0' });
        await failsWith(u, 'metadata', /expired/i);
      } finally {
        await s.stop();
      }
    } finally {
      fs.rmSync(frozen.root, { recursive: true, force: true });
    }
    // A device that trusts another repository's root refuses this one.
    const other = tmpDir('other-root');
    try {
      const init = initRepository(path.join(other, 'repo'), { keysDir: path.join(other, 'keys') });
      await failsWith(device({ trustedRoot: fs.readFileSync(init.trustedRoot) }), 'metadata', /signed by 0\/1 keys/);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('keeps the bundled model when there is no release for its channel and downloads nothing on metered networks', async () => {
    const u = device({ channel: 'beta' });
    const res = await u.checkForUpdate();
    assert.equal(res.action, 'up-to-date');
    assert.match(res.reason, /no release on channel 'beta'/);
    const gated = device({ canDownload: () => false });
    const g = await gated.checkForUpdate();
    assert.equal(g.action, 'deferred');
    assert.equal(g.traffic.modelBytes, 0);
    assert.equal(await gated.currentModelPath(), BIG_MODEL);
  });
});
