import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient } from '../../src/extension/worker-client';
import { layoutResultOf } from '../../src/core/graph/layout/packed-result';
import { LayoutRequest, OpenViewRequest } from '../../src/worker/protocol';
import { buildWorker, fixture, root, workerPath } from './build-worker';

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the worker and its layout thread start with V8\'s code cache (worker/boot.ts, layout/thread-boot.ts)', function () {
  this.timeout(90_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-worker-cache-'));
  const saved = { cache: process.env.EDGEWISE_CACHE_DIR, trace: process.env.EDGEWISE_TRACE };
  let client: WorkerClient | undefined;
  before(async () => {
    buildWorker();
    // The worker forks with this process's environment: its own cache folder, and its phase marks.
    process.env.EDGEWISE_CACHE_DIR = tmp;
    process.env.EDGEWISE_TRACE = '1';
    // A bundle written in the last 2 s is not cached.
    const age = Date.now() - fs.statSync(path.join(root, 'dist/worker-main.js')).mtimeMs;
    if (age < 2500) await new Promise((r) => setTimeout(r, 2500 - age));
  });
  afterEach(() => client?.dispose());
  after(() => {
    for (const [k, v] of [['EDGEWISE_CACHE_DIR', saved.cache], ['EDGEWISE_TRACE', saved.trace]] as const) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cached = () => (fs.existsSync(path.join(tmp, 'code-cache')) ? fs.readdirSync(path.join(tmp, 'code-cache')).filter((f) => f.endsWith('.bin')).sort() : []);

  /** Opens the fixture's view in a new worker and lays it out with elkjs; the code cache each bundle reported. */
  async function openAndLayOut(): Promise<{ worker?: string; thread?: string }> {
    const marks: { worker?: string; thread?: string } = {};
    client = new WorkerClient({
      workerPath,
      log: (l) => {
        const m = /(worker|layout thread): compiled, code cache (\w+)/.exec(l);
        if (m) marks[m[1] === 'worker' ? 'worker' : 'thread'] = m[2];
      },
    });
    const opened = await client.request(OpenViewRequest.type, { file: fixture });
    assert.ok(opened.nodes > 5);
    const root = { id: '', items: [{ id: 'a', w: 80, h: 40 }, { id: 'b', w: 80, h: 40 }], edges: [{ from: 'a', to: 'b', value: 'x' }], inPorts: [], outPorts: [] };
    const laid = layoutResultOf(await client.request(LayoutRequest.type, { root, direction: 'DOWN' }));
    assert.ok(laid.boxes.b.y > laid.boxes.a.y);
    await waitFor(() => marks.worker !== undefined && marks.thread !== undefined, 10_000, 'the compile marks');
    return marks;
  }

  it('writes both caches a few seconds after the first start, and the next worker uses them', async () => {
    assert.deepEqual(await openAndLayOut(), { worker: 'none', thread: 'none' });
    await waitFor(() => cached().length === 2, 15_000, 'the worker and layout-thread caches');
    assert.deepEqual(cached().map((f) => f.split('-').slice(0, -2).join('-')), ['layout-thread', 'worker']);
    client!.dispose();
    assert.deepEqual(await openAndLayOut(), { worker: 'used', thread: 'used' });
  });
});
