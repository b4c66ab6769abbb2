import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openModel } from '../../src/core/formats/open';
import { viewGraphOf } from '../../src/core/graph/packed';
import { layoutResultOf } from '../../src/core/graph/layout/packed-result';
import { GraphSession } from '../../src/extension/graph-session';
import { describeOpen, openBreakdown, settleBreakdown, type OpenTiming } from '../../src/extension/open-timing';
import { WorkerClient } from '../../src/extension/worker-client';
import type { HostToWebview, ViewTiming } from '../../webview/messages';
import { buildWorker, fixture, workerPath } from '../worker/build-worker';
import { saveModel } from '../../src/core/formats/onnx/io';
import { ENCODER_LINE, torchExportedModel } from '../fixtures/torch-exported';
import { until } from '../helpers/until';

const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const now = (): number => performance.timeOrigin + performance.now();

describe('graph session: the relay between a graph view and the worker', function () {
  this.timeout(60_000);
  let worker: WorkerClient;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-session-'));

  before(() => buildWorker());
  beforeEach(() => { worker = new WorkerClient({ workerPath }); });
  afterEach(() => worker.dispose());
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('starts the worker at the open and has the model decoded before the page is ready', async () => {
    const posted: HostToWebview[] = [];
    const openAt = now();
    const session = new GraphSession(fixture, worker, (m) => posted.push(m), { openAt });
    assert.ok(worker.pid, 'the open started the worker');
    assert.equal(session.timing.coldWorker, true);
    // The page is still loading: the answer is asked for already, nothing is posted yet.
    const answeredAt = await until(() => session.timing.answeredAt || undefined);
    assert.equal(posted.length, 0);
    assert.ok(session.handle({ type: 'ready' }));
    const model = await until(() => posted.find((m) => m.type === 'model'));
    // Packed by the worker, relayed as it came; the page unpacks the very view graph the reader makes.
    assert.ok(model.type === 'model' && typeof model.graph === 'string');
    assert.deepEqual(json(viewGraphOf(model.graph)), json(openModel(fixture).viewGraph()));
    assert.ok(session.timing.postedAt >= answeredAt);
    // The relay's time, and the making of the editor as its maker timed it (model-editor.ts), are the host's own work.
    const relayed = session.timing.hostMs;
    assert.ok(relayed > 0);
    assert.equal(session.timing.hostMakeMs, 0);
    session.countHostWork(2.5);
    assert.equal(session.timing.hostMs, relayed + 2.5);
    assert.equal(session.timing.hostMakeMs, 2.5);
    const w = session.timing.worker!;
    assert.ok(openAt <= w.processStartAt && w.processStartAt <= w.readyAt && w.readyAt <= w.receivedAt && w.receivedAt <= w.decodedAt && w.decodedAt <= w.builtAt,
      `the worker's clock runs in order: ${JSON.stringify(w)}`);
    session.dispose();
  });

  it("relays the view's layouts to the worker's layout thread, and its cancellations", async () => {
    const posted: HostToWebview[] = [];
    const session = new GraphSession(fixture, worker, (m) => posted.push(m));
    const items = [{ id: 'a', w: 60, h: 40 }, { id: 'b', w: 60, h: 40 }];
    session.handle({ type: 'layout', requestId: 1, direction: 'DOWN', root: { id: '', items, edges: [{ from: 'a', to: 'b', value: 'x' }], inPorts: [], outPorts: [] } });
    const answer = await until(() => posted.find((m) => m.type === 'layout' || m.type === 'layoutError'));
    assert.equal(answer.type, 'layout');
    assert.ok(answer.type === 'layout' && typeof answer.result === 'string', 'relayed packed, as the worker answered');
    const result = layoutResultOf(answer.result);
    assert.ok(result.boxes.b.y > result.boxes.a.y);
    // The first relay's times (the settle breakdown's page -> host and host -> page), and the layout thread's, travel with it.
    const relay = session.timing.layoutRelay;
    // Compared as durations: the two processes' wall clocks can differ (one adjusted while the other ran).
    const t = result.thread!;
    assert.ok(relay && t.receivedAt <= t.startAt && t.startAt <= t.endAt && t.endAt - t.receivedAt <= relay.answeredAt - relay.heardAt, JSON.stringify({ relay, thread: t }));
    // A big layout, cancelled by the view, answers 'cancelled'.
    const big = Array.from({ length: 1200 }, (_, i) => ({ id: `n${i}`, w: 60, h: 40 }));
    session.handle({ type: 'layout', requestId: 2, direction: 'DOWN', root: { id: '', items: big, edges: big.slice(1).map((it, i) => ({ from: `n${i}`, to: it.id, value: `v${i}` })), inPorts: [], outPorts: [] } });
    session.handle({ type: 'cancelLayout', requestId: 2 });
    const cancelled = await until(() => posted.find((m) => m.type === 'layoutError' && m.requestId === 2));
    assert.ok(cancelled.type === 'layoutError' && cancelled.cancelled);
    session.dispose();
  });

  it("relays a node's details from the worker with its memory and source, and the measured peak RSS the host knows", async () => {
    const file = path.join(tmp, 'exported.onnx');
    saveModel(torchExportedModel('/src/model.py'), file);
    const posted: HostToWebview[] = [];
    let peak: { bytes: number; how: string } | undefined;
    const session = new GraphSession(file, worker, (m) => posted.push(m), { peakRss: () => peak });
    session.handle({ type: 'nodeDetails', requestId: 1, nodeId: 'node_relu', graphPath: [] });
    const first = await until(() => posted.find((m) => m.type === 'nodeDetails' || m.type === 'nodeDetailsError'));
    assert.ok(first.type === 'nodeDetails', JSON.stringify(first));
    assert.equal(first.details.memory?.outputBytes, 64);
    assert.deepEqual(first.details.source?.[0], { file: '/src/model.py', line: ENCODER_LINE, function: 'forward', code: 'h = self.encoder(x)' });
    assert.equal(first.peakRss, undefined, 'nothing measured: nothing sent');
    peak = { bytes: 31_457_280, how: 'last benchmark, 1 thread' };
    session.handle({ type: 'nodeDetails', requestId: 2, nodeId: 'node_relu', graphPath: [] });
    const second = await until(() => posted.find((m) => m.type === 'nodeDetails' && m.requestId === 2));
    assert.ok(second.type === 'nodeDetails');
    assert.deepEqual(second.peakRss, peak);
    session.dispose();
  });

  it("posts a bad model's error, naming the problem, instead of a graph", async () => {
    const bad = path.join(tmp, 'broken.onnx');
    fs.writeFileSync(bad, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    const posted: HostToWebview[] = [];
    const session = new GraphSession(bad, worker, (m) => posted.push(m));
    session.handle({ type: 'ready' });
    const error = await until(() => posted.find((m) => m.type === 'error'));
    assert.ok(error.type === 'error' && error.file === bad && error.message.length > 0 && !error.message.startsWith(bad));
    session.dispose();
  });

  it('puts the open together from the three clocks: first frame, settled and each phase', () => {
    const o = 1_000_000;
    const view: ViewTiming = {
      pageStartAt: o + 5, scriptAt: o + 60, readyAt: o + 80, receivedAt: o + 130, layoutRequestedAt: o + 135, layoutAnsweredAt: o + 180,
      paintedAt: o + 200, settledAt: o + 260, firstItems: 40, settledItems: 90, elkMs: 30, laidOut: 3, cached: 1,
      elkAskedAt: o + 140, elkAnsweredAt: o + 250, thread: { readyAt: o + 190, receivedAt: o + 191, startAt: o + 203, endAt: o + 240 },
    };
    const t: OpenTiming = {
      file: '/m/a.onnx', openAt: o, coldWorker: true, answeredAt: o + 120, postedAt: o + 121, hostMs: 1.5, hostMakeMs: 1.2, view,
      worker: { processStartAt: o + 2, readyAt: o + 70, receivedAt: o + 72, decodedAt: o + 100, builtAt: o + 110 },
      layoutRelay: { heardAt: o + 145, answeredAt: o + 243 },
    };
    assert.deepEqual(openBreakdown(t), {
      firstFrameMs: 200, settledMs: 260, workerStartMs: 70, decodeMs: 28, viewGraphMs: 10, messageMs: 10, modelMs: 5, pageLoadMs: 80, pageStartMs: 5, layoutMs: 45, paintMs: 20, hostMs: 1.5, hostMakeMs: 1.2,
    });
    assert.match(describeOpen(t), /^opened a\.onnx in 200 ms to the first frame, 260 ms settled \(cold worker: start 70, decode 28/);
    assert.match(describeOpen(t), /; page load 80, of which before the page began 5; model 5; layout 45; paint 20; host 1.5, of which making the editor 1.2\)/);
    assert.match(describeOpen(t), /; settled 60 ms after the first frame \(asked 60 ahead: request 51, of which page -> host 5 and the layout thread starting 50; queue 12; layout 37, elkjs 30; back 10, of which host -> page 7; drawn 10; elkjs's groups: 3 laid out at the page's request, 1 laid out ahead or cached\)$/);
    // Asked at 140, before the first frame (200): the thread, loaded at 190, began at 203 after a layout queued before it.
    assert.deepEqual(settleBreakdown(t), {
      gapMs: 60, aheadMs: 60, requestMs: 51, pageToHostMs: 5, threadStartMs: 50, queueMs: 12, layoutMs: 37, elkMs: 30, returnMs: 10, hostToPageMs: 7, drawMs: 10,
    });
    // A thread running already: the request's trip alone.
    assert.equal(settleBreakdown({ ...t, view: { ...view, thread: { ...view.thread!, readyAt: o - 500 } } }).threadStartMs, 0);
    // A view not settled yet (or an older page: no times from the thread) has no parts to give.
    assert.deepEqual(Object.values(settleBreakdown({ ...t, view: { ...view, settledAt: 0, elkAnsweredAt: 0, thread: undefined } })).filter((x) => x !== null), [60, 5]);
    // A warm open does not count the worker's start; a view that has not drawn has no first frame.
    const warm = openBreakdown({ ...t, coldWorker: false, view: undefined });
    assert.equal(warm.workerStartMs, 0);
    assert.equal(warm.firstFrameMs, null);
  });
});
