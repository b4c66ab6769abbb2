import * as fs from 'node:fs';
import { compareModels } from '../../core/analysis/accuracy';
import { loadModel } from '../../core/formats/onnx/io';
import { loadDataset } from '../../core/runtime/data';
import { loadLabels } from '../../core/runtime/data-labels';
import { quickLatency } from '../../core/runtime/quick-bench';
import { CliError, flag, str, type Command } from '../command';
import { DATA_OPTIONS, DATA_USAGE, dataOptions, mib, pct, threadsOption } from '../data-options';
import { formatComparison } from './quantize';


export const compare: Command = {
  name: 'compare',
  summary: 'Compare two models on the same data: agreement, cosine, max error, SQNR, accuracy, size, p50',
  usage: `usage: edgewise compare A B --data X [--labels Y] [--no-latency] [--json]\n\nRuns A (the reference) and B on the same inputs. Per shared output: top-1 agreement (argmax over\nthe last axis), cosine similarity, max absolute error, SQNR in dB; with labels, accuracy of each;\nfile size and a quick in-process p50 of each.\n${DATA_USAGE}`,
  options: { data: { type: 'string' }, labels: { type: 'string' }, json: { type: 'boolean' }, 'no-latency': { type: 'boolean' }, ...DATA_OPTIONS },
  async run(args, io) {
    const [a, b] = args.positionals;
    if (!a || !b) throw new CliError('need two models: compare A B', 2);
    const ma = loadModel(a);
    loadModel(b);
    const data = await loadDataset(ma, str(args, 'data'), dataOptions(args, (m) => io.err(m)));
    const labelsFile = str(args, 'labels');
    const labels = labelsFile ? loadLabels(labelsFile, data.count) : undefined;
    const threads = threadsOption(args);
    const r = await compareModels(a, b, data, labels, { threads, signal: io.signal, progress: (d, n) => io.progress(`${d}/${n}`) });
    const sizes = { a: fs.statSync(a).size, b: fs.statSync(b).size };
    let latency: { aP50Ms: number; bP50Ms: number; threads: number; note: string } | undefined;
    if (!flag(args, 'no-latency')) {
      const la = await quickLatency(a, data, { threads, signal: io.signal });
      const lb = await quickLatency(b, data, { threads, signal: io.signal });
      latency = { aP50Ms: la.p50Ms, bP50Ms: lb.p50Ms, threads, note: 'quick in-process median' };
    }
    const result = { ...r, fileBytes: sizes, latency };
    if (flag(args, 'json')) { io.out(JSON.stringify(result, null, 2)); return 0; }
    io.out(`A ${r.a} (${mib(sizes.a)})\nB ${r.b} (${mib(sizes.b)}, ${(sizes.b / sizes.a).toFixed(3)}x)\n${r.samples} samples from ${r.data}${r.synthetic ? ' (RANDOM: accuracy unknown)' : ''}`);
    io.out(formatComparison(r.outputs).join('\n'));
    if (r.accuracyA && r.accuracyB) io.out(`  top-1 A ${pct(r.accuracyA.top1, 2)}, B ${pct(r.accuracyB.top1, 2)}; top-5 A ${pct(r.accuracyA.top5, 2)}, B ${pct(r.accuracyB.top5, 2)}`);
    if (latency) io.out(`  p50 (${latency.note}, ${threads} thread): A ${latency.aP50Ms.toFixed(2)} ms, B ${latency.bP50Ms.toFixed(2)} ms (${(latency.aP50Ms / latency.bP50Ms).toFixed(2)}x)`);
    return 0;
  },
};
