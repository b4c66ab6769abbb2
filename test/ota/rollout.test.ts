import * as assert from 'node:assert/strict';
import type { Release } from '../../src/ota/release';
import { chooseRelease, cohortPercent } from '../../src/ota/rollout';

const release = (version: string, rollout: number, extra: Partial<Release> = {}): Release => ({
  version, channel: 'stable', rollout, state: 'active', path: `stable/${version}/m.onnx`, sha256: version, size: 1, publishedAt: '', updatedAt: '', ...extra,
});

describe('rollout cohorts and the release a device runs', () => {
  it('puts the expected share of 10,000 devices in a rollout, and only adds devices when it grows', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `device-${i}`);
    for (const pct of [5, 25, 50]) {
      const share = ids.filter((id) => cohortPercent(id, 'stable', '1.4.0') < pct).length / ids.length;
      assert.ok(Math.abs(share - pct / 100) < 0.015, `${pct}%: ${share}`);
    }
    const at5 = ids.filter((id) => cohortPercent(id, 'stable', '1.4.0') < 5);
    assert.ok(at5.every((id) => cohortPercent(id, 'stable', '1.4.0') < 25));
    // Another release samples other devices.
    const other = new Set(ids.filter((id) => cohortPercent(id, 'stable', '1.5.0') < 5));
    assert.ok(at5.filter((id) => other.has(id)).length < at5.length * 0.2);
  });

  it('takes the newest release it may run; paused keeps its devices; rolled back, blocked and too-new-app releases are skipped', () => {
    const d = { deviceId: 'd', channel: 'stable', appVersion: '2.0.0' };
    const inside = (v: string) => cohortPercent('d', 'stable', v) < 50;
    const v = ['1.1.0', '1.2.0', '1.3.0'].find(inside) ?? assert.fail('no version puts d inside 50%');
    assert.equal(chooseRelease([release('1.0.0', 100), release(v, 50)], d).release?.version, v);
    assert.equal(chooseRelease([release('1.0.0', 100), release(v, 50, { state: 'paused' })], d).release?.version, '1.0.0');
    assert.equal(chooseRelease([release('1.0.0', 100), release(v, 50, { state: 'paused' })], { ...d, current: v }).release?.version, v);
    assert.equal(chooseRelease([release('1.0.0', 100), release(v, 100, { state: 'rolled-back' })], { ...d, current: v }).release?.version, '1.0.0');
    assert.equal(chooseRelease([release('1.0.0', 100), release(v, 100)], { ...d, blocked: new Set([v]) }).release?.version, '1.0.0');
    assert.equal(chooseRelease([release('1.0.0', 100), release(v, 100, { minAppVersion: '3.0.0' })], d).release?.version, '1.0.0');
    assert.equal(chooseRelease([release('1.0.0', 0)], d).release, undefined);
    assert.match(chooseRelease([release('1.0.0', 0)], d).reason, /outside the 0% rollout/);
    assert.match(chooseRelease([release('1.0.0', 100, { channel: 'beta' })], d).reason, /no release on channel 'stable'/);
  });

  it('never moves a device to an older version unless the repository says so: a retired release or a newer bundled model is kept', () => {
    const d = { deviceId: 'd', channel: 'stable', appVersion: '2.0.0' };
    // 1.1.0 retired (not listed); 1.2.0 needs a newer app: the device keeps 1.1.0, not 1.0.0 or the bundled model.
    const listed = [release('1.0.0', 100), release('1.2.0', 100, { minAppVersion: '3.0.0' })];
    const kept = chooseRelease(listed, { ...d, current: '1.1.0' });
    assert.equal(kept.keep, true);
    assert.equal(kept.release, undefined);
    assert.match(kept.reason, /keeps 1\.1\.0 .*1\.0\.0: not newer than 1\.1\.0.*1\.2\.0: needs app 3\.0\.0/);
    assert.equal(chooseRelease(listed, { ...d, current: '1.1.0', appVersion: '3.0.0' }).release?.version, '1.2.0');
    // A bundled model newer than every release stays; a listed current version follows the usual rules.
    assert.equal(chooseRelease([release('1.0.0', 100)], { ...d, current: '1.5.0' }).keep, true);
    assert.equal(chooseRelease([release('1.0.0', 100), release('1.1.0', 100, { state: 'rolled-back' })], { ...d, current: '1.1.0' }).release?.version, '1.0.0');
  });
});
