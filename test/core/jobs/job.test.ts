import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError, removeOnFailure, resolveOutput, siblingPath, throwIfCancelled } from '../../../src/core/jobs/job';

describe('jobs/job: the contract every job follows', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-job-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const input = path.join(dir, 'model.onnx');
  before(() => fs.writeFileSync(input, 'model'));

  it('names outputs next to the input, keeping its extension unless told', () => {
    assert.equal(siblingPath('/a/b/model.onnx', 'int8'), '/a/b/model.int8.onnx');
    assert.equal(siblingPath('/a/b/model', 'fp16'), '/a/b/model.fp16.onnx');
    assert.equal(siblingPath('/a/b/model.tflite', 'pruned'), '/a/b/model.pruned.tflite');
    assert.equal(siblingPath('/a/b/model.onnx', 'int8', '.tflite'), '/a/b/model.int8.tflite');
  });

  it('resolves the sibling or the given path, and refuses the input, a missing folder and an existing file', () => {
    assert.equal(resolveOutput(input, { tag: 'static' }), path.join(dir, 'model.static.onnx'));
    assert.equal(resolveOutput(input, { tag: 'static', out: path.join(dir, 'x.onnx') }), path.join(dir, 'x.onnx'));
    assert.throws(() => resolveOutput(input, { tag: 'static', out: input }), /is the input model; choose another output path/);
    assert.throws(() => resolveOutput(input, { tag: 'static', out: path.join(dir, 'nope', 'x.onnx') }), /the output folder '.*nope' does not exist/);
    const existing = path.join(dir, 'model.pruned.onnx');
    fs.writeFileSync(existing, 'old');
    assert.throws(() => resolveOutput(input, { tag: 'pruned' }), /model\.pruned\.onnx: already exists; pass --force/);
    assert.equal(resolveOutput(input, { tag: 'pruned', force: true }), existing);
    // Even with force the input is never the output.
    assert.throws(() => resolveOutput(input, { tag: 'x', out: input, force: true }), /is the input model/);
  });

  it('compares outputs by identity (a link to the folder, the data file read, a hard link), even with force', () => {
    const self = path.join(dir, 'selfdir');
    fs.symlinkSync('.', self);
    const data = path.join(dir, 'model.onnx.data');
    fs.writeFileSync(data, 'weights');
    const hard = path.join(dir, 'hard.onnx');
    fs.linkSync(input, hard);
    for (const force of [false, true]) {
      assert.throws(() => resolveOutput(input, { tag: 'x', out: path.join(self, 'model.onnx'), force }), /is the input model/);
      assert.throws(() => resolveOutput(input, { tag: 'x', out: path.join(dir, 'sub', '..', 'model.onnx'), force }), /is the input model/);
      assert.throws(() => resolveOutput(input, { tag: 'x', out: hard, force }), /is the input model/);
      assert.throws(() => resolveOutput(input, { tag: 'x', out: path.join(self, 'model.onnx.data'), force, reads: [data] }), /model\.onnx\.data', which this job reads/);
      // The output's own data file (`<out>.data`) would land on a data file the job reads.
      fs.writeFileSync(path.join(dir, 'other.onnx.data'), 'theirs');
      assert.throws(() => resolveOutput(input, { tag: 'x', out: path.join(dir, 'other.onnx'), force, reads: [path.join(self, 'other.onnx.data')], companions: (f) => [`${f}.data`] }),
        /would write '.*other\.onnx\.data', which is '.*other\.onnx\.data', which this job reads/);
      fs.rmSync(path.join(dir, 'other.onnx.data'));
    }
    // A link named as the output that points at the input is the input too.
    const link = path.join(dir, 'link.onnx');
    fs.symlinkSync(input, link);
    assert.throws(() => resolveOutput(input, { tag: 'x', out: link, force: true }), /is the input model/);
    for (const f of [self, data, hard, link]) fs.rmSync(f);
  });

  it('checks that the folder is writable before any work', () => {
    const locked = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-job-locked-'));
    fs.chmodSync(locked, 0o555);
    try {
      // Root may write anywhere, so as root the check runs in a child as user nobody.
      const asRoot = process.getuid?.() === 0;
      const code = `require(${JSON.stringify(require.resolve('../../../src/core/jobs/job'))}).resolveOutput('/x/model.onnx', { tag: 'x', out: ${JSON.stringify(path.join(locked, 'x.onnx'))} })`;
      const r = spawnSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', code], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
      assert.match(r.stderr, /the output folder '.*ew-job-locked-.*' is not writable/);
      assert.notEqual(r.status, 0);
    } finally {
      fs.rmSync(locked, { recursive: true, force: true });
    }
  });

  it('removes what a job wrote when the steps after writing fail or are cancelled', async () => {
    const out = path.join(dir, 'written.onnx');
    const data = `${out}.data`;
    fs.writeFileSync(out, 'x');
    fs.writeFileSync(data, 'y');
    const c = new AbortController();
    c.abort();
    await assert.rejects(removeOnFailure([out, data, undefined], async () => throwIfCancelled(c.signal)), CancelledError);
    assert.ok(!fs.existsSync(out) && !fs.existsSync(data));
    fs.writeFileSync(out, 'x');
    assert.equal(await removeOnFailure([out], async () => 7), 7);
    assert.ok(fs.existsSync(out), 'kept on success');
  });
});
