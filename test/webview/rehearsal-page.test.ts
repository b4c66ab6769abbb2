/**
 * The page's rehearsal (webview/rehearsal.ts) in a real browser (headless Chromium, the real
 * bundle), as the model's message arrives: it is never kept behind a step the rehearsal has queued.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { openModel } from '../../src/core/formats/open';
import type { Rehearsed } from '../../webview/rehearsal';
import { launchChromium, packedModel, pageAwaitingModel, until, type OpenedGraph } from './graph-page';

const CNN = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');

describe('the page\'s rehearsal in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  const open: OpenedGraph[] = [];

  before(async () => { browser = await launchChromium(); });
  afterEach(async () => { for (const g of open.splice(0)) await g.close(); });
  after(async () => { await browser?.close(); });

  it('hears the model\'s message, posted once its first step was queued, before that step runs', async () => {
    const model = JSON.stringify(packedModel(CNN));
    // The page's scheduler posts the model's message right after the rehearsal queues its first step
    // (a timer's task, queued as early, would run before the message).
    const view = await pageAwaitingModel(browser, 1200, 800, `{ const post = scheduler.postTask.bind(scheduler); let sent = false;
      scheduler.postTask = (f, o) => { const queued = post(f, o); if (!sent) { sent = true; window.postMessage(${model}, '*'); } return queued; }; }`);
    open.push(view);
    const rehearsed = await until(view.page, () => (globalThis as { edgewiseRehearsed?: Rehearsed }).edgewiseRehearsed);
    assert.deepEqual(rehearsed, { steps: 0, items: 0 }, 'the model came first: no step ran');
    const nodes = await until(view.page, () => {
      const drawn = (globalThis as { edgewise?: { metrics: { settledAt: number; nodes: number } | null } }).edgewise?.metrics;
      return drawn?.settledAt ? drawn.nodes : 0;
    });
    assert.equal(nodes, openModel(CNN).viewGraph().nodes.length, 'the model is drawn');
  });
});
