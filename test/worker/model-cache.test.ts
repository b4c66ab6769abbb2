import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelReader } from '../../src/core/formats/format';
import { ModelCache } from '../../src/worker/model-cache';

/** A reader that only records which file it came from: the cache's behaviour is the subject. */
function fakeOpen(opened: string[]) {
  return (file: string): ModelReader => {
    opened.push(file);
    return { format: 'onnx', summary: () => { throw new Error('unused'); }, viewGraph: () => { throw new Error('unused'); }, nodeDetails: () => { throw new Error('unused'); } };
  };
}

describe('worker model cache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-cache-'));
  const file = (name: string) => {
    const f = path.join(dir, name);
    if (!fs.existsSync(f)) fs.writeFileSync(f, name);
    return f;
  };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens a file once while it is unchanged', () => {
    const opened: string[] = [];
    const cache = new ModelCache(4, fakeOpen(opened));
    const a = cache.get(file('a.onnx'));
    assert.equal(cache.get(file('a.onnx')), a);
    assert.deepEqual(opened, [file('a.onnx')]);
  });

  it('opens the file again when it changes on disk', () => {
    const opened: string[] = [];
    const cache = new ModelCache(4, fakeOpen(opened));
    const f = file('b.onnx');
    const first = cache.get(f);
    fs.writeFileSync(f, 'a longer body than before');
    fs.utimesSync(f, new Date(), new Date(Date.now() + 5000));
    assert.notEqual(cache.get(f), first);
    assert.equal(opened.length, 2);
  });

  it('drops the least recently used reader past its capacity, and forgets on request', () => {
    const opened: string[] = [];
    const cache = new ModelCache(2, fakeOpen(opened));
    cache.get(file('c.onnx'));
    cache.get(file('d.onnx'));
    cache.get(file('c.onnx')); // c is now the most recent
    cache.get(file('e.onnx'));
    assert.deepEqual(cache.files(), [file('c.onnx'), file('e.onnx')]);
    cache.forget(file('c.onnx'));
    assert.deepEqual(cache.files(), [file('e.onnx')]);
  });
});
