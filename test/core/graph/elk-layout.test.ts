import * as assert from 'node:assert/strict';
import ELK from 'elkjs/lib/elk.bundled.js';
import { Layouter } from '../../../src/core/graph/layout/elk-layout';
import type { LayoutGroup } from '../../../src/core/graph/layout/types';

/** Two inputs feeding an expanded group (two nodes) through two in-ports. */
function request(): LayoutGroup {
  const sub: LayoutGroup = {
    id: 'g',
    items: [{ id: 'a', w: 60, h: 40 }, { id: 'b', w: 60, h: 40 }],
    edges: [{ from: '^in:x', to: 'a', value: 'x' }, { from: '^in:y', to: 'b', value: 'y' }, { from: 'a', to: 'b', value: 'z' }, { from: 'b', to: '^out:z2', value: 'z2' }],
    inPorts: ['x', 'y'], outPorts: ['z2'], title: { w: 150, h: 20 },
  };
  return {
    id: '',
    items: [{ id: 'i', w: 50, h: 30 }, { id: 'j', w: 50, h: 30 }, { id: 'G:g', w: 0, h: 0, sub }, { id: 'o', w: 50, h: 30 }],
    edges: [{ from: 'i', to: 'G:g', toPort: 'x', value: 'x' }, { from: 'j', to: 'G:g', toPort: 'y', value: 'y' }, { from: 'G:g', fromPort: 'z2', to: 'o', value: 'z2' }],
    inPorts: [], outPorts: [],
  };
}

describe('Layouter (elkjs)', function () {
  this.timeout(20000);

  it('places members inside their expanded group and joins edges at its ports', async () => {
    const r = await new Layouter(new ELK()).layout(request(), 'DOWN');
    const g = r.boxes['G:g'];
    for (const id of ['a', 'b']) {
      const b = r.boxes[id];
      assert.ok(b.x >= g.x && b.y >= g.y && b.x + b.w <= g.x + g.w && b.y + b.h <= g.y + g.h, `${id} inside the group`);
    }
    // The outer edge ends where the inner one starts: on the group's top border.
    const outer = r.edges.find((e) => e.from === 'i')!;
    const inner = r.edges.find((e) => e.from === '^in:x')!;
    assert.deepEqual(outer.points.slice(-2), inner.points.slice(0, 2));
    assert.equal(inner.points[1], g.y);
    assert.equal(outer.arrow, false);
    assert.equal(inner.arrow, true);
  });

  it('keeps edges entering a group clear of its title', async () => {
    const r = await new Layouter(new ELK()).layout(request(), 'DOWN');
    const t = r.titles['G:g'];
    assert.ok(t, 'the expanded group has a title box');
    assert.ok(t.y >= r.boxes['G:g'].y && t.y + t.h <= r.boxes.a.y, 'the title sits above the members');
    for (const e of r.edges.filter((x) => x.from.startsWith('^in:'))) {
      for (let k = 0; k + 3 < e.points.length; k += 2) {
        const [x0, y0, x1, y1] = e.points.slice(k, k + 4);
        const crossesRows = Math.min(y0, y1) <= t.y + t.h && Math.max(y0, y1) >= t.y;
        const crossesCols = Math.min(x0, x1) <= t.x + t.w && Math.max(x0, x1) >= t.x;
        assert.ok(!(crossesRows && crossesCols), `edge ${e.value} segment ${[x0, y0, x1, y1]} crosses the title ${JSON.stringify(t)}`);
      }
    }
  });

  it('takes a group of the same shape from the cache', async () => {
    const l = new Layouter(new ELK());
    const first = await l.layout(request(), 'DOWN');
    const again = await l.layout(request(), 'DOWN');
    assert.equal(first.laidOut, 2);
    assert.equal(again.laidOut, 0);
    assert.equal(again.cached, 2);
    assert.deepEqual(again.boxes, first.boxes);
  });

  it('takes layouts restored as JSON text (the cache file\'s) when used, and lays a damaged one out again', async () => {
    const l = new Layouter(new ELK());
    const first = await l.layout(request(), 'DOWN');
    const saved = l.cachedLayouts().map(([k, v]): [string, string] => [k, JSON.stringify(v)]);
    const restored = new Layouter(new ELK());
    restored.restore(saved);
    const again = await restored.layout(request(), 'DOWN');
    assert.deepEqual([again.laidOut, again.cached], [0, 2]);
    assert.deepEqual(again.boxes, first.boxes);
    assert.ok(restored.cachedLayouts().every(([, v]) => typeof v === 'object'), 'parsed once used');
    // The inner group's text cut short: that group alone is laid out again.
    const damaged = new Layouter(new ELK());
    damaged.restore(saved.map(([k, v]) => [k, k.includes(';g;') ? v.slice(0, 20) : v]));
    const mended = await damaged.layout(request(), 'DOWN');
    assert.deepEqual([mended.laidOut, mended.cached], [1, 1]);
    assert.deepEqual(mended.boxes, first.boxes);
  });
});
