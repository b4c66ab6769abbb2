import * as path from 'node:path';
import { CancelledError } from '../../core/jobs/job';
import { PruneError } from '../../core/passes/prune/common';
import { runPruneJob, type PruneJobResult } from '../../core/jobs/prune';
import { CliError, flag, num, str, strs, type Command } from '../command';
import { DATA_OPTIONS, dataOptions, dataUsage, threadsOption } from '../data-options';
import { formatBytes, formatInteger, formatPercent } from '../../core/base/units';
import { warnNearChance } from '../format';
import { prefixed } from '../../core/base/progress';

// Evaluation always has data, so the random-sample count does not apply.
const { samples: _randomOnly, ...EVAL_DATA_OPTIONS } = DATA_OPTIONS;

const USAGE = `usage: edgewise prune MODEL --method magnitude|channel --sparsity S [options]

Prunes MODEL and writes MODEL.pruned.onnx next to it.

  --method magnitude   zero the smallest weights (|w|). The file compresses better (gzip),
                       but shapes stay: it runs no faster on stock CPU runtimes.
  --method channel     remove whole output channels of Conv/Gemm/MatMul layers and every tensor
                       that depends on them: a smaller, faster model. Groups the analysis cannot
                       prove safe are left whole and listed with the reason.

options:
  --sparsity S         share to remove, strictly between 0 and 1 (magnitude: of the weights;
                       channel: of each group's channels)
  --per-layer          magnitude: the same sparsity in every layer (default: one global threshold)
  --all-layers         magnitude: also prune the first and last layers (kept dense by default)
  --norm l1|l2         channel: importance norm (default l1)
  --exclude-node NAME  leave this node alone (repeatable)
  --eval X --labels Y  report top-1 accuracy before and after; X: a .npy file, a folder of .npy
                       files or of PNG/JPEG images; Y: integer labels (.npy or text, one per line).
                       Channel pruning also measures each pruned group's own effect
  --no-group-eval      channel + --eval: skip the per-group measurement (one evaluation per group)
  --out PATH           output file (default: MODEL.pruned.onnx beside MODEL)
  --force              overwrite an existing output file
  --json               print the result as JSON only

Data of --eval:
${dataUsage(EVAL_DATA_OPTIONS, { header: false })}
`;

export const prune: Command = {
  name: 'prune',
  usage: USAGE,
  options: {
    method: { type: 'string' },
    sparsity: { type: 'string' },
    'per-layer': { type: 'boolean' },
    'all-layers': { type: 'boolean' },
    norm: { type: 'string' },
    'exclude-node': { type: 'string', multiple: true },
    eval: { type: 'string' },
    labels: { type: 'string' },
    'no-group-eval': { type: 'boolean' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    ...EVAL_DATA_OPTIONS,
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const method = str(args, 'method');
    if (method !== 'magnitude' && method !== 'channel') throw new CliError(`--method must be 'magnitude' or 'channel', got '${method ?? ''}'`, 2);
    if (str(args, 'sparsity') === undefined) throw new CliError('--sparsity is required (e.g. --sparsity 0.5)', 2);
    const sparsity = num(args, 'sparsity', NaN, { min: 0, max: 0.999999, above: true });
    const norm = str(args, 'norm') ?? 'l1';
    if (norm !== 'l1' && norm !== 'l2') throw new CliError(`--norm must be 'l1' or 'l2', got '${norm}'`, 2);
    if (!!str(args, 'eval') !== !!str(args, 'labels')) throw new CliError('--eval and --labels go together', 2);
    const data = dataOptions(args, (m) => io.err(m));
    const preprocess = { scale: data.scale, mean: data.mean, std: data.std, layout: data.layout, resize: data.resize };
    try {
      const result = await runPruneJob(path.resolve(file), {
        method, sparsity, norm, scope: flag(args, 'per-layer') ? 'per-layer' : 'global', allLayers: flag(args, 'all-layers'),
        exclude: strs(args, 'exclude-node'), out: str(args, 'out'), force: flag(args, 'force'),
        evalData: str(args, 'eval'), labels: str(args, 'labels'), preprocess, batch: data.batch, threads: threadsOption(args), perGroup: !flag(args, 'no-group-eval'), signal: io.signal, progress: prefixed(io.progress, '  '),
      });
      warnNearChance(io, result);
      if (flag(args, 'json')) io.out(JSON.stringify(result, null, 2));
      else io.out(describe(result));
      return 0;
    } catch (e) {
      if (e instanceof PruneError) throw new CliError(e.message);
      if (e instanceof CancelledError) throw new CliError('cancelled; nothing was written', 130);
      throw e;
    }
  },
};


function describe(job: PruneJobResult): string {
  const { report: r, input, output, evaluation: acc } = job;
  const lines: string[] = [];
  if (r.method === 'magnitude') {
    lines.push(`${input}: ${formatPercent(r.achievedSparsity)} of ${formatInteger(r.prunableParams)} prunable weights are zero (${r.scope})`);
    for (const l of r.layers) lines.push(`  ${l.node.padEnd(32)} ${l.opType.padEnd(10)} ${String(l.params).padStart(9)} weights  ${formatPercent(l.sparsity)} zero`);
    for (const s of r.skipped) lines.push(`  ${s.node.padEnd(32)} ${s.opType.padEnd(10)} left dense: ${s.reason}`);
    if (r.sizeBefore && r.sizeAfter) {
      lines.push(`file ${formatBytes(r.sizeBefore.bytes)} -> ${formatBytes(r.sizeAfter.bytes)}; gzip ${formatBytes(r.sizeBefore.gzipBytes)} -> ${formatBytes(r.sizeAfter.gzipBytes)} (${formatPercent(r.sizeAfter.gzipBytes / r.sizeBefore.gzipBytes)})`);
    }
    lines.push(r.note);
  } else {
    lines.push(`${input}: parameters ${formatInteger(r.paramsBefore)} -> ${formatInteger(r.paramsAfter)} (${formatPercent(r.paramsAfter / r.paramsBefore)} kept), ${r.pruned.length} channel group(s) pruned, ${r.left.length} left whole`);
    for (const g of r.pruned) lines.push(`  group ${String(g.id).padStart(3)}  ${g.channels} -> ${g.channels - g.removed} channels  ${g.sources.join(', ')}${g.dependents.length ? `  (+ ${g.dependents.length} dependent node(s))` : ''}`);
    for (const g of r.left) lines.push(`  group ${String(g.id).padStart(3)}  left whole (${g.channels} channels, ${g.sources.join(', ')}): ${g.reasons.join('; ')}`);
    lines.push(`file ${formatBytes(job.fileBytesBefore)} -> ${formatBytes(job.fileBytesAfter)} (${formatPercent(job.fileBytesAfter / job.fileBytesBefore)})`);
  }
  if (acc) {
    lines.push(`top-1 accuracy on ${acc.samples} samples: ${formatPercent(acc.top1Before)} -> ${formatPercent(acc.top1After)} (without fine-tuning)`);
    for (const g of acc.perGroup ?? []) lines.push(`  only group ${g.id} (${g.sources.join(', ')}, -${g.removed} channels): ${formatPercent(g.top1)}`);
  }
  lines.push(`wrote ${output}`);
  return lines.join('\n');
}
