import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelUpdater } from '../../src/ota/client';
import { startHealthCollector, type HealthCollector } from '../../src/ota/publisher/health-server';
import { loadHealth, repositoryStatus } from '../../src/ota/publisher/status';
import { hasNginx, startNginx, type Nginx } from '../helpers/nginx';
import { BASE_MODEL, brokenModel, makeRepo, sha256File, tmpDir, type TestRepo } from '../helpers/ota';

describe('health reports, fallback after failed loads, release status', function () {
  this.timeout(60_000);
  let r: TestRepo;
  let nginx: Nginx;
  let collector: HealthCollector;
  let work: string;
  let reports: string;

  before(async () => {
    if (!hasNginx()) throw new Error('nginx is not installed (.ci/run installs nginx-light)');
    r = makeRepo('health');
    work = tmpDir('health-dev');
    reports = path.join(r.root, 'health.jsonl');
    collector = await startHealthCollector(reports);
    nginx = await startNginx(r.repo);
    await r.publish({ model: BASE_MODEL, version: '1.0.0' });
  });
  after(async () => {
    await collector?.close();
    await nginx?.stop();
    fs.rmSync(r.root, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  const device = (id: string, healthUrl = collector.url) => new ModelUpdater({
    repo: nginx.url, trustedRoot: r.init.trustedRoot, dir: path.join(work, id), bundledModel: BASE_MODEL,
    deviceId: id, appVersion: '1.0.0', healthUrl, maxFailedLoads: 2,
  });

  it('falls back to the previous model after N failed loads (crashes count), blocks the release and reports why', async () => {
    const a = device('a');
    assert.equal((await a.checkForUpdate()).to, '1.0.0');
    assert.equal(sha256File(await a.currentModelPath()), sha256File(BASE_MODEL));
    await a.reportLoad({ ok: true });
    const broken = brokenModel(BASE_MODEL, path.join(work, 'fmnist_mobilenet.onnx'));
    await r.publish({ model: broken, version: '1.1.0' });
    assert.equal((await a.checkForUpdate()).to, '1.1.0');

    // Cold start 1: the app crashes while loading (no report). Cold start 2: it reports the error.
    assert.equal(sha256File(await a.currentModelPath()), sha256File(broken));
    assert.equal(sha256File(await a.currentModelPath()), sha256File(broken));
    await a.reportLoad({ ok: false, error: 'Conv weight has rank 1' });
    // The second failure reached the limit: the previous release is current again.
    assert.equal(sha256File(await a.currentModelPath()), sha256File(BASE_MODEL));
    assert.deepEqual(Object.keys(a.status().blocked), ['1.1.0']);
    const again = await a.checkForUpdate();
    assert.equal(again.action, 'up-to-date');
    assert.equal(again.to, '1.0.0');

    // A canary that fails counts as a failed load too.
    const b = device('b');
    await b.checkForUpdate();
    await b.currentModelPath();
    await b.reportLoad({ ok: true, canary: { ok: false, detail: 'NaN logits' } });
    await b.currentModelPath();
    await b.reportLoad({ ok: true, canary: { ok: false, detail: 'NaN logits' } });
    assert.equal(b.status().current.version, null, 'back on the bundled model');

    const health = await loadHealth(collector.url);
    const h11 = health.find((h) => h.version === '1.1.0')!;
    assert.equal(h11.installed, 2);
    assert.equal(h11.fallback, 2);
    assert.equal(h11.failureRate, 1);
    assert.deepEqual(h11.reasons.map((x) => x.reason).sort(), ['Conv weight has rank 1', 'canary failed: NaN logits']);
    assert.equal(health.find((h) => h.version === '1.0.0')!.loadOk, 1);
    const status = repositoryStatus(r.repo, { health: await loadHealth(reports), healthSource: reports });
    assert.equal(status.channels[0].releases[0].health?.fallback, 2);
  });

  it('keeps reports it could not send and sends them with the next check', async () => {
    const c = device('c', 'http://127.0.0.1:9/v1/health'); // nothing listens on port 9
    await c.checkForUpdate();
    await c.currentModelPath();
    await c.reportLoad({ ok: true });
    const waiting = fs.readFileSync(path.join(work, 'c', 'health-outbox.jsonl'), 'utf8').trim().split('\n');
    assert.equal(waiting.length, 2); // installed, load-ok
    const before = collector.accepted();
    await device('c').checkForUpdate();
    assert.equal(collector.accepted() - before, 2);
    assert.ok(!fs.existsSync(path.join(work, 'c', 'health-outbox.jsonl')));
  });
});
