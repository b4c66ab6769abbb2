import * as path from 'node:path';
import { runInspectJob } from '../../core/jobs/inspect';
import type { ArenaPlan } from '../../core/formats/tflite/arena';
import type { ModelSummary } from '../../core/graph/types';
import type { MemoryProfile } from '../../core/graph/memory';
import { CliError, flag, type Command } from '../command';
import { formatShape, table } from '../format';
import { formatBytes, formatCount, formatInteger } from '../../core/base/units';

export const inspect: Command = {
  name: 'inspect',
  usage: [
    'usage: edgewise inspect MODEL [--mcu] [--memory] [--json]',
    '',
    'Prints what MODEL is made of: inputs and outputs with shapes, node counts, an op histogram,',
    'parameters and bytes by data type, and the multiply-accumulates of Conv/MatMul/Gemm layers.',
    'Reads no weight data; external data files are checked for presence and size.',
    '',
    '  --mcu    for a .tflite: will it fit a microcontroller? Flash (the file) and the TFLite Micro',
    '           tensor arena, planned from the tensors\' lifetimes (greedy by size, first fit, as TFLite',
    '           Micro does), with the largest live set (which tensors, at which op)',
    '  --memory activation memory from the tensors\' lifetimes: each node\'s output bytes, the bytes live',
    '           while it runs (graph order), the peak and the tensors that make it (weights not counted;',
    '           symbolic dims count as 1)',
    '  --json   print the summary as one JSON object (nothing else on stdout)',
  ].join('\n'),
  options: { json: { type: 'boolean' }, mcu: { type: 'boolean' }, memory: { type: 'boolean' } },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument (see --help)', 2);
    if (args.positionals.length > 1) throw new CliError(`unexpected argument '${args.positionals[1]}'`, 2);
    const { mcu, memory, ...summary } = await runInspectJob(file, { mcu: flag(args, 'mcu'), memory: flag(args, 'memory'), signal: io.signal });
    if (memory) {
      io.out(flag(args, 'json') ? JSON.stringify({ ...summary, memory }, null, 2) : `${describe(summary)}\n\n${describeMemory(memory)}`);
      return 0;
    }
    if (mcu) {
      const { buffers: _buffers, ...plan } = mcu;
      io.out(flag(args, 'json') ? JSON.stringify({ ...summary, mcu }, null, 2) : `${describe(summary)}\n\n${describeMcu(plan)}`);
      return 0;
    }
    io.out(flag(args, 'json') ? JSON.stringify(summary, null, 2) : describe(summary));
    return 0;
  },
};

function describeMemory(m: MemoryProfile): string {
  const top = [...m.nodes].sort((a, b) => b.liveBytes - a.liveBytes).slice(0, 8);
  return [
    `Activation memory (tensor lifetimes, graph order; weights not counted): peak ${formatBytes(m.peakBytes)} (${m.peakBytes} B)${m.peakNode ? ` while ${m.peakNode} runs` : ''}`,
    `  live at the peak: ${m.peakTensors.slice(0, 6).map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(', ')}${m.peakTensors.length > 6 ? `, and ${m.peakTensors.length - 6} more` : ''}`,
    '  most live bytes:',
    table(top.map((n) => [n.id, `live ${formatBytes(n.liveBytes)}`, `output ${formatBytes(n.outputBytes)}`]), '    '),
    ...(m.symbolicDims.length ? [`  note: symbolic dims counted as 1: ${m.symbolicDims.join(', ')}`] : []),
    ...(m.unknownTensors.length ? [`  note: ${m.unknownTensors.length} tensors of unknown size counted as 0 (${m.unknownTensors.slice(0, 3).join(', ')}${m.unknownTensors.length > 3 ? ', ...' : ''})`] : []),
  ].join('\n');
}

function describeMcu(p: Omit<ArenaPlan, 'buffers'>): string {
  return [
    'Microcontroller (TFLite Micro):',
    table([
      ['Flash', `${formatBytes(p.flashBytes)} (${p.flashBytes} B, the model file)`],
      ['Tensor arena', `~${formatBytes(p.arenaBytes)} (${p.arenaBytes} B): activations${p.scratch.length ? ` and ${p.scratch.length} kernel scratch buffer(s)` : ''} ${p.plannedBytes} B planned${p.planningBytes > p.plannedBytes ? ` (planning itself needs ${p.planningBytes} B)` : ''}, TFLite Micro's persistent data ~${p.persistentBytes} B${p.variableBytes ? ` (variables ${p.variableBytes} B)` : ''}`],
      ['Largest live set', `${formatBytes(p.peak.liveBytes)} at op ${p.peak.op} (${p.peak.opName}): ${p.peak.tensors.map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(', ')}`],
    ]),
    ...p.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

/** The readable summary. */
export function describe(s: ModelSummary): string {
  const lines: string[] = [];
  const opsets = Object.entries(s.opsets).map(([d, v]) => (d ? `${d} ${v}` : `opset ${v}`)).join(', ');
  const producer = [s.producer.name, s.producer.version].filter(Boolean).join(' ');
  lines.push(`${path.basename(s.file)}  ${formatBytes(s.fileBytes)}, ${s.format === 'coreml' ? 'Core ML' : s.format.toUpperCase()}${s.irVersion !== null ? ` IR ${s.irVersion}` : ''}${opsets ? `, ${opsets}` : ''}${producer ? `, made by ${producer}` : ''}`);
  if (s.coreml) lines.push(...coremlLines(s.coreml));
  lines.push('');
  const io = (title: string, list: ModelSummary['inputs']) => {
    lines.push(`${title}:`);
    lines.push(list.length ? table(list.map((t) => [t.name, t.dtype, formatShape(t.shape), ...(t.detail ? [t.detail] : [])])) : '  (none)');
  };
  io('Inputs', s.inputs);
  io('Outputs', s.outputs);
  lines.push('');
  const dtypes = Object.entries(s.bytesByDtype).sort((a, b) => b[1] - a[1]).map(([d, b]) => `${d} ${formatBytes(b)}`).join(', ');
  const macs = s.macs === null
    ? `unknown: the shapes of ${s.macsUnknownNodes || 'some'} ${s.format === 'coreml' ? 'convolution/matmul' : 'Conv/MatMul/Gemm'} layers could not be worked out`
    : `${formatCount(s.macs)} (${formatInteger(s.macs)})${s.macsNote ? `, ${s.macsNote}` : s.inputs.some((i) => i.shape?.some((d) => typeof d === 'string')) ? ' (symbolic dims counted as 1)' : ''}`;
  lines.push(table([
    ['Nodes', `${s.nodes}${s.nodesWithSubgraphs !== s.nodes ? ` (${s.nodesWithSubgraphs} with subgraphs)` : ''}`],
    ['Parameters', `${formatCount(s.parameters)} (${formatInteger(s.parameters)}) in ${s.initializers.count} ${s.format === 'coreml' ? 'weight tensors' : 'initializers'}`],
    ['Weights', `${formatBytes(s.initializers.bytes)}${dtypes ? `: ${dtypes}` : ''}${s.externalData ? (s.format === 'coreml' ? ', in the package weight file' : ', stored in external data') : ''}`],
    ...(s.constants && s.constants.count > 0
      ? [['Constants', `${formatBytes(s.constants.bytes)} (${formatCount(s.constants.elements)} values) in ${s.constants.count} Constant nodes`]]
      : []),
    ['MACs', macs],
  ], ''));
  lines.push('');
  lines.push('Ops:');
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  lines.push(ops.length ? table(ops.map(([op, n]) => [op, String(n)])) : '  (none)');
  const meta = Object.entries(s.metadata);
  if (meta.length) {
    lines.push('');
    lines.push('Metadata:');
    lines.push(table(meta.map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 77)}...` : v])));
  }
  return lines.join('\n');
}

/** Core ML: what the model is and the OS it needs. */
function coremlLines(c: NonNullable<ModelSummary['coreml']>): string[] {
  const container = { mlmodel: '.mlmodel file', mlpackage: '.mlpackage', mlmodelc: 'compiled .mlmodelc folder (not a source model)' }[c.container];
  const rows: string[][] = [
    ['Model type', `${c.modelType}${c.opset ? ` (opset ${c.opset})` : ''}, ${container}${c.isUpdatable ? ', updatable' : ''}`],
    ['Spec version', `${c.specificationVersion}: needs ${c.minimumOS}`],
  ];
  if (c.classLabels) rows.push(['Classes', `${c.classLabels.count}: ${c.classLabels.first.join(', ')}${c.classLabels.count > c.classLabels.first.length ? ', ...' : ''}`]);
  return ['', table(rows, '')];
}
