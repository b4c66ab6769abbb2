import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../core/formats/onnx/io';
import { batchRanges, loadDataset } from '../../core/runtime/data';
import { loadLabels } from '../../core/runtime/data-labels';
import { StaticLayerQuantizer } from '../../core/analysis/static-quantizer';
import { analyzePair } from '../../core/analysis/pair';
import { Scorer } from '../../core/analysis/scorer';
import { sensitivity } from '../../core/analysis/sensitivity';
import { runMixedPrecisionJob } from '../../core/jobs/mixed-precision';
import { formatBytes, formatPercent, formatPoints } from '../../core/base/units';
import type { DemoStep } from './demo-step';

/**
 * Per-layer analysis on the bundled MobileNetV2-style fixture, whose per-tensor INT8 really hurts:
 * the layers that cause it, then mixed precision that keeps just those in float.
 */
export const analyzeStep: DemoStep = {
  title: 'Find the layers INT8 hurts (MobileNetV2-style sample) and keep them in float',
  async run({ model, workDir, io }) {
    const dir = path.dirname(model);
    const file = (f: string) => path.join(dir, f);
    const mobilenet = file('fmnist_mobilenet.onnx');
    const needed = [mobilenet, file('fmnist_tune500_u8.npy'), file('fmnist_tune500_labels.npy'), file('fmnist_test1k_u8.npy'), file('fmnist_test1k_labels.npy')];
    const missing = needed.find((f) => !fs.existsSync(f));
    if (missing) {
      io.out(`skipped: ${missing} is not in this checkout`);
      return;
    }
    const float = loadModel(mobilenet);
    const tune = await loadDataset(float, file('fmnist_tune500_u8.npy'));
    const held = await loadDataset(float, file('fmnist_test1k_u8.npy'));
    const quantizer = await StaticLayerQuantizer.create(float, tune, { perChannel: false });
    const all = await quantizer.build(new Set(quantizer.layers));
    const r = await analyzePair(float, all.model, {
      batches: [...batchRanges(held)].map(([s, n]) => held.batch(s, n)), labels: loadLabels(file('fmnist_test1k_labels.npy'), held.count),
    }, { tensorMap: all.tensorMap, signal: io.signal });
    io.out(`all ${quantizer.layers.length} layers INT8 (per-tensor weights): top-1 ${formatPercent(r.float.value / 100)} -> ${formatPercent(r.quantized.value / 100)} on ${held.count} held-out images`);
    const lowSqnr = r.findings.filter((f) => f.code === 'low-sqnr').length;
    io.out(`per-layer error: ${r.layers.length} tensors compared, ${lowSqnr} layers under 20 dB SQNR (errors add up along the graph)`);
    // Which layers cause it: each quantized alone, on the tuning images.
    const tuneSet = { batches: [...batchRanges(tune)].map(([s, n]) => tune.batch(s, n)), labels: loadLabels(file('fmnist_tune500_labels.npy'), tune.count) };
    const scorer = new Scorer(float, tuneSet, 'top1');
    const sens = await sensitivity(quantizer, scorer, await scorer.score(float), { skipOnlyFloat: true, signal: io.signal });
    io.out(`most harmful alone: ${sens.layers.slice(0, 3).map((l) => `${l.layer} (-${formatPoints(l.drop / 100)})`).join(', ')}`);
    const m = await runMixedPrecisionJob(mobilenet, {
      maxDrop: 0.3, evalData: file('fmnist_tune500_u8.npy'), labels: file('fmnist_tune500_labels.npy'),
      holdout: { data: file('fmnist_test1k_u8.npy'), labels: file('fmnist_test1k_labels.npy') },
      out: path.join(workDir, 'fmnist_mobilenet.mixed.onnx'), skipLatency: true, progress: io.progress,
    });
    const floats = m.decisions.filter((d) => d.precision === 'float');
    io.out(`mixed precision, --max-accuracy-drop 0.3: ${floats.length} of ${m.decisions.length} layers back in float, ${formatBytes(m.fileBytesBefore)} -> ${formatBytes(m.fileBytesAfter)}`);
    if (m.heldOut) io.out(`held-out top-1 ${formatPercent(m.heldOut.floatTop1 / 100)} -> ${formatPercent(m.heldOut.top1 / 100)} (drop ${formatPoints(m.heldOut.drop / 100, 2)}, data the search never saw)`);
    io.out('`edgewise analyze FLOAT QUANT --data X --latency` adds per-layer INT8 vs float time; in VS Code the findings go to the Problems panel and the graph.');
  },
};
