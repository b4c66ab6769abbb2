/**
 * An edited model's versions on the real graph page (headless Chromium): a version sent as its
 * delta (an edit, undo, redo) is drawn exactly as the same version sent whole.
 */
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { OnnxReader } from '../../src/core/formats/onnx/reader';
import { applyEdit } from '../../src/core/passes/edit/apply';
import { viewGraphDelta } from '../../src/core/graph/view-delta';
import { deepModel } from '../fixtures/deep-model';
import { buildWorker } from '../worker/build-worker';
import { launchChromium, openGraph, until, type OpenedGraph } from './graph-page';

interface Shown { graph: unknown; items: string[]; edges: number; selected: string | null; shown: number }

describe('graph page: edited versions sent as deltas', function () {
  this.timeout(120_000);
  let browser: Browser;
  let g: OpenedGraph | undefined;
  before(async () => {
    buildWorker();
    browser = await launchChromium();
  });
  after(async () => {
    await g?.close();
    await browser?.close();
  });

  it('draws a delta (and an undo from its kept model) the same as the whole version', async () => {
    const model = deepModel(10);
    const a = new OnnxReader(model);
    const edited = new OnnxReader(applyEdit(model, { kind: 'bypass', node: '/encoder/block.5/unit.3/Identity' }).model);
    const [va, vb] = [a.viewGraph(), edited.viewGraph()];
    const file = '/models/deep_1000.onnx';
    g = await openGraph(browser, { file, graph: va, summary: a.summary() }, 1400, 900);
    const page = g.page;
    let versions = 0;
    // What the page shows once the next version is drawn: its root graph, the boxes and where they are.
    const shown = async (): Promise<Shown> => {
      versions++;
      await until(page, new Function(`return globalThis.edgewise.versions.shown >= ${versions}`) as () => boolean);
      return page.evaluate(() => {
        const app = (globalThis as unknown as { edgewise: { frames: { graph: unknown }[]; scene: { items: { id: string; x: number; y: number; w: number; h: number }[]; edges: unknown[] }; selected: string | null; versions: { shown: number } } }).edgewise;
        return {
          graph: JSON.parse(JSON.stringify(app.frames[0].graph)),
          items: app.scene.items.map((i) => `${i.id} ${Math.round(i.x)},${Math.round(i.y)} ${Math.round(i.w)}x${Math.round(i.h)}`),
          edges: app.scene.edges.length,
          selected: app.selected,
          shown: app.versions.shown,
        };
      });
    };
    const summary = { a: a.summary(), b: edited.summary() };
    const post = {
      delta: (from: number, to: number) => g!.post({ type: 'modelDelta', file, delta: from === 0 ? viewGraphDelta(va, vb, 0, 1) : viewGraphDelta(vb, va, 1, 0), summary: to === 1 ? summary.b : summary.a, editable: true }),
      whole: (v: number) => g!.post({ type: 'model', file, graph: v === 1 ? vb : va, summary: v === 1 ? summary.b : summary.a, editable: true, edited: true }),
    };
    // The edited block is open, so the edit shows.
    await page.evaluate(() => {
      const app = (globalThis as unknown as { edgewise: { expanded: Set<string>; toggleGroup(g: string): void } }).edgewise;
      if (!app.expanded.has('encoder/block.5')) app.toggleGroup('encoder/block.5');
    });
    await until(page, () => (globalThis as unknown as { edgewise: { scene: { byId: Map<string, unknown> } } }).edgewise.scene.byId.has('G:encoder/block.5/unit.3'));

    post.delta(0, 1);
    const deltaB = await shown();
    post.whole(1);
    const wholeB = await shown();
    post.whole(0);
    const wholeA = await shown();
    post.delta(0, 1);
    const again = await shown();
    post.delta(1, 0); // version 0's model was kept when the delta from it came
    const undoneA = await shown();

    const strip = ({ shown: _, ...rest }: Shown) => rest;
    assert.deepEqual(JSON.parse(JSON.stringify(vb)), deltaB.graph);
    assert.deepEqual(strip(deltaB), strip(wholeB), 'the delta draws what the whole version draws');
    assert.deepEqual(strip(again), strip(wholeB));
    assert.deepEqual(strip(undoneA), strip(wholeA), 'the undo draws what the whole version draws');
    assert.notDeepEqual(deltaB.items, wholeA.items, 'the edit changed what is drawn');
    assert.equal(undoneA.shown, 5);
  });
});
