import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, saveModel, siblingPath } from '../../core/onnx/io';
import { encodeModelProto } from '../../core/onnx/codec';
import type { Model } from '../../core/onnx/model';
import { magnitudePrune, type MagnitudeReport } from '../../core/passes/prune/magnitude';
import { channelPrune, type ChannelReport } from '../../core/passes/prune/channel';
import { CliError, flag, num, str, strs, type CliIo, type Command, type ParsedArgs } from '../command';
import { loadEvalSet, top1Accuracy, type EvalSet } from './prune-eval';

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
  --eval X.npy --labels Y.npy
                       report top-1 accuracy before and after (uint8 X is scaled to [0, 1]);
                       channel pruning also measures each pruned group's own effect
  --out PATH           output file (default: MODEL.pruned.onnx beside MODEL)
  --force              overwrite an existing output file
  --json               print the result as JSON only
`;

export const prune: Command = {
  name: 'prune',
  summary: 'Prune a model: magnitude sparsity or structured channel removal',
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
    out: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const method = str(args, 'method');
    if (method !== 'magnitude' && method !== 'channel') throw new CliError(`--method must be 'magnitude' or 'channel', got '${method ?? ''}'`, 2);
    if (str(args, 'sparsity') === undefined) throw new CliError('--sparsity is required (e.g. --sparsity 0.5)', 2);
    const sparsity = num(args, 'sparsity', NaN);
    if (!(sparsity > 0 && sparsity < 1)) throw new CliError(`--sparsity must be strictly between 0 and 1, got ${str(args, 'sparsity')}`, 2);
    const norm = str(args, 'norm') ?? 'l1';
    if (norm !== 'l1' && norm !== 'l2') throw new CliError(`--norm must be 'l1' or 'l2', got '${norm}'`, 2);
    const evalSet = readEvalArgs(args);
    const input = path.resolve(file);
    const out = path.resolve(str(args, 'out') ?? siblingPath(input, 'pruned'));
    const force = flag(args, 'force');
    if (out === input) throw new CliError(`${out}: the output would replace the input model; choose another --out`, 2);
    if (!force && fs.existsSync(out)) throw new CliError(`${out}: already exists; pass --force to overwrite it or choose another --out`);

    const model = loadModel(input);
    const exclude = strs(args, 'exclude-node');
    const known = new Set(model.graph.nodes.map((n) => n.name));
    for (const e of exclude) if (!known.has(e)) throw new CliError(`${input}: --exclude-node '${e}': no node has that name`);
    io.progress(`pruning ${input} (${method}, sparsity ${sparsity})`);
    const onProgress = (m: string) => io.progress(`  ${m}`);
    const result = method === 'magnitude'
      ? magnitudePrune(model, { sparsity, scope: flag(args, 'per-layer') ? 'per-layer' : 'global', skipFirstLast: !flag(args, 'all-layers'), exclude, onProgress, signal: io.signal })
      : channelPrune(model, { sparsity, norm, exclude, onProgress, signal: io.signal });

    const accuracy = evalSet ? await evaluate(model, result.model, result.report, evalSet, { sparsity, norm, exclude }, io) : undefined;
    if (io.signal.aborted) throw new CliError('cancelled; nothing was written');
    const saved = saveModel(result.model, out, { overwrite: force });
    const summary = { input, output: saved.file, bytes: saved.bytes, report: result.report, accuracy };
    if (flag(args, 'json')) io.out(JSON.stringify(summary, null, 2));
    else io.out(describe(summary.report, input, saved.file, accuracy));
    return 0;
  },
};

function readEvalArgs(args: ParsedArgs): EvalSet | undefined {
  const x = str(args, 'eval');
  const y = str(args, 'labels');
  if (!x && !y) return undefined;
  if (!x || !y) throw new CliError('--eval and --labels go together', 2);
  try {
    return loadEvalSet(x, y);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

interface Accuracy {
  samples: number;
  before: number;
  after: number;
  /** Channel pruning: accuracy with only this group pruned, so each group's share of the drop shows. */
  perGroup?: { id: number; sources: string[]; removed: number; accuracy: number }[];
}

async function evaluate(
  original: Model, pruned: Model, report: MagnitudeReport | ChannelReport, set: EvalSet,
  opts: { sparsity: number; norm: 'l1' | 'l2'; exclude: string[] }, io: CliIo,
): Promise<Accuracy> {
  io.progress(`  evaluating on ${set.labels.length} samples`);
  const before = await top1Accuracy(encodeModelProto(original.proto), set, io.signal);
  const after = await top1Accuracy(encodeModelProto(pruned.proto), set, io.signal);
  const acc: Accuracy = { samples: set.labels.length, before, after };
  if (report.method === 'channel') {
    acc.perGroup = [];
    for (const g of report.pruned) {
      io.progress(`  evaluating group ${g.id} (${g.sources.join(', ')}) alone`);
      const one = channelPrune(original, { sparsity: opts.sparsity, norm: opts.norm, exclude: opts.exclude, onlyGroups: [g.id], measureSizes: false, signal: io.signal });
      acc.perGroup.push({ id: g.id, sources: g.sources, removed: g.removed, accuracy: await top1Accuracy(encodeModelProto(one.model.proto), set, io.signal) });
    }
  }
  return acc;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

function describe(r: MagnitudeReport | ChannelReport, input: string, output: string, acc?: Accuracy): string {
  const lines: string[] = [];
  if (r.method === 'magnitude') {
    lines.push(`${input}: ${pct(r.achievedSparsity)} of ${r.prunableParams} prunable weights are zero (${r.scope})`);
    for (const l of r.layers) lines.push(`  ${l.node.padEnd(32)} ${l.opType.padEnd(10)} ${String(l.params).padStart(9)} weights  ${pct(l.sparsity)} zero`);
    for (const s of r.skipped) lines.push(`  ${s.node.padEnd(32)} ${s.opType.padEnd(10)} left dense: ${s.reason}`);
    if (r.sizeBefore && r.sizeAfter) {
      lines.push(`file ${kb(r.sizeBefore.bytes)} -> ${kb(r.sizeAfter.bytes)}; gzip ${kb(r.sizeBefore.gzipBytes)} -> ${kb(r.sizeAfter.gzipBytes)} (${pct(r.sizeAfter.gzipBytes / r.sizeBefore.gzipBytes)})`);
    }
    lines.push(r.note);
  } else {
    lines.push(`${input}: parameters ${r.paramsBefore} -> ${r.paramsAfter} (${pct(r.paramsAfter / r.paramsBefore)} kept), ${r.pruned.length} channel group(s) pruned, ${r.left.length} left whole`);
    for (const g of r.pruned) lines.push(`  group ${String(g.id).padStart(3)}  ${g.channels} -> ${g.channels - g.removed} channels  ${g.sources.join(', ')}${g.dependents.length ? `  (+ ${g.dependents.length} dependent node(s))` : ''}`);
    for (const g of r.left) lines.push(`  group ${String(g.id).padStart(3)}  left whole (${g.channels} channels, ${g.sources.join(', ')}): ${g.reasons.join('; ')}`);
    if (r.sizeBefore && r.sizeAfter) lines.push(`file ${kb(r.sizeBefore.bytes)} -> ${kb(r.sizeAfter.bytes)}`);
  }
  if (acc) {
    lines.push(`top-1 accuracy on ${acc.samples} samples: ${pct(acc.before)} -> ${pct(acc.after)} (without fine-tuning)`);
    for (const g of acc.perGroup ?? []) lines.push(`  only group ${g.id} (${g.sources.join(', ')}, -${g.removed} channels): ${pct(g.accuracy)}`);
  }
  lines.push(`wrote ${output}`);
  return lines.join('\n');
}
