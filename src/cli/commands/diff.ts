import { runDiffJob, type ModelDiff, type NodeDiff, type WeightDiff } from '../../core/jobs/diff';
import { CliError, flag, type Command } from '../command';
import { formatShape, table } from '../format';
import { formatCount, formatDuration, formatNumber, formatPercent } from '../../core/base/units';

/** Differences printed without --all. */
const LIST_LIMIT = 40;

export const diff: Command = {
  name: 'diff',
  usage: [
    'usage: edgewise diff A B [--all] [--structure-only] [--json]',
    '',
    'Matches the nodes of A (the reference) and B by name, then by structure (op kind, the nodes',
    'feeding them, weight sizes), across formats too (an ONNX model and its TFLite export), and',
    'classifies each: unchanged; changed (which attributes; which weights, by max |a - b| and',
    '||a - b|| / ||a||, integer weights dequantized); rewritten (quantized: Conv became',
    'DequantizeLinear -> Conv -> QuantizeLinear or QLinearConv; fused: a Relu folded into its Conv;',
    'pruned: fewer channels; another op of the same kind); added; removed.',
    '',
    '  --all              list every difference (default: the first 40)',
    '  --structure-only   ignore node and value names: match by the graphs\' structure alone',
    '  --json             print the whole diff as JSON (every node, unchanged ones too)',
  ].join('\n'),
  options: { json: { type: 'boolean' }, all: { type: 'boolean' }, 'structure-only': { type: 'boolean' } },
  async run(args, io) {
    const [a, b, extra] = args.positionals;
    if (!a || !b) throw new CliError('need two models: diff A B', 2);
    if (extra) throw new CliError(`unexpected argument '${extra}'`, 2);
    const r = await runDiffJob(a, b, { names: !flag(args, 'structure-only'), signal: io.signal, progress: io.progress });
    if (flag(args, 'json')) { io.out(JSON.stringify(r, null, 2)); return 0; }
    io.out(describeDiff(r, flag(args, 'all') ? Infinity : LIST_LIMIT));
    return 0;
  },
};

export function describeDiff(r: ModelDiff, limit: number): string {
  const side = (k: string, s: ModelDiff['a']) =>
    `${k} ${s.file} (${s.format}, ${s.nodes} nodes${s.coreNodes !== s.nodes ? `, ${s.coreNodes} once Quantize/Dequantize and Constant nodes are folded into the nodes they serve` : ''})`;
  const m = r.matched;
  const lines = [
    side('A', r.a), side('B', r.b),
    `matched ${m.matchedA} of ${m.coreA} nodes of A (${formatPercent(m.share)}): ${m.byName} by name, ${m.byOutput} by output name, ${m.byStructure} by structure, ${m.fused} fused into a node of B${r.options.names ? '' : ' (names ignored)'}`,
    Object.entries(r.counts).map(([k, n]) => `${k} ${n}`).join(', '),
    `weights compared: ${r.weights.compared} (${formatCount(r.weights.elements)} elements, ${formatDuration(r.weights.ms)}); diff ${formatDuration(r.ms)}`,
  ];
  const differences = r.entries.filter((e) => e.status !== 'unchanged');
  if (!differences.length) return [...lines, '', 'no differences'].join('\n');
  lines.push('', `differences${differences.length > limit ? ` (first ${limit} of ${differences.length}; --all lists every one)` : ''}:`);
  const rows: string[][] = [];
  for (const e of differences.slice(0, limit)) {
    rows.push([e.status, nodeLabel(e), e.detail ?? '']);
    for (const c of e.attributes ?? []) rows.push(['', `  attribute ${c.name}`, `${c.a ?? '(none)'} -> ${c.b ?? '(none)'}`]);
    for (const w of e.weights ?? []) if (w.note || (w.maxAbs ?? 0) > 0) rows.push(['', `  weight ${w.a ?? ''}${w.b && w.b !== w.a ? ` -> ${w.b}` : ''}`, weightText(w)]);
  }
  lines.push(table(rows));
  return lines.join('\n');
}

function nodeLabel(e: NodeDiff): string {
  const a = e.a ? `${e.a} (${e.opA})` : '';
  const b = e.b ? `${e.b} (${e.opB})` : '';
  return a && b ? (e.a === e.b && e.opA === e.opB ? a : `${a} -> ${b}`) : a ? `${a} [A only]` : `${b} [B only]`;
}

function weightText(w: WeightDiff): string {
  const shapes = w.shapeA && w.shapeB && formatShape(w.shapeA) !== formatShape(w.shapeB) ? `${formatShape(w.shapeA)} -> ${formatShape(w.shapeB)} ` : '';
  const types = w.dtypeA && w.dtypeB && w.dtypeA !== w.dtypeB ? `${w.dtypeA} -> ${w.dtypeB} ` : '';
  if (w.maxAbs === undefined || w.reordered) return `${types}${shapes}${w.note ?? ''}`.trim();
  const rel = w.relL2 === undefined ? '' : Number.isFinite(w.relL2) ? `, relative L2 ${formatNumber(100 * w.relL2)}%` : ', relative L2 inf (A is all zeros)';
  return `${types}${shapes}max |a - b| ${formatNumber(w.maxAbs)}${rel}`;
}
