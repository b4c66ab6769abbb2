import * as assert from 'node:assert/strict';
import type { Box } from '../../src/core/graph/layout/types';
import { overlaps, placeEdgeLabels } from '../../webview/render/edge-labels';

const down = (x: number, y0: number, y1: number) => ({ points: [x, y0, x, y1] });

describe('shape labels of edges (webview/render/edge-labels.ts)', () => {
  it('goes right of a downward edge, left when a box is in the way, further along when both sides are taken', () => {
    const edges = [down(100, 0, 200), down(400, 0, 200), down(700, 0, 200)];
    const wanted = new Map([[0, '1x64'], [1, '1x64'], [2, '1x64']]);
    const boxes: Box[] = [
      { x: 410, y: 0, w: 60, h: 30 },
      { x: 710, y: 0, w: 60, h: 18 }, { x: 630, y: 0, w: 60, h: 18 },
    ];
    const [free, blockedRight, blockedBoth] = placeEdgeLabels(edges, wanted, boxes);
    assert.deepEqual([free.x, free.y, free.align], [106, 11, 'left']);
    assert.deepEqual([blockedRight.x, blockedRight.y, blockedRight.align], [394, 11, 'right']);
    assert.deepEqual([blockedBoth.x, blockedBoth.y, blockedBoth.align], [706, 25, 'left']);
    for (const l of [free, blockedRight, blockedBoth]) for (const b of boxes) assert.ok(!overlaps(l.box, b));
  });

  it('keeps labels off each other and off other edges, at negative coordinates too', () => {
    // Two edges leaving the same point side by side, left of the origin: the second label moves on.
    const edges = [down(-300, -100, 100), down(-296, -100, 100), { points: [-400, -80, -250, -80] }];
    const labels = placeEdgeLabels(edges, new Map([[0, '1x3x224x224'], [1, '1x3x224x224']]), []);
    assert.equal(labels.length, 2);
    assert.ok(!overlaps(labels[0].box, labels[1].box), JSON.stringify(labels));
    const other = { x: -401, y: -81, w: 152, h: 2 };
    for (const l of labels) assert.ok(!overlaps(l.box, other), `${JSON.stringify(l.box)} crosses the horizontal edge`);
  });

  it('labels a rightward edge below it, else above', () => {
    const edges = [{ points: [0, 100, 300, 100] }, { points: [0, 300, 300, 300] }];
    const [free, blocked] = placeEdgeLabels(edges, new Map([[0, '8'], [1, '8']]), [{ x: 0, y: 305, w: 100, h: 20 }]);
    assert.deepEqual([free.x, free.y], [6, 111]);
    assert.deepEqual([blocked.x, blocked.y], [6, 289]);
  });
});
