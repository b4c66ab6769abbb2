/**
 * The drawn graph as an SVG (the exported image): its full bounds, no selection or search
 * highlight baked in, and shape labels and group titles that no edge crosses.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import { openModel } from '../../src/core/formats/open';
import { Layouter } from '../../src/core/graph/layout/elk-layout';
import type { Box } from '../../src/core/graph/layout/types';
import { GraphModel } from '../../src/core/graph/graph-model';
import { exportImage } from '../../webview/render/export-image';
import { Scene } from '../../webview/render/scene';
import type { Theme } from '../../webview/render/theme';

const theme: Theme = {
  dark: true, background: '#1e1e1e', foreground: '#cccccc', muted: '#9d9d9d', border: '#454545',
  focus: '#ff00ff', highlight: '#00ffff', edge: 'rgba(200,200,200,0.55)', groupFill: 'rgba(255,255,255,0.035)',
  groupBorder: 'rgba(255,255,255,0.22)', font: 'sans-serif', monoFont: 'monospace',
};
const measure = (t: string, bold: boolean): number => t.length * (bold ? 7.5 : 6.5);
const layouter = new Layouter(new ELK());

async function scene(file: string): Promise<Scene> {
  const model = new GraphModel(openModel(file).viewGraph(), { showConstants: false, measure });
  const layout = await layouter.layout(model.layoutTree(new Set(model.allGroups())), 'DOWN');
  return new Scene(model, layout);
}

interface Drawn { viewBox: Box; labels: { text: string; box: Box }[]; segments: Box[]; texts: { text: string; box: Box }[] }

/** The SVG's view box, its shape labels (10 px mono text) and other texts with their extent, and its edge segments. */
function parse(svg: string): Drawn {
  const [x, y, w, h] = svg.match(/viewBox="([^"]+)"/)![1].split(' ').map(Number);
  const labels: Drawn['labels'] = [];
  const texts: Drawn['texts'] = [];
  for (const m of svg.matchAll(/<text x="([-\d.]+)" y="([-\d.]+)" font-size="([\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>([^<]*)<\/text>/g)) {
    const [tx, ty, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const width = m[5].length * size * 0.61;
    const x0 = m[4] === 'end' ? tx - width : m[4] === 'middle' ? tx - width / 2 : tx;
    const entry = { text: m[5], box: { x: x0, y: ty - size / 2, w: width, h: size } };
    (size === 10 ? labels : texts).push(entry);
  }
  const segments: Box[] = [];
  for (const m of svg.matchAll(/<polyline points="([^"]+)"[^>]*stroke="rgba\(200,200,200,0.55\)"/g)) {
    const pts = m[1].split(' ').map((p) => p.split(',').map(Number));
    for (let i = 1; i < pts.length; i++) {
      const [[ax, ay], [bx, by]] = [pts[i - 1], pts[i]];
      segments.push({ x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(bx - ax), h: Math.abs(by - ay) });
    }
  }
  return { viewBox: { x, y, w, h }, labels, segments, texts };
}

const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y;
const inside = (a: Box, b: Box): boolean => a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;

describe('exported graph image (SVG)', function () {
  this.timeout(60_000);

  for (const name of ['fmnist_cnn.onnx', 'fmnist_mobilenet.onnx', 'tflite/person_detect.tflite']) {
    it(`${name}: the full bounds, shape labels included, and no selection or search highlight`, async () => {
      const s = await scene(path.resolve(__dirname, '../fixtures', name));
      const selected = s.items.find((it) => it.kind === 'node')!.id;
      const svg = exportImage(s, theme, { selected, highlighted: new Set(s.items.map((it) => it.id)), overlay: null }, 'svg');
      const d = parse(svg);
      assert.ok(d.labels.length >= 5, `${d.labels.length} shape labels`);
      for (const l of d.labels) assert.ok(inside(l.box, d.viewBox), `label ${l.text} at ${JSON.stringify(l.box)} lies outside the image ${JSON.stringify(d.viewBox)}`);
      assert.doesNotMatch(svg, /#ff00ff|#00ffff/, 'neither the selection nor the search highlight is drawn');
    });

    it(`${name}: no edge crosses a shape label`, async () => {
      const s = await scene(path.resolve(__dirname, '../fixtures', name));
      const d = parse(exportImage(s, theme, { selected: null, highlighted: new Set(), overlay: null }, 'svg'));
      const shrink = (b: Box): Box => ({ x: b.x + 1.5, y: b.y + 1.5, w: b.w - 3, h: b.h - 3 });
      const crossed = d.labels.filter((l) => d.segments.some((seg) => overlaps(shrink(l.box), { x: seg.x - 0.5, y: seg.y - 0.5, w: seg.w + 1, h: seg.h + 1 })));
      assert.deepEqual(crossed.map((l) => `${l.text} at ${l.box.x.toFixed(0)},${l.box.y.toFixed(0)}`), []);
    });
  }

  it('person_detect: no edge crosses an expanded group\'s title', async () => {
    const s = await scene(path.resolve(__dirname, '../fixtures/tflite/person_detect.tflite'));
    const titles = s.open.map((g) => g.title!).filter(Boolean);
    assert.ok(titles.length >= 1);
    for (const e of s.edges) {
      for (let i = 0; i + 3 < e.points.length; i += 2) {
        const seg = { x: Math.min(e.points[i], e.points[i + 2]), y: Math.min(e.points[i + 1], e.points[i + 3]), w: Math.abs(e.points[i + 2] - e.points[i]), h: Math.abs(e.points[i + 3] - e.points[i + 1]) };
        for (const t of titles) assert.ok(!overlaps(seg, t), `edge ${e.from} -> ${e.to} crosses the title at ${JSON.stringify(t)}`);
      }
    }
  });
});
