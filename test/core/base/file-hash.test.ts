import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MODULE = path.resolve(__dirname, '../../../src/core/base/file-hash.ts');

/** The hash as a fresh process (a new CLI run) sees it, sync and async, with its own cache folder. */
function hashInNewProcess(file: string, cache: string): { sync: string; async: string } {
  const code = `const h = require(${JSON.stringify(MODULE)}); h.fileSha256(${JSON.stringify(file)}).then((a) => ` +
    `console.log(JSON.stringify({ sync: h.fileSha256Sync(${JSON.stringify(file)}), async: a })));`;
  const r = spawnSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', code], { encoding: 'utf8', env: { ...process.env, EDGEWISE_CACHE_DIR: cache } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { sync: string; async: string };
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('file hashes remembered across processes (base/file-hash)', function () {
  this.timeout(60_000);
  let dir: string;
  let cache: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-file-hash-'));
    cache = path.join(dir, 'cache');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const store = () => JSON.parse(fs.readFileSync(path.join(cache, 'file-hashes.json'), 'utf8')) as { files: Record<string, { sha256: string }> };

  it('does not remember a file modified as it was hashed (a coarse clock could hide a second write)', () => {
    const file = path.join(dir, 'fresh.onnx');
    const bytes = crypto.randomBytes(3 << 20);
    fs.writeFileSync(file, bytes);
    // Dated a minute ahead: still "just modified" when the child hashes it, however slowly it starts.
    const ahead = new Date(Date.now() + 60_000);
    fs.utimesSync(file, ahead, ahead);
    assert.deepEqual(hashInNewProcess(file, cache), { sync: sha(bytes), async: sha(bytes) });
    assert.equal(fs.existsSync(path.join(cache, 'file-hashes.json')), false);
  });

  it('remembers a settled large file in the cache folder, keyed by its version; a changed file is read again', async () => {
    const file = path.join(dir, 'model.onnx');
    const bytes = crypto.randomBytes(3 << 20);
    fs.writeFileSync(file, bytes);
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(hashInNewProcess(file, cache).sync, sha(bytes));
    assert.equal(store().files[file].sha256, sha(bytes));
    assert.equal(fs.readdirSync(dir).filter((f) => f !== 'cache').join(), 'model.onnx', 'nothing is written beside the model');

    // A later process takes the entry without reading the file: a doctored entry shows it.
    const doctored = 'f'.repeat(64);
    const s = store();
    s.files[file].sha256 = doctored;
    fs.writeFileSync(path.join(cache, 'file-hashes.json'), JSON.stringify(s));
    assert.deepEqual(hashInNewProcess(file, cache), { sync: doctored, async: doctored });

    // Same size, new bytes: the change time differs, so the file is read again.
    const other = crypto.randomBytes(3 << 20);
    fs.writeFileSync(file, other);
    assert.deepEqual(hashInNewProcess(file, cache), { sync: sha(other), async: sha(other) });
  });

  it('keeps small files out of the cache and survives a damaged cache file', async () => {
    const small = path.join(dir, 'small.npy');
    fs.writeFileSync(small, 'tiny');
    fs.mkdirSync(cache);
    fs.writeFileSync(path.join(cache, 'file-hashes.json'), '{not json');
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(hashInNewProcess(small, cache).sync, sha(Buffer.from('tiny')));
    assert.equal(fs.readFileSync(path.join(cache, 'file-hashes.json'), 'utf8'), '{not json');
  });
});
