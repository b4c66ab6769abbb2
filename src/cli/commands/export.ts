import { ExportError, runExportJob, type ExportJobResult } from '../../core/jobs/export';
import { EXPORT_MODES, type ExportMode } from '../../core/passes/export-tflite/weights';
import type { CalibrationMethod } from '../../core/jobs/quantize';
import { CancelledError } from '../../core/jobs/job';
import { CliError, flag, str, type Command } from '../command';
import { DATA_OPTIONS, DATA_USAGE, dataOptions, dimsOption, parseNumber } from '../data-options';
import { formatComparison } from './quantize';
import { formatBytes, formatDuration, formatNumber, formatPercent, formatRatio } from '../../core/base/units';
import { warnNearChance } from '../format';

const USAGE = `usage: edgewise export MODEL.onnx --to tflite [--quantize none|float16|dynamic|int8|int8-weights]
    [--calib X] [data options] [--dim NAME=N] [--int8-io] [--nhwc-io] [--no-verify] [--out PATH] [--force] [--json]

Writes MODEL.tflite (MODEL.<mode>.tflite) next to MODEL with TensorFlow Lite builtin operators only,
NHWC inside, then runs it in TFLite's own interpreter beside ONNX Runtime on the ONNX model and
checks them: float/float16 cosine >= 0.9999 and top-1 agreement >= 99.9%; quantized modes top-1
within 0.5 point of the ONNX float model on labelled data (--labels). A failed check exits 1.

Modes (--quantize):
  none          float32 (default)
  float16       weights float16, dequantized when the model loads (GPU delegates, ~2x smaller)
  dynamic       int8 per-channel weights, float activations quantized inside the kernels (CPUs)
  int8          full integer per TFLite's 8-bit spec, activations calibrated on --calib (NPUs, Edge TPU, MCUs)
  int8-weights  int8 weights dequantized to float (MCUs without int8 arithmetic, smallest flash)

Options:
  --to tflite               the target format (only tflite)
  --calib X                 calibration data (int8); also what the export is checked on
  --calibration M           minmax (default) | percentile | entropy
  --percentile P            percentile calibration cut (default 99.999)
  --eval X --labels Y       data and labels the export is checked on (default: --calib)
  --dim NAME=N              value of a symbolic dimension (repeatable; TFLite needs fixed shapes)
  --int8-io                 int8: inputs and outputs int8 too (their scale and zero point are reported)
  --nhwc-io                 keep 4-D inputs and outputs NHWC: no TRANSPOSE at all
  --no-verify               skip the check in TFLite's interpreter
  --out PATH                output file (default MODEL.tflite, MODEL.<mode>.tflite)
  --force                   replace an existing output file
  --json                    print the full report as JSON only
${DATA_USAGE}

Exit status: 0 ok, 1 bad input or a failed check, 2 usage, 130 cancelled.`;

export const exportCommand: Command = {
  name: 'export',
  usage: USAGE,
  options: {
    to: { type: 'string' }, quantize: { type: 'string' }, calib: { type: 'string' }, calibration: { type: 'string' },
    percentile: { type: 'string' }, eval: { type: 'string' }, labels: { type: 'string' }, dim: { type: 'string', multiple: true },
    'int8-io': { type: 'boolean' }, 'nhwc-io': { type: 'boolean' }, 'no-verify': { type: 'boolean' }, out: { type: 'string' },
    force: { type: 'boolean' }, json: { type: 'boolean' }, ...DATA_OPTIONS,
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument (see --help)', 2);
    if (args.positionals.length > 1) throw new CliError(`unexpected argument '${args.positionals[1]}'`, 2);
    const to = str(args, 'to') ?? 'tflite';
    if (to !== 'tflite') throw new CliError(`--to must be tflite, got '${to}'`, 2);
    const mode = (str(args, 'quantize') ?? 'none') as ExportMode;
    if (!EXPORT_MODES.includes(mode)) throw new CliError(`--quantize must be one of ${EXPORT_MODES.join(', ')}, got '${mode}'`, 2);
    const calibration = (str(args, 'calibration') ?? 'minmax') as CalibrationMethod;
    if (!['minmax', 'percentile', 'entropy'].includes(calibration)) throw new CliError(`--calibration must be minmax, percentile or entropy, got '${calibration}'`, 2);
    const warn = (m: string) => io.err(m);
    const data = dataOptions(args, warn);
    try {
      const r = await runExportJob(file, {
        to, quantize: mode, calib: str(args, 'calib'), calibration,
        percentile: str(args, 'percentile') !== undefined ? parseNumber(str(args, 'percentile')!, 'percentile') : undefined,
        evalData: str(args, 'eval'), labels: str(args, 'labels'), preprocess: data, randomCount: data.randomCount,
        dims: dimsOption(args), int8Io: flag(args, 'int8-io'), nhwcIo: flag(args, 'nhwc-io'), verify: !flag(args, 'no-verify'),
        out: str(args, 'out'), force: flag(args, 'force'), signal: io.signal, progress: io.progress, warn,
      });
      warnNearChance(io, r);
      io.out(flag(args, 'json') ? JSON.stringify(r, null, 2) : formatExport(r));
      if (r.verification && !r.verification.passed) {
        io.err(`${r.output}: the export failed its check in TFLite's interpreter: ${r.verification.checks.filter((c) => c.passed === false).map((c) => c.detail).join('; ')} (the file is kept for inspection; --no-verify skips the check)`);
        return 1;
      }
      return 0;
    } catch (e) {
      if (e instanceof CancelledError) throw new CliError('cancelled; no output file was left behind', 130);
      if (e instanceof ExportError) throw new CliError(e.message, 1);
      throw e;
    }
  },
};

export function formatExport(r: ExportJobResult): string {
  const lines = [
    `${r.mode === 'none' ? 'float32' : r.mode}: ${r.input} -> ${r.output}`,
    `  file: ${formatBytes(r.fileBytesBefore)} -> ${formatBytes(r.fileBytesAfter)} (${formatRatio(r.fileRatio)})`,
    `  ops: ${Object.entries(r.ops).map(([k, v]) => `${v} ${k}`).join(', ')}`,
    `  tensors: ${Object.entries(r.tensors).map(([k, v]) => `${k} ${v.tensors}${v.constants ? ` (${v.constants} constant, ${formatBytes(v.bytes)})` : ''}`).join(', ')}`,
    `  layout: ${r.transposes.inside} TRANSPOSE between ops, ${r.transposes.atInputs} at inputs, ${r.transposes.atOutputs} at outputs`,
  ];
  for (const x of [...r.inputs.map((i) => ['input', i] as const), ...r.outputs.map((o) => ['output', o] as const)]) {
    const q = r.int8?.io.find((e) => e.name === x[1].name);
    lines.push(`  ${x[0]} '${x[1].name}': [${x[1].tfliteShape.join(', ')}] ${x[1].layout === 'nhwc' ? 'NHWC' : 'as in ONNX'}${q ? `, ${q.type}${q.type === 'int8' ? ` scale ${q.scale.toPrecision(6)} zero point ${q.zeroPoint}` : ''}` : ''}`);
  }
  if (r.calibration) lines.push(`  calibration: ${r.calibration.method} on ${r.calibration.data}, ${r.calibration.tensors} tensors, ${formatDuration(r.calibration.ms)} (in TFLite's interpreter)`);
  if (r.weights.length) {
    const kinds = new Map<string, number>();
    for (const w of r.weights) {
      const k = `${w.from} -> ${w.to}${w.perChannel ? ' per channel' : ''}${w.dequantizedBy === 'DEQUANTIZE' ? ' + DEQUANTIZE' : ''}`;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    lines.push(`  weights: ${[...kinds].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  }
  for (const n of r.delegate.notes) lines.push(`  delegates: ${n}`);
  lines.push('  nodes:');
  for (const n of r.nodes) lines.push(`    ${n.node} (${n.opType}) -> ${n.became.length ? n.became.join(' + ') : n.note ?? 'nothing'}`);
  const v = r.verification;
  if (v) {
    lines.push(`  checked in TFLite's interpreter beside ONNX Runtime on ${v.data}${v.synthetic ? ' (RANDOM data)' : ''}, ${v.samples} samples:`);
    if (v.accuracyOnnx && v.accuracyTflite) lines.push(`  top-1 ${formatPercent(v.accuracyOnnx.top1, 2)} (ONNX) -> ${formatPercent(v.accuracyTflite.top1, 2)} (TFLite), top-5 ${formatPercent(v.accuracyOnnx.top5, 2)} -> ${formatPercent(v.accuracyTflite.top5, 2)}`);
    lines.push(...formatComparison(v.outputs));
    lines.push(`  p50 per run: ONNX Runtime ${formatNumber(v.p50Ms.onnxRuntime)} ms, TFLite ${formatNumber(v.p50Ms.tflite)} ms (one thread each, quick in-process figures)`);
    for (const c of v.checks) lines.push(`  ${c.passed === null ? 'NOT RUN' : c.passed ? 'PASS' : 'FAIL'} ${c.check}: ${c.detail}`);
  }
  for (const w of r.warnings) if (!/^WARNING: NO DATA/.test(w)) lines.push(`  note: ${w}`);
  return lines.join('\n');
}
