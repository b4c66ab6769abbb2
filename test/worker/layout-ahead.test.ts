import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveModel } from '../../src/core/formats/onnx/io';
import { deepModel } from '../fixtures/deep-model';
import { firstScreen, firstScreenModel } from '../../src/core/graph/first-screen';
import { layoutResultOf } from '../../src/core/graph/layout/packed-result';
import { OWN_LAYOUT_MAX_ITEMS } from '../../src/core/graph/layout/quick-layout';
import { mayLayOutAhead } from '../../src/worker/layout/ahead';
import { viewGraphOf } from '../../src/core/graph/packed';
import { BUILT_IN_METRICS, TABLE_CHARS, type TextMetrics } from '../../src/core/graph/text-metrics';
import { GraphSession } from '../../src/extension/graph-session';
import { WorkerClient } from '../../src/extension/worker-client';
import type { HostToWebview } from '../../webview/messages';
import { buildWorker, root, workerPath } from './build-worker';
import { until } from '../helpers/until';

const CNN = path.join(root, 'test', 'fixtures', 'fmnist_mobilenet.onnx');
/** Its first screen: 398 boxes in 6 groups of up to 96, which the page's own layout settles. */
const PPOCR = path.join(root, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_rec_infer.onnx');

/** One group of 300 blocks on its first screen: more than the page's own layout takes, so elkjs lays it out, ahead. */
const WIDE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-ahead-')), 'wide_300.onnx');

/** Runs `f` with a worker of its own that traces (EDGEWISE_TRACE) into `lines`. */
async function withTrace(f: (tracing: WorkerClient, lines: string[]) => Promise<void>): Promise<void> {
  const traced = process.env.EDGEWISE_TRACE;
  process.env.EDGEWISE_TRACE = '1';
  const lines: string[] = [];
  const tracing = new WorkerClient({ workerPath, log: (l) => lines.push(l) });
  try {
    await f(tracing, lines);
  } finally {
    tracing.dispose();
    if (traced === undefined) delete process.env.EDGEWISE_TRACE;
    else process.env.EDGEWISE_TRACE = traced;
  }
}

const scaled = (font: string, k: number): TextMetrics => ({ font, normal: BUILT_IN_METRICS.normal.map((w) => w * k), bold: BUILT_IN_METRICS.bold.map((w) => w * k) });

/** Opens `file` as the page does and asks for its first screen's layout measured with `pageMetrics` (default: what the host sent). */
async function openAndLayOut(worker: WorkerClient, file: string, store?: { get(): unknown; set(m: TextMetrics): void }, pageMetrics?: TextMetrics) {
  const posted: HostToWebview[] = [];
  const session = new GraphSession(file, worker, (m) => posted.push(m), { textMetrics: store });
  session.handle({ type: 'ready' });
  const model = await until(() => posted.find((m) => m.type === 'model'));
  assert.ok(model.type === 'model' && model.textMetrics);
  const { tree } = firstScreen(firstScreenModel(viewGraphOf(model.graph), pageMetrics ?? model.textMetrics));
  session.handle({ type: 'layout', requestId: 1, root: tree, direction: 'DOWN' });
  const answer = await until(() => posted.find((m) => m.type === 'layout' || m.type === 'layoutError'));
  assert.ok(answer.type === 'layout', JSON.stringify(answer));
  return { session, sent: model.textMetrics, result: layoutResultOf(answer.result) };
}

describe('the worker lays out the first screen ahead of the page (worker/layout/ahead.ts)', function () {
  this.timeout(60_000);
  let worker: WorkerClient;

  before(() => {
    buildWorker();
    saveModel(deepModel(300, 1), WIDE);
  });
  after(() => fs.rmSync(path.dirname(WIDE), { recursive: true, force: true }));
  beforeEach(() => { worker = new WorkerClient({ workerPath }); });
  afterEach(() => worker.dispose());

  it("does not lay out ahead a first screen the page's own layout settles, and lays it out when asked", () => withTrace(async (tracing, lines) => {
    for (const file of [CNN, PPOCR]) {
      const { session, sent, result } = await openAndLayOut(tracing, file);
      assert.deepEqual(sent, BUILT_IN_METRICS, 'nothing kept: the built-in table, to the worker and the page');
      if (file === CNN) {
        // 73 nodes: no group can be too large for the page's own layout, and no first screen is made.
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(!lines.some((l) => l.includes('first screen')), lines.join('\n'));
      } else {
        await until(() => lines.find((l) => l.includes('first screen: not laid out ahead (every group fits the page\'s own layout)')));
      }
      assert.ok(result.laidOut > 0, `${path.basename(file)}: elkjs laid it out at the request, nothing ahead`);
      assert.ok(!lines.some((l) => l.includes('first screen: layout request made')), lines.join('\n'));
      session.dispose();
      lines.length = 0;
    }
  }));

  it("answers the page's first layout request from its cache: every group was laid out at the open", async () => {
    const { session, sent, result } = await openAndLayOut(worker, WIDE);
    assert.deepEqual(sent, BUILT_IN_METRICS, 'nothing kept: the built-in table, to the worker and the page');
    assert.ok(result.cached >= 2, `the first screen has groups: ${result.cached} cached`);
    assert.equal(result.laidOut, 0, 'none left to lay out when the page asked');
    session.dispose();
  });

  it("lays out with the label widths the host keeps, and the page's request then matches", async () => {
    const kept = scaled('Kept Sans', 1.3);
    const { session, sent, result } = await openAndLayOut(worker, WIDE, { get: () => kept, set: () => undefined });
    assert.deepEqual(sent, kept);
    assert.equal(result.laidOut, 0);
    assert.ok(result.cached > 0);
    session.dispose();
  });

  it('lays out what the page asks for when it measured otherwise: the boxes of its own sizes', async () => {
    const { session, result } = await openAndLayOut(worker, WIDE, undefined, scaled('Other', 1.5));
    assert.ok(result.laidOut > 0, 'groups of other sizes are laid out at the request');
    session.dispose();
  });

  it('drops the layout ahead when its view closes first, and lays out the next view', () => withTrace(async (tracing, lines) => {
    const posted: HostToWebview[] = [];
    const closed = new GraphSession(WIDE, tracing, (m) => posted.push(m));
    closed.handle({ type: 'ready' });
    await until(() => posted.find((m) => m.type === 'model'));
    closed.dispose();
    await until(() => lines.find((l) => l.includes('first screen: not laid out ahead (cancelled)')), 20_000);
    assert.ok(!lines.some((l) => l.includes('first screen: laid out ahead')), lines.join('\n'));
    const { session, result } = await openAndLayOut(tracing, WIDE);
    assert.equal(result.laidOut, 0, "the next view's first screen was laid out ahead");
    session.dispose();
  }));

  it('makes a first screen ahead only for models large enough to need elkjs, and not too large to model twice', () => {
    assert.equal(mayLayOutAhead(OWN_LAYOUT_MAX_ITEMS - 2, 2), false);
    assert.equal(mayLayOutAhead(OWN_LAYOUT_MAX_ITEMS - 1, 2), true);
    assert.equal(mayLayOutAhead(5000, 0), true);
    assert.equal(mayLayOutAhead(5001, 0), false);
  });

  it("keeps the page's measured widths when well formed, and ignores a kept table that is not", async () => {
    let kept: unknown = { font: 'x', normal: [1, 2], bold: [] };
    const store = { get: () => kept, set: (m: TextMetrics) => { kept = m; } };
    const posted: HostToWebview[] = [];
    const session = new GraphSession(CNN, worker, (m) => posted.push(m), { textMetrics: store });
    session.handle({ type: 'ready' });
    const model = await until(() => posted.find((m) => m.type === 'model'));
    assert.ok(model.type === 'model');
    assert.deepEqual(model.textMetrics, BUILT_IN_METRICS, 'a malformed kept table is not used');
    const bad: unknown[] = [
      { font: 'F', normal: BUILT_IN_METRICS.normal.slice(1), bold: BUILT_IN_METRICS.bold },
      { font: 'F', normal: BUILT_IN_METRICS.normal.map(() => NaN), bold: BUILT_IN_METRICS.bold },
      { font: 7, normal: BUILT_IN_METRICS.normal, bold: BUILT_IN_METRICS.bold },
      null,
    ];
    for (const metrics of bad) assert.ok(session.handle({ type: 'textMetrics', metrics: metrics as TextMetrics }));
    assert.deepEqual(kept, { font: 'x', normal: [1, 2], bold: [] }, 'nothing malformed is kept');
    const measured = scaled('Page Sans', 0.9);
    assert.equal(measured.normal.length, TABLE_CHARS.length);
    session.handle({ type: 'textMetrics', metrics: measured });
    assert.deepEqual(kept, measured);
    session.dispose();
  });
});
