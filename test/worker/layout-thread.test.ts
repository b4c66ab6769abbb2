import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError } from '../../src/core/base/cancel';
import type { LayoutGroup } from '../../src/core/graph/layout/types';
import { LayoutThread } from '../../src/worker/layout/client';
import { CACHE_STAMP, readLayoutCache, writeLayoutCache } from '../../src/worker/layout/cache-file';
import { chain } from './layout-chain';
import { buildWorker, root } from './build-worker';

const script = path.join(root, 'dist', 'layout-thread.js');

async function waitForFile(file: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > end) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('layout thread (dist/layout-thread.js) and its cache file', function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-layout-'));
  const threads: LayoutThread[] = [];
  const start = (cacheFile?: string): LayoutThread => {
    const t = new LayoutThread({ cacheFile }, script);
    threads.push(t);
    return t;
  };

  before(() => buildWorker());
  afterEach(async () => { await Promise.all(threads.splice(0).map((t) => t.dispose())); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('warms elkjs up on its own, then lays out', async () => {
    const t = start();
    const end = Date.now() + 30_000;
    while (t.warmMs === null && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(t.warmMs !== null && t.warmMs > 0, `the warm-up layout ran with no layout waiting (${t.warmMs})`);
    const r = await t.layout(chain(5), 'DOWN');
    assert.equal(Object.keys(r.boxes).length, 5);
    assert.ok(r.boxes.n4.y > r.boxes.n0.y, 'a chain goes down');
  });

  it('started later (the worker starts it when a view is asked for), starts with the first layout', async () => {
    const t = new LayoutThread({}, script, false);
    threads.push(t);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.startedAt, 0, 'no thread yet');
    assert.equal(t.warmMs, null);
    const r = await t.layout(chain(4), 'RIGHT');
    assert.ok(t.startedAt > 0);
    assert.ok(r.boxes.n3.x > r.boxes.n0.x, 'a chain goes right');
    assert.equal(t.warmMs, 0, 'no warm-up before a layout that was waiting when elkjs had loaded');
    assert.equal(t.primedMs, null, 'nor a set-up layout: the waiting layout sets elkjs up');
    // Its times in the thread (an open's settle breakdown): elkjs loaded after the thread started, then the layout, waiting meanwhile, reached the thread, began and ended.
    const th = r.thread;
    assert.ok(th && t.startedAt <= th.readyAt && th.readyAt <= th.receivedAt && th.receivedAt <= th.startAt && th.startAt <= th.endAt, JSON.stringify(th));
    assert.ok(th.endAt <= performance.timeOrigin + performance.now());
  });

  it('prepared (elkjs loaded, as during an open), does not warm up: the view\'s layouts come first', async () => {
    const t = new LayoutThread({}, script, false);
    threads.push(t);
    t.prepare();
    assert.ok(t.startedAt > 0, 'the thread started');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(t.warmMs, null, 'no warm-up on its own');
    const r = await t.layout(chain(3), 'DOWN');
    assert.equal(Object.keys(r.boxes).length, 3);
    assert.equal(t.warmMs, 0, 'the first layout ran with no warm-up before it');
  });

  it('prepared, sets elkjs up with a small layout of its own that stays out of the view\'s layouts and cache', async () => {
    const file = path.join(tmp, 'primed.json');
    const t = new LayoutThread({ cacheFile: file }, script, false);
    threads.push(t);
    t.prepare();
    // Long enough for elkjs to load and run its own small layout.
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(t.primedMs !== null && t.primedMs > 0, `the set-up layout ran (${t.primedMs})`);
    const r = await t.layout(chain(5), 'DOWN');
    assert.equal(r.laidOut, 1, 'the view\'s one group is laid out, not taken from the set-up layout');
    assert.equal(r.cached, 0);
    assert.equal(t.warmMs, 0, 'the set-up layout is not a warm-up: the view\'s layout reports none ran');
    await waitForFile(file);
    assert.equal(readLayoutCache(file).length, 1, 'only the view\'s group is written to the cache file');
  });

  it('keeps layouts across restarts in the cache file, and lays out again what changed', async () => {
    const file = path.join(tmp, 'cache.json');
    const first = await start(file).layout(chain(6), 'DOWN');
    assert.equal(first.laidOut, 1);
    await waitForFile(file);
    // The stamp, then a line per group layout (read at a thread's start, parsed when used).
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.deepEqual([lines.length, lines[0], lines[1].split('\t').length], [2, JSON.stringify(CACHE_STAMP), 2]);
    // A new thread (VS Code restarted) reads the file: no elkjs run for the same shape.
    const again = start(file);
    const cached = await again.layout(chain(6), 'DOWN');
    assert.equal(cached.laidOut, 0);
    assert.equal(cached.cached, 1);
    assert.deepEqual(cached.boxes, first.boxes);
    // Another shape (wider boxes: a label changed) is not taken from the cache.
    const wider = await again.layout(chain(6, 120), 'DOWN');
    assert.equal(wider.laidOut, 1);
    assert.notDeepEqual(wider.boxes, first.boxes);
  });

  it('ignores a cache file from other layout rules, or one it cannot read', async () => {
    const valid = path.join(tmp, 'valid.json');
    await start(valid).layout(chain(6), 'DOWN');
    await waitForFile(valid);
    const entries = readLayoutCache(valid, CACHE_STAMP);
    assert.equal(entries.length, 1);
    // The same entries under another stamp (another elkjs, other options) are not used...
    const other = path.join(tmp, 'other.json');
    writeLayoutCache(other, entries, 'layout 0; elkjs 0.0.0; {}');
    assert.deepEqual(readLayoutCache(other), []);
    assert.equal((await start(other).layout(chain(6), 'DOWN')).laidOut, 1);
    // ...nor one document of JSON, as the cache was written before it was read line by line...
    const older = path.join(tmp, 'older.json');
    fs.writeFileSync(older, JSON.stringify({ stamp: CACHE_STAMP, entries: entries.map(([k, v]) => [k, JSON.parse(v)]) }));
    assert.deepEqual(readLayoutCache(older), []);
    // ...nor is a truncated file; the thread rewrites it.
    const broken = path.join(tmp, 'broken.json');
    fs.writeFileSync(broken, '{"stamp": "layout');
    assert.deepEqual(readLayoutCache(broken), []);
    const u = start(broken);
    assert.equal((await u.layout(chain(7), 'DOWN')).laidOut, 1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(readLayoutCache(broken).length, 1);
  });

  it('cancels the running layout by restarting the thread, and still serves the queued ones', async () => {
    const t = start();
    // The thread is up (its start can take longer than the wait below): the big layout runs as soon as it is sent.
    await t.layout(chain(2), 'DOWN');
    const big = chain(1500);
    const controller = new AbortController();
    const running = t.layout(big, 'DOWN', controller.signal);
    const queued = t.layout(chain(3), 'DOWN');
    const dropped = new AbortController();
    const skippedOne = t.layout(chain(8), 'DOWN', dropped.signal);
    dropped.abort();
    await assert.rejects(skippedOne, CancelledError);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await assert.rejects(running, CancelledError);
    const r = await queued;
    assert.equal(Object.keys(r.boxes).length, 3);
    assert.equal(t.restarts, 1, 'one elkjs group (1,500 nodes) ran on past the grace: the thread was restarted');
  });

  it('stops a running layout of many groups before its next group, keeping the thread and what it laid out', async () => {
    const t = start();
    // 40 groups of 60 nodes, each its own shape: tens of ms each, elkjs's turn ends between them.
    const groups = Array.from({ length: 40 }, (_, i) => ({ id: `G${i}`, w: 0, h: 0, sub: { ...chain(60, 60 + i), id: `g${i}` } }));
    const many: LayoutGroup = { id: '', items: groups, edges: [], inPorts: [], outPorts: [] };
    await t.layout(chain(2), 'DOWN');
    const controller = new AbortController();
    const running = t.layout(many, 'DOWN', controller.signal);
    const queued = t.layout(chain(4), 'DOWN');
    await new Promise((r) => setTimeout(r, 150));
    controller.abort();
    await assert.rejects(running, CancelledError);
    const cancelledAt = performance.now();
    const r = await queued;
    const waitedMs = performance.now() - cancelledAt;
    assert.equal(Object.keys(r.boxes).length, 4);
    assert.equal(t.restarts, 0, 'no restart: the same thread, elkjs still warm');
    assert.ok(waitedMs < 250, `the queued layout ran ${waitedMs.toFixed(0)} ms after the cancel, within about one group`);
    // The groups laid out before the stop are kept: laying the whole again runs elkjs only for the rest.
    const again = await t.layout(many, 'DOWN');
    assert.ok(again.cached > 0 && again.laidOut < 41, `cached ${again.cached}, laid out ${again.laidOut}`);
  });
});
