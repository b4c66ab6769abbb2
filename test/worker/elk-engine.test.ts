import * as assert from 'node:assert/strict';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { Layouter } from '../../src/core/graph/layout/elk-layout';
import type { LayoutGroup } from '../../src/core/graph/layout/types';
import { elkEngine } from '../../src/worker/layout/elk-engine';

/** A branching chain feeding an expanded group through a port, with a title: ports, layer constraints, nesting. */
function request(): LayoutGroup {
  const inner = Array.from({ length: 6 }, (_, i) => ({ id: `g${i}`, w: 70 + (i % 3) * 20, h: 40 }));
  const sub: LayoutGroup = {
    id: 'block', items: inner, inPorts: ['x'], outPorts: ['y'], title: { w: 140, h: 20 },
    edges: [
      { from: '^in:x', to: 'g0', value: 'x' },
      ...inner.slice(1).map((it, i) => ({ from: `g${i % 3 === 2 ? i - 1 : i}`, to: it.id, value: `g${i}` })),
      { from: 'g5', to: '^out:y', value: 'y' },
    ],
  };
  const chain = Array.from({ length: 8 }, (_, i) => ({ id: `w${i}`, w: 90, h: 40 }));
  return {
    id: '', inPorts: [], outPorts: [],
    items: [...chain, { id: 'G:block', w: 0, h: 0, sub }, { id: 'out', w: 60, h: 30 }],
    edges: [
      ...chain.slice(1).map((it, i) => ({ from: `w${i % 4 === 3 ? i - 2 : i}`, to: it.id, value: `w${i}` })),
      { from: 'w7', to: 'G:block', toPort: 'x', value: 'x' },
      { from: 'G:block', fromPort: 'y', to: 'out', value: 'y' },
    ],
  };
}

describe('elkjs engine of the layout thread (called without its promise API)', function () {
  this.timeout(30_000);

  it('lays out exactly as elkjs through its API', async () => {
    for (const dir of ['DOWN', 'RIGHT'] as const) {
      const direct = await new Layouter(elkEngine()).layout(request(), dir);
      const api = await new Layouter(new ELK()).layout(request(), dir);
      assert.equal(direct.laidOut, 2);
      assert.deepEqual({ ...direct, elkMs: 0 }, { ...api, elkMs: 0 }, dir);
    }
  });

  it('answers one layout after another, and rejects a bad graph with elkjs\'s message', async () => {
    const elk = elkEngine();
    const bad: ElkNode = { id: 'root', children: [{ id: 'a', width: 10, height: 10 }], edges: [{ id: 'e', sources: ['a'], targets: ['nowhere'] }] };
    await assert.rejects(elk.layout(bad), (e: Error) => e instanceof Error && /nowhere/.test(e.message));
    const ok = await elk.layout({ id: 'root', children: [{ id: 'a', width: 10, height: 10 }, { id: 'b', width: 10, height: 10 }], edges: [{ id: 'e', sources: ['a'], targets: ['b'] }] });
    assert.equal(ok.children?.length, 2);
    assert.ok((ok.width ?? 0) > 0);
  });
});
