import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelUpdater } from '../../src/ota/client';
import { DeltaMismatchError, applyDelta } from '../../src/ota/delta/apply';
import { makeDelta } from '../../src/ota/delta/make';
import { startFaultServer } from '../helpers/fault-server';
import { decodeModelProto, encodeModelProto } from '../../src/core/formats/onnx/codec';
import { BASE_MODEL, fineTuned, makeRepo, sha256, sha256File, tmpDir } from '../helpers/ota';

const CNN = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');
const INT8 = path.resolve(__dirname, '../fixtures/fmnist_mobilenet.int8.onnx');

/** A release whose graph changed too: a doc string on the first node and a longer graph name shift every byte after them. */
function editGraph(file: string): void {
  const model = decodeModelProto(fs.readFileSync(file), file);
  model.graph!.node[0].docString = 'retrained head, new preprocessing';
  model.graph!.name += '_v2';
  fs.writeFileSync(file, encodeModelProto(model));
}

describe('tensor-level deltas', () => {
  it('rebuild the new model byte for byte from the old one, carrying about the changed bytes', () => {
    const dir = tmpDir('delta');
    try {
      const cases = [[CNN, 0.1, false], [BASE_MODEL, 0.1, false], [BASE_MODEL, 0.5, false], [INT8, 0.1, false], [BASE_MODEL, 0.1, true]] as const;
      let unedited = Infinity;
      for (const [base, fraction, graphEdit] of cases) {
        const tuned = fineTuned(base, path.join(dir, 'new.onnx'), fraction);
        if (graphEdit) editGraph(tuned.file);
        const oldBytes = fs.readFileSync(base);
        const newBytes = fs.readFileSync(tuned.file);
        const plan = makeDelta(oldBytes, newBytes, { version: '1.0.0', file: base }, { version: '1.1.0', file: tuned.file });
        fs.writeFileSync(path.join(dir, 'patch'), Buffer.concat(plan.chunks));
        applyDelta(fs.readFileSync(path.join(dir, 'patch')), base, path.join(dir, 'rebuilt.onnx'), { sha256: sha256(newBytes), size: newBytes.length });
        assert.equal(sha256File(path.join(dir, 'rebuilt.onnx')), sha256(newBytes));
        const share = plan.size / newBytes.length;
        const changed = tuned.changedWeightBytes / newBytes.length;
        console.log(`      ${path.basename(base)}: ${(100 * tuned.changedWeightBytes / tuned.weightBytes).toFixed(1)}% of weight bytes changed -> patch ${plan.size} B = ${(100 * share).toFixed(1)}% of ${newBytes.length} B (${plan.reusedTensors} tensors reused, ${plan.changedTensors} carried${graphEdit ? '; graph edited: every later byte moved' : ''})`);
        assert.ok(share < changed + 0.01, `patch share ${share} vs changed ${changed}`);
        // Moving the graph's bytes costs the inserted bytes, not the graph: copies follow the shift.
        if (graphEdit) assert.ok(plan.size < unedited + 512, `graph edit: ${plan.size} B vs ${unedited} B without it`);
        else if (base === BASE_MODEL && fraction === 0.1) unedited = plan.size;
        // The same patch against another base is refused, and nothing is left behind.
        assert.throws(() => applyDelta(fs.readFileSync(path.join(dir, 'patch')), tuned.file, path.join(dir, 'x.onnx'), { sha256: sha256(newBytes), size: newBytes.length }), DeltaMismatchError);
        assert.ok(!fs.existsSync(path.join(dir, 'x.onnx')));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a device whose installed model does not match the delta base downloads the full file', async function () {
    this.timeout(60_000);
    const r = makeRepo('delta-dev');
    const server = await startFaultServer(r.repo);
    try {
      await r.publish({ model: CNN, version: '1.0.0' });
      const dir = path.join(r.root, 'device');
      const u = new ModelUpdater({ repo: server.url, trustedRoot: r.init.trustedRoot, dir, bundledModel: CNN, deviceId: 'x', appVersion: '1.0.0' });
      await u.checkForUpdate();
      const tuned = fineTuned(CNN, path.join(r.root, 'fmnist_cnn.onnx'), 0.1).file;
      const p = await r.publish({ model: tuned, version: '1.1.0', deltaFrom: '1.0.0' });
      // Bit rot in the installed model (same length, one byte flipped).
      const installed = await u.currentModelPath();
      const bytes = fs.readFileSync(installed);
      bytes[5000] ^= 1;
      fs.writeFileSync(installed, bytes);
      const res = await u.checkForUpdate();
      assert.equal(res.via, 'full');
      assert.match(res.deltaFallback ?? '', /not the delta's base|not the patch's base/);
      assert.equal(res.traffic.modelBytes, p.release.size);
      assert.equal(sha256File(await u.currentModelPath()), p.release.sha256);
    } finally {
      await server.stop();
      fs.rmSync(r.root, { recursive: true, force: true });
    }
  });

  it('a corrupted patch download falls back to the full file', async function () {
    this.timeout(60_000);
    const r = makeRepo('delta-bad');
    const server = await startFaultServer(r.repo);
    try {
      await r.publish({ model: CNN, version: '1.0.0' });
      const u = new ModelUpdater({ repo: server.url, trustedRoot: r.init.trustedRoot, dir: path.join(r.root, 'device'), bundledModel: CNN, deviceId: 'x', appVersion: '1.0.0' });
      await u.checkForUpdate();
      const p = await r.publish({ model: fineTuned(CNN, path.join(r.root, 'fmnist_cnn.onnx'), 0.1).file, version: '1.1.0', deltaFrom: '1.0.0' });
      server.set(/\.delta$/, { corruptAt: [100] });
      const res = await u.checkForUpdate();
      assert.equal(res.via, 'full');
      assert.match(res.deltaFallback ?? '', /sha256 differs/);
      assert.equal(sha256File(await u.currentModelPath()), p.release.sha256);
    } finally {
      await server.stop();
      fs.rmSync(r.root, { recursive: true, force: true });
    }
  });
});
