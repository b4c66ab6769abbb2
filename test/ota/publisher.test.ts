import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Metadata, MetadataKind } from '@tufjs/models';
import { changeRelease } from '../../src/ota/publisher/channel';
import { initRepository } from '../../src/ota/publisher/init';
import { KeySource, envName } from '../../src/ota/publisher/keys';
import { publishRelease } from '../../src/ota/publisher/publish';
import { refreshRepository } from '../../src/ota/publisher/refresh';
import { ReleaseRepository } from '../../src/ota/publisher/repository';
import { repositoryStatus } from '../../src/ota/publisher/status';
import { BASE_MODEL, fineTuned, makeRepo, sha256File, tmpDir } from '../helpers/ota';
import { saveModel, loadModel } from '../../src/core/formats/onnx/io';

describe('release repository (publisher side)', () => {
  it('init writes a self-signed root with four Ed25519 roles and keeps private keys outside the repository, owner-only', () => {
    const r = makeRepo('pub-init');
    try {
      const root = Metadata.fromJSON(MetadataKind.Root, JSON.parse(fs.readFileSync(r.init.trustedRoot, 'utf8')));
      root.verifyDelegate('root', root);
      assert.equal(root.signed.consistentSnapshot, true);
      for (const role of ['root', 'targets', 'snapshot', 'timestamp']) {
        const ids = root.signed.roles[role].keyIDs;
        assert.equal(ids.length, 1);
        assert.equal(root.signed.keys[ids[0]].keyType, 'ed25519');
        for (const f of r.init.keys.roles[role as 'root'].files) {
          assert.ok(!f.startsWith(r.repo));
          assert.equal(fs.statSync(f).mode & 0o777, 0o600);
        }
      }
      const served = fs.readdirSync(r.repo, { recursive: true }) as string[];
      assert.ok(!served.some((f) => /\.pem$/.test(f)), 'no key in the repository');
      assert.throws(() => initRepository(r.repo, { keysDir: path.join(r.root, 'k2') }), /already a release repository/);
      assert.throws(() => initRepository(path.join(r.root, 'repo2'), { keysDir: path.join(r.root, 'repo2', 'keys') }), /keys must live outside/);
    } finally {
      fs.rmSync(r.root, { recursive: true, force: true });
    }
  });

  it('root can need a threshold of several keys', () => {
    const dir = tmpDir('pub-threshold');
    try {
      const init = initRepository(path.join(dir, 'repo'), { keysDir: path.join(dir, 'keys'), rootKeys: 3, rootThreshold: 2 });
      const root = Metadata.fromJSON(MetadataKind.Root, JSON.parse(fs.readFileSync(init.trustedRoot, 'utf8')));
      assert.equal(root.signed.roles.root.threshold, 2);
      assert.equal(root.signed.roles.root.keyIDs.length, 3);
      assert.equal(Object.keys(root.signatures).length, 3);
      root.verifyDelegate('root', root);
      assert.throws(() => initRepository(path.join(dir, 'r2'), { keysDir: path.join(dir, 'k2'), rootKeys: 1, rootThreshold: 2 }), /threshold/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes with keys from environment variables; without the targets key it writes nothing', async () => {
    const r = makeRepo('pub-env');
    try {
      const env = Object.fromEntries(['targets', 'snapshot', 'timestamp'].map((role) => [envName(role as 'targets'), fs.readFileSync(path.join(r.keysDir, `${role}-1.pem`), 'utf8')]));
      const before = fs.readdirSync(path.join(r.repo, 'metadata')).sort();
      const partial = new KeySource(undefined, { ...env, EDGEWISE_KEY_TARGETS: '' });
      await assert.rejects(publishRelease(r.repo, partial, { model: BASE_MODEL, channel: 'stable', version: '1.0.0', rollout: 5 }), /signing targets metadata needs 1 of its keys; found 0/);
      assert.deepEqual(fs.readdirSync(path.join(r.repo, 'metadata')).sort(), before);
      assert.deepEqual(fs.readdirSync(path.join(r.repo, 'targets')), []);
      const p = await publishRelease(r.repo, new KeySource(undefined, env), { model: BASE_MODEL, channel: 'stable', version: '1.0.0', rollout: 5, minAppVersion: '2.1.0', notes: 'first' });
      assert.equal(sha256File(p.file), sha256File(BASE_MODEL));
      const t = ReleaseRepository.open(r.repo).target('stable/1.0.0/fmnist_mobilenet.onnx')!;
      assert.deepEqual(
        { ...(t.custom.edgewise as object), publishedAt: 0, updatedAt: 0 },
        { kind: 'model', version: '1.0.0', channel: 'stable', rollout: 5, minAppVersion: '2.1.0', state: 'active', sha256: t.hashes.sha256, size: t.length, notes: 'first', publishedAt: 0, updatedAt: 0 },
      );
      await assert.rejects(r.publish({ model: BASE_MODEL, version: '1.0.0' }), /already published/);
      await assert.rejects(r.publish({ model: BASE_MODEL, version: 'v2' }), /not a semantic version/);
      await assert.rejects(r.publish({ model: BASE_MODEL, version: '1.1.0', rollout: 150 }), /0 to 100/);
    } finally {
      fs.rmSync(r.root, { recursive: true, force: true });
    }
  });

  it('refuses a model whose weights live in an external data file', async () => {
    const r = makeRepo('pub-ext');
    try {
      const out = path.join(r.root, 'ext.onnx');
      saveModel(loadModel(BASE_MODEL), out, { weights: 'external' });
      await assert.rejects(r.publish({ model: out, version: '1.0.0' }), /external data.*--inline/);
    } finally {
      fs.rmSync(r.root, { recursive: true, force: true });
    }
  });

  it('promote, pause and rollback are signed changes that status shows; refresh renews expiry', async () => {
    const r = makeRepo('pub-channel');
    try {
      await r.publish({ model: BASE_MODEL, version: '1.0.0' });
      await r.publish({ model: BASE_MODEL, version: '1.1.0', rollout: 5 });
      const t0 = ReleaseRepository.open(r.repo).targets.signed.version;
      const p = await changeRelease(r.repo, r.keys, 'promote', { channel: 'stable', version: '1.1.0', rollout: 25 });
      assert.deepEqual([p.before.rollout, p.after.rollout], [5, 25]);
      assert.equal(ReleaseRepository.open(r.repo).targets.signed.version, t0 + 1);
      assert.equal((await changeRelease(r.repo, r.keys, 'pause', { channel: 'stable' })).after.version, '1.1.0');
      await assert.rejects(changeRelease(r.repo, r.keys, 'pause', { channel: 'stable', version: '1.1.0' }), /is paused, not active/);
      const s = repositoryStatus(r.repo, { channel: 'stable' });
      assert.deepEqual(s.channels[0].releases.map((x) => [x.version, x.state, x.rollout]), [['1.1.0', 'paused', 25], ['1.0.0', 'active', 100]]);
      const rb = await changeRelease(r.repo, r.keys, 'rollback', { channel: 'stable' });
      assert.equal(rb.after.state, 'rolled-back');
      assert.equal(rb.devicesReturnTo, '1.0.0');
      await assert.rejects(changeRelease(r.repo, r.keys, 'promote', { channel: 'stable', version: '1.1.0', rollout: 50 }), /rolled back; publish a new version/);
      const later = new Date(Date.now() + 6 * 86_400_000);
      assert.match(repositoryStatus(r.repo, { now: later }).metadata.warnings.join(), /timestamp metadata expires/);
      const rf = await refreshRepository(r.repo, r.keys, { now: later });
      assert.ok(Date.parse(rf.timestampExpires) > later.getTime() + 6 * 86_400_000);
      assert.deepEqual(repositoryStatus(r.repo, { now: later }).metadata.warnings, []);
    } finally {
      fs.rmSync(r.root, { recursive: true, force: true });
    }
  });

  it('retire takes superseded releases (and their patches) out of the signed list, never one devices may still get or must leave', async () => {
    const r = makeRepo('pub-retire');
    const work = tmpDir('pub-retire-models');
    try {
      await r.publish({ model: BASE_MODEL, version: '1.0.0' });
      const v11 = fineTuned(BASE_MODEL, path.join(work, 'v11.onnx'), 0.1).file;
      await r.publish({ model: v11, version: '1.1.0', rollout: 5, deltaFrom: '1.0.0' });
      const targetsBytes = () => {
        const repo = ReleaseRepository.open(r.repo);
        return fs.statSync(path.join(r.repo, 'metadata', `${repo.targets.signed.version}.targets.json`)).size;
      };
      await assert.rejects(changeRelease(r.repo, r.keys, 'retire', { channel: 'stable' }), /retire needs --version/);
      await assert.rejects(changeRelease(r.repo, r.keys, 'retire', { channel: 'stable', version: '1.1.0' }), /may still reach devices/);
      await assert.rejects(changeRelease(r.repo, r.keys, 'retire', { channel: 'stable', version: '1.0.0' }), /may still reach devices/, '1.1.0 is only at 5%');
      await changeRelease(r.repo, r.keys, 'promote', { channel: 'stable', version: '1.1.0', rollout: 100 });
      const before = targetsBytes();
      const old = await changeRelease(r.repo, r.keys, 'retire', { channel: 'stable', version: '1.0.0' });
      assert.deepEqual(old.removed, ['stable/1.0.0/fmnist_mobilenet.onnx']);
      const fileOf = (v: string) => ReleaseRepository.open(r.repo).releases().find((x) => x.version === v);
      assert.equal(fileOf('1.0.0'), undefined);
      assert.ok(fileOf('1.1.0')?.delta, '1.1.0 keeps its patch from 1.0.0: devices on 1.0.0 still use it');
      assert.ok(targetsBytes() < before, `${targetsBytes()} < ${before}`);
      assert.ok(fs.existsSync(path.join(r.repo, 'targets', 'stable', '1.0.0')), 'the files stay for clients holding older metadata');
      // A superseded release goes with its patch; a rolled-back one stays listed.
      await r.publish({ model: fineTuned(v11, path.join(work, 'v12.onnx'), 0.1, 1.02).file, version: '1.2.0', deltaFrom: '1.1.0' });
      const v11gone = await changeRelease(r.repo, r.keys, 'retire', { channel: 'stable', version: '1.1.0' });
      assert.deepEqual(v11gone.removed, ['stable/1.1.0/v11.onnx', 'stable/1.1.0/v11.onnx.from-1.0.0.delta']);
      await changeRelease(r.repo, r.keys, 'rollback', { channel: 'stable', version: '1.2.0' });
      await assert.rejects(changeRelease(r.repo, r.keys, 'retire', { channel: 'stable', version: '1.2.0' }), /rolled back; it stays listed/);
      assert.deepEqual(ReleaseRepository.open(r.repo).releases().map((x) => [x.version, x.state]), [['1.2.0', 'rolled-back']]);
    } finally {
      fs.rmSync(r.root, { recursive: true, force: true });
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
