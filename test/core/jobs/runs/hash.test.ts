import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentHash } from '../../../../src/core/jobs/runs/hash';
import { tempDir } from '../../../helpers/onnx-models';

describe('run record hashes (jobs/runs/hash)', () => {
  it('hashes a regular file and a folder of files', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.bin'), 'abc');
    const file = contentHash(path.join(dir, 'a.bin'));
    assert.deepEqual(file, { sha256: createHash('sha256').update('abc').digest('hex'), bytes: 3 });
    assert.equal(contentHash(dir)?.bytes, 3);
  });

  it('skips what is no regular file, at once: a FIFO (its open would block) and /dev/zero (it never ends)', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'm.onnx');
    execFileSync('mkfifo', [fifo]);
    const zero = path.join(dir, 'zero.onnx');
    fs.symlinkSync('/dev/zero', zero);
    assert.equal(contentHash(fifo), undefined);
    assert.equal(contentHash(zero), undefined);
    assert.equal(contentHash(path.join(dir, 'missing.onnx')), undefined);
    assert.equal(contentHash(dir)?.bytes, 0, 'a folder holding only those hashes to nothing');
  });
});
