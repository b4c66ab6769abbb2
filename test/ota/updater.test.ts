import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelUpdater, type ModelUpdaterOptions } from '../../src/ota/client';
import { changeRelease } from '../../src/ota/publisher/channel';
import { hasNginx, startNginx, type Nginx } from '../helpers/nginx';
import { BASE_MODEL, fineTuned, makeRepo, sha256File, tmpDir, type TestRepo } from '../helpers/ota';

describe('ModelUpdater against a repository served by nginx', function () {
  this.timeout(120_000);
  let r: TestRepo;
  let nginx: Nginx;
  let work: string;
  const v2 = () => path.join(work, 'model.onnx');

  before(async function () {
    if (!hasNginx()) throw new Error('nginx is not installed (.ci/run installs nginx-light)');
    r = makeRepo('updater');
    work = tmpDir('updater-models');
    nginx = await startNginx(r.repo);
  });
  after(async () => {
    await nginx?.stop();
    fs.rmSync(r.root, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  const device = (id: string, extra: Partial<ModelUpdaterOptions> = {}) => new ModelUpdater({
    repo: nginx.url, trustedRoot: r.init.trustedRoot, dir: path.join(work, 'devices', id),
    bundledModel: BASE_MODEL, bundledVersion: '1.0.0', deviceId: id, appVersion: '2.1.0', ...extra,
  });

  it('starts on the bundled model and installs a published release, used from the next cold start', async () => {
    await r.publish({ model: BASE_MODEL, version: '1.0.0' });
    fs.copyFileSync(BASE_MODEL, v2());
    fineTuned(BASE_MODEL, v2(), 0.1);
    const pub = await r.publish({ model: v2(), version: '1.1.0', deltaFrom: '1.0.0' });
    assert.ok(pub.delta?.path, `a patch was published: ${JSON.stringify(pub.delta)}`);
    const d = device('dev-a');
    assert.equal(await d.currentModelPath(), BASE_MODEL);
    const res = await d.checkForUpdate();
    assert.equal(res.action, 'installed');
    assert.equal(res.to, '1.1.0');
    assert.equal(res.via, 'delta');
    const now = await d.currentModelPath();
    assert.notEqual(now, BASE_MODEL);
    assert.equal(sha256File(now), pub.release.sha256);
    const total = res.traffic.deltaBytes + res.traffic.modelBytes;
    console.log(`      delta install: ${total} model bytes for a ${pub.release.size}-byte model (${(100 * total / pub.release.size).toFixed(1)}%), metadata ${res.traffic.metadataBytes} B`);
    assert.ok(total <= 0.12 * pub.release.size, `${total} > 12% of ${pub.release.size}`);
  });

  it('an up-to-date device downloads no model bytes and at most 2 KB of metadata per check', async () => {
    const d = device('dev-a');
    const before = nginx.accessLog().length;
    const res = await d.checkForUpdate();
    assert.equal(res.action, 'up-to-date');
    assert.equal(res.repositoryChanged, false);
    const served = nginx.accessLog().slice(before);
    const bytes = served.reduce((n, e) => n + e.bytes, 0);
    console.log(`      up-to-date check: ${served.length} requests, ${bytes} bytes served by nginx (headers included): ${served.map((e) => `${e.uri} ${e.status} ${e.bytes}`).join(', ')}`);
    assert.equal(res.traffic.modelBytes + res.traffic.deltaBytes, 0);
    assert.ok(served.every((e) => e.uri.startsWith('/metadata/')));
    assert.ok(bytes <= 2048, `${bytes} > 2048`);

    // The repository changed (a release on another channel): the device fetches the new snapshot
    // and targets, compressed, and still no model bytes.
    await r.publish({ model: BASE_MODEL, version: '1.0.0', channel: 'beta', rollout: 5 });
    const at = nginx.accessLog().length;
    const again = await d.checkForUpdate();
    assert.equal(again.action, 'up-to-date');
    assert.equal(again.repositoryChanged, true);
    assert.equal(again.traffic.modelBytes + again.traffic.deltaBytes, 0);
    const changed = nginx.accessLog().slice(at);
    const body = changed.reduce((n, e) => n + e.bodyBytes, 0);
    console.log(`      after a change elsewhere in the repository: ${changed.length} requests, ${body} B of bodies (${changed.reduce((n, e) => n + e.bytes, 0)} B with headers): ${changed.map((e) => `${e.uri} ${e.status} ${e.bodyBytes}`).join(', ')}`);
    const targets = changed.find((e) => /\/\d+\.targets\.json$/.test(e.uri));
    assert.ok(targets, 'the new targets metadata was fetched');
    const raw = fs.statSync(path.join(r.repo, targets.uri)).size;
    assert.ok(targets.bodyBytes < raw / 2, `targets metadata travelled compressed: ${targets.bodyBytes} B of ${raw} B`);
    assert.ok(again.traffic.metadataBytes <= body, 'the client counts the bytes on the wire (all but error pages)');
    assert.ok(body <= 2048, `${body} > 2048`);
  });

  it('rolls devices back to the previous release (here the bundled model), downloading nothing', async () => {
    const d = device('dev-a');
    const rb = await changeRelease(r.repo, r.keys, 'rollback', { channel: 'stable' });
    assert.equal(rb.after.version, '1.1.0');
    assert.equal(rb.devicesReturnTo, '1.0.0');
    const res = await d.checkForUpdate();
    assert.equal(res.to, '1.0.0');
    assert.equal(res.action, 'reverted');
    assert.equal(res.via, 'bundled');
    assert.equal(res.traffic.modelBytes, 0);
    assert.equal(sha256File(await d.currentModelPath()), sha256File(BASE_MODEL));
  });

  it('keeps a retired release until a newer one applies to the device (never an older model)', async () => {
    const d = device('dev-a');
    const v12 = await r.publish({ model: fineTuned(BASE_MODEL, path.join(work, 'v12.onnx'), 0.1, 1.02).file, version: '1.2.0' });
    assert.equal((await d.checkForUpdate()).to, '1.2.0');
    await r.publish({ model: fineTuned(BASE_MODEL, path.join(work, 'v13.onnx'), 0.1, 1.03).file, version: '1.3.0', minAppVersion: '9.0.0' });
    await changeRelease(r.repo, r.keys, 'retire', { channel: 'stable', version: '1.2.0' });
    const res = await d.checkForUpdate();
    assert.equal(res.action, 'up-to-date', res.reason);
    assert.equal(res.to, '1.2.0');
    assert.match(res.reason, /keeps 1\.2\.0 .*1\.0\.0: not newer.*1\.3\.0: needs app 9\.0\.0/);
    assert.equal(sha256File(await d.currentModelPath()), v12.release.sha256);
    assert.equal((await device('dev-new-app', { appVersion: '9.0.0' }).checkForUpdate()).to, '1.3.0');
  });
});
