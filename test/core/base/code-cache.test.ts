import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeCacheFile, loadWithCodeCache } from '../../../src/core/base/code-cache';

/** A bundle written more than 2 s ago (a newer one is not cached: its clock could hide a second write). */
const settle = () => new Promise((r) => setTimeout(r, 2100));
const until = async (ok: () => boolean) => { for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20)); };

describe('loading a bundle with V8\'s code cache (core/base/code-cache.ts)', function () {
  this.timeout(20_000);
  let dir: string;
  let cache: string;
  const env = process.env.EDGEWISE_CACHE_DIR;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-code-cache-'));
    cache = path.join(dir, 'cache');
    process.env.EDGEWISE_CACHE_DIR = cache;
  });
  after(() => {
    if (env === undefined) delete process.env.EDGEWISE_CACHE_DIR; else process.env.EDGEWISE_CACHE_DIR = env;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const files = () => (fs.existsSync(path.join(cache, 'code-cache')) ? fs.readdirSync(path.join(cache, 'code-cache')).filter((f) => f.endsWith('.bin')) : []);
  const source = (n: number) => `const path = require('node:path');\nexports.answer = () => ${n} * 2;\nexports.where = __dirname;\nexports.base = path.basename(__filename);\n`;

  it('runs the bundle as a module, writes the cache once, uses it next time, and a new build replaces it', async () => {
    const bundle = path.join(dir, 'bundle.js');
    fs.writeFileSync(bundle, source(21));
    await settle();
    const first = loadWithCodeCache<{ answer(): number; where: string; base: string }>(bundle, { name: 'test', writeAfterMs: 0 });
    assert.deepEqual([first.cache, first.exports.answer(), first.exports.where, first.exports.base], ['none', 42, dir, 'bundle.js']);
    await until(() => files().length > 0);
    assert.deepEqual(files(), [path.basename(first.file)]);
    const second = loadWithCodeCache<{ answer(): number }>(bundle, { name: 'test', writeAfterMs: 0 });
    assert.deepEqual([second.cache, second.exports.answer(), second.file], ['used', 42, first.file]);

    // A new build of the bundle (another size and times): its own cache, the old one goes.
    fs.writeFileSync(bundle, source(210));
    await settle();
    assert.notEqual(codeCacheFile('test', bundle), first.file);
    const rebuilt = loadWithCodeCache<{ answer(): number }>(bundle, { name: 'test', writeAfterMs: 0 });
    assert.deepEqual([rebuilt.cache, rebuilt.exports.answer()], ['none', 420]);
    await until(() => files().includes(path.basename(rebuilt.file)) && files().length === 1);
    assert.deepEqual(files(), [path.basename(rebuilt.file)]);
  });

  it('compiles as before when the cache is damaged, and replaces it', async () => {
    const bundle = path.join(dir, 'other.js');
    fs.writeFileSync(bundle, source(5));
    await settle();
    const file = codeCacheFile('other', bundle);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    const damaged = loadWithCodeCache<{ answer(): number }>(bundle, { name: 'other', writeAfterMs: 0 });
    assert.deepEqual([damaged.cache, damaged.exports.answer()], ['refused', 10]);
    await until(() => !fs.readFileSync(file).equals(Buffer.alloc(4096, 7)));
    assert.equal(loadWithCodeCache(bundle, { name: 'other' }).cache, 'used');
  });

  it('reads a bundle beyond ASCII as UTF-8 (an ASCII one is read as Latin-1), with and without its cache', async () => {
    const bundle = path.join(dir, 'text.js');
    // In a comment and in strings: '‖ref − test‖', a non-BMP character, and an escape that stays one.
    fs.writeFileSync(bundle, '// ‖ref − test‖ / ‖ref‖\nexports.text = "‖ref − test‖ é 𝜎 \\u00e9";\nexports.ascii = "plain";\n');
    await settle();
    const first = loadWithCodeCache<{ text: string; ascii: string }>(bundle, { name: 'text', writeAfterMs: 0 });
    assert.deepEqual([first.cache, first.exports.text, first.exports.ascii], ['none', '‖ref − test‖ é 𝜎 é', 'plain']);
    await until(() => files().includes(path.basename(first.file)));
    const second = loadWithCodeCache<{ text: string }>(bundle, { name: 'text', writeAfterMs: 0 });
    assert.deepEqual([second.cache, second.exports.text], ['used', '‖ref − test‖ é 𝜎 é']);
  });

  it('does not cache a bundle written in the last seconds', () => {
    const bundle = path.join(dir, 'fresh.js');
    fs.writeFileSync(bundle, source(1));
    const r = loadWithCodeCache<{ answer(): number }>(bundle, { name: 'fresh', writeAfterMs: 0 });
    assert.equal(r.exports.answer(), 2);
    return new Promise<void>((resolve) => setTimeout(() => { assert.equal(fs.existsSync(r.file), false); resolve(); }, 100));
  });
});
