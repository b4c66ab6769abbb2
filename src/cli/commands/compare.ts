import { runCompareJob } from '../../core/jobs/compare';
import { CliError, flag, str, type Command } from '../command';
import { DATA_OPTIONS, DATA_USAGE, dataOptions, threadsOption } from '../data-options';
import { formatComparison } from './quantize';
import { formatBytes, formatNumber, formatPercent, formatRatio } from '../../core/base/units';
import { warnNearChance } from '../format';
import { verdictText } from '../format';


export const compare: Command = {
  name: 'compare',
  usage: `usage: edgewise compare A B --data X [--labels Y] [--no-latency] [--json]\n\nRuns A (the reference) and B on the same inputs. Per shared output: top-1 agreement (argmax over\nthe last axis), cosine similarity, max absolute error, SQNR in dB; with labels, accuracy of each;\nfile size and a quick in-process p50 of each.\n${DATA_USAGE}`,
  options: { data: { type: 'string' }, labels: { type: 'string' }, json: { type: 'boolean' }, 'no-latency': { type: 'boolean' }, ...DATA_OPTIONS },
  async run(args, io) {
    const [a, b] = args.positionals;
    if (!a || !b) throw new CliError('need two models: compare A B', 2);
    const r = await runCompareJob(a, b, {
      ...dataOptions(args, (m) => io.err(m)), data: str(args, 'data'), labels: str(args, 'labels'), threads: threadsOption(args),
      skipLatency: flag(args, 'no-latency'), signal: io.signal, progress: io.progress,
    });
    warnNearChance(io, r);
    if (flag(args, 'json')) { io.out(JSON.stringify(r, null, 2)); return 0; }
    io.out(`A ${r.a} (${formatBytes(r.fileBytes.a)})\nB ${r.b} (${formatBytes(r.fileBytes.b)}, ${formatRatio(r.fileBytes.b / r.fileBytes.a)})\n${r.samples} samples from ${r.data}${r.synthetic ? ' (RANDOM: accuracy unknown)' : ''}`);
    io.out(formatComparison(r.outputs).join('\n'));
    if (r.accuracyA && r.accuracyB) io.out(`  top-1 A ${formatPercent(r.accuracyA.top1, 2)}, B ${formatPercent(r.accuracyB.top1, 2)}; top-5 A ${formatPercent(r.accuracyA.top5, 2)}, B ${formatPercent(r.accuracyB.top5, 2)}`);
    if (r.latency) io.out(`  p50 (${r.latency.note}, ${r.latency.threads} thread): A ${formatNumber(r.latency.aP50Ms)} ms, B ${formatNumber(r.latency.bP50Ms)} ms (${formatRatio(r.latency.aP50Ms / r.latency.bP50Ms)}: B ${verdictText(r.latency.verdict, r.latency.noiseMs)})`);
    return 0;
  },
};
