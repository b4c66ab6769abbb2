import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoreMLFormatError } from '../../../../src/core/formats/coreml/errors';
import { openModel } from '../../../../src/core/formats/open';
import { WorkerClient } from '../../../../src/extension/worker-client';
import { ModelSummaryRequest, ViewGraphRequest } from '../../../../src/worker/protocol';
import { buildWorker, workerPath } from '../../../worker/build-worker';
import { copyFolder, DTLN, fixture } from './helpers';

const WEIGHTS = 'Data/com.apple.CoreML/weights/weight.bin';

/** Opening (summary and view) fails with one line that names `file` and matches `problem`, fast. */
function expectError(target: string, file: string, problem: RegExp): void {
  const start = Date.now();
  assert.throws(() => {
    const r = openModel(target);
    r.summary();
    r.viewGraph();
  }, (e: unknown) => {
    assert.ok(e instanceof CoreMLFormatError, `expected CoreMLFormatError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${file}: `), `'${e.message}' names ${file}`);
    assert.match(e.message, problem);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.ok(Date.now() - start < 3000, 'fails fast');
}

describe('coreml: bad input gives one line naming the file and the problem', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coreml-bad-'));
  let n = 0;
  const pkg = (): string => copyFolder(DTLN, path.join(tmp, `p${n++}.mlpackage`));
  const manifest = (p: string, edit: (m: { itemInfoEntries: Record<string, { path: string }>; rootModelIdentifier: string }) => void): void => {
    const f = path.join(p, 'Manifest.json');
    const m = JSON.parse(fs.readFileSync(f, 'utf8'));
    edit(m);
    fs.writeFileSync(f, JSON.stringify(m));
  };
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a truncated protobuf', () => {
    const f = path.join(tmp, 'cut.mlmodel');
    fs.writeFileSync(f, fs.readFileSync(fixture('ph1ps__MNIST-CoreML/MNIST.mlmodel')).subarray(0, 100_000));
    expectError(f, f, /truncated/);
    const empty = path.join(tmp, 'empty.mlmodel');
    fs.writeFileSync(empty, '');
    expectError(empty, empty, /empty/);
  });

  it('a blob offset past the end of weight.bin', () => {
    const p = pkg();
    const w = path.join(p, WEIGHTS);
    fs.truncateSync(w, 200_000);
    expectError(p, w, /past the end of the file \(200000 bytes\)/);
  });

  it('a wrong sentinel', () => {
    const p = pkg();
    const w = path.join(p, WEIGHTS);
    const fd = fs.openSync(w, 'r+');
    fs.writeSync(fd, Buffer.from([0x78, 0x56, 0x34, 0x12]), 0, 4, 64);
    fs.closeSync(fd);
    expectError(p, w, /offset 64 starts with 0x12345678, not the 0xdeadbeef sentinel/);
  });

  it('a Manifest pointing outside the package, or to a missing file', () => {
    const outside = pkg();
    manifest(outside, (m) => { m.itemInfoEntries[m.rootModelIdentifier].path = '../../p0.mlpackage/Data/com.apple.CoreML/model.mlmodel'; });
    expectError(outside, path.join(outside, 'Manifest.json'), /leaves the package/);
    const absolute = pkg();
    manifest(absolute, (m) => { m.itemInfoEntries[m.rootModelIdentifier].path = '/etc/hostname'; });
    expectError(absolute, path.join(absolute, 'Manifest.json'), /leaves the package/);
    const missing = pkg();
    manifest(missing, (m) => { m.itemInfoEntries[m.rootModelIdentifier].path = 'com.apple.CoreML/other.mlmodel'; });
    expectError(missing, path.join(missing, 'Manifest.json'), /'Data\/com\.apple\.CoreML\/other\.mlmodel' does not exist/);
    const unknownId = pkg();
    manifest(unknownId, (m) => { m.rootModelIdentifier = 'nope'; });
    expectError(unknownId, path.join(unknownId, 'Manifest.json'), /names no item/);
  });

  it('a symlink in the package that leads out of it', () => {
    const p = pkg();
    const spec = path.join(p, 'Data/com.apple.CoreML/model.mlmodel');
    const outsideCopy = path.join(tmp, 'outside.mlmodel');
    fs.copyFileSync(spec, outsideCopy);
    fs.rmSync(spec);
    fs.symlinkSync(outsideCopy, spec);
    expectError(p, path.join(p, 'Manifest.json'), /is a link to .*outside the package/);
  });

  it('a package without Manifest.json', () => {
    const p = pkg();
    fs.rmSync(path.join(p, 'Manifest.json'));
    expectError(p, p, /has no Manifest\.json/);
  });

  it('the worker answers with the error and keeps serving', async function () {
    this.timeout(60_000);
    buildWorker();
    const p = pkg();
    fs.rmSync(path.join(p, 'Manifest.json'));
    const client = new WorkerClient({ workerPath, onCrash: () => assert.fail('the worker crashed') });
    try {
      await assert.rejects(client.request(ViewGraphRequest.type, { file: p }), /has no Manifest\.json/);
      const pid = client.pid;
      const s = await client.request(ModelSummaryRequest.type, { file: DTLN });
      assert.equal(s.nodesWithSubgraphs, 184);
      assert.equal(client.pid, pid, 'same worker process');
    } finally {
      client.dispose();
    }
  });
});
