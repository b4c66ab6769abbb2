import { ORT_CHECK_MAX_NODES, ORT_CHECKS, QUANTIZE_MODES, runQuantizeJob, type CalibrationMethod, type OrtCheck, type QuantizeJobResult, type QuantizeMode } from '../../core/jobs/quantize';
import type { OutputComparison } from '../../core/analysis/accuracy';
import { CancelledError } from '../../core/jobs/job';
import { runMixedPrecisionJob, type MixedPrecisionJobResult } from '../../core/jobs/mixed-precision';
import { CliError, flag, num, str, strs, type Command } from '../command';
import { DATA_OPTIONS, DATA_USAGE, dataOptions, parseNumber, threadsOption } from '../data-options';
import { formatBytes, formatInteger, formatCloseness, formatDb, formatDuration, formatNumber, formatPercent, formatPoints, formatRatio } from '../../core/base/units';
import { verdictText, warnNearChance } from '../format';
import { BUDGET_BROKEN } from './run';

const USAGE = `usage: edgewise quantize MODEL --mode fp16|dynamic|static|int4|int8-weights [options]

Writes a quantized copy next to MODEL (MODEL.<mode>.onnx), then reports sizes, nodes quantized and
skipped (with reasons), the quantized ops ONNX Runtime actually fused, accuracy or output agreement
before/after, and a quick p50 latency before/after.

Modes:
  fp16          weights and activations in float16 (inputs/outputs stay float32; --fp16-io to change them)
  dynamic       MatMul/Gemm int8 weights, activations quantized at run time (Conv stays float)
  static        QDQ int8 with calibration: uint8 asymmetric activations (x86), int8 symmetric weights
  int4          MatMul/Gemm 4-bit weights (com.microsoft MatMulNBits)
  int8-weights  int8 weights + DequantizeLinear, float math (targets without integer kernels)

Options:
  --calib X                 calibration data (static)
  --calibration M           minmax (default) | percentile | entropy
  --percentile P            percentile calibration cut (default 99.999)
  --moving-average          minmax: moving average of per-batch ranges
  --per-channel             one weight scale per output channel
  --activation-type T       uint8 (default, x86) | int8 (symmetric, ARM)
  --exclude-op T            leave op type T in float (repeatable)
  --exclude-node N          leave node N in float (repeatable)
  --include-op T, --include-node N   quantize only these (repeatable)
  --form F                  dynamic: onnx (default) | com.microsoft
  --block-size B            int4: power of two >= 16 (default 32)
  --asymmetric              int4: 4-bit zero point per block
  --accuracy-level L        int4: MatMulNBits accuracy_level 0-4 (default 0)
  --fp16-io                 fp16: make the model's inputs/outputs float16 too
  --eval X --labels Y       evaluation data and labels (.npy or text, one integer per line)
  --max-accuracy-drop P     static mixed precision: return the most harmful layers to float until the
                            top-1 drop on --eval/--labels is at most P points (prints each layer's
                            precision and why)
  --holdout X --holdout-labels Y   held-out data the mixed-precision result is checked on
  --latency-aware           mixed precision: profile per layer, keep layers whose INT8 is slower in
                            float, time the candidates and keep the fastest within budget
  --out PATH                output file (default MODEL.<mode>.onnx)
  --force                   replace an existing output file
  --no-latency              skip the quick latency figures
  --ort-check C             auto (default) | always | never: open both models in ONNX Runtime to
                            count fused ops, compare outputs and time them; auto skips that above
                            ${formatInteger(ORT_CHECK_MAX_NODES)} nodes, where loading the graph takes ORT minutes
  --json                    print the full report as JSON only
${DATA_USAGE}`;

export const quantize: Command = {
  name: 'quantize',
  usage: USAGE,
  options: {
    mode: { type: 'string' }, calib: { type: 'string' }, calibration: { type: 'string' }, percentile: { type: 'string' },
    'moving-average': { type: 'boolean' }, 'per-channel': { type: 'boolean' }, 'activation-type': { type: 'string' },
    'exclude-op': { type: 'string', multiple: true }, 'exclude-node': { type: 'string', multiple: true },
    'include-op': { type: 'string', multiple: true }, 'include-node': { type: 'string', multiple: true },
    form: { type: 'string' }, 'block-size': { type: 'string' }, asymmetric: { type: 'boolean' }, 'accuracy-level': { type: 'string' },
    'fp16-io': { type: 'boolean' }, eval: { type: 'string' }, labels: { type: 'string' }, out: { type: 'string' },
    'max-accuracy-drop': { type: 'string' }, holdout: { type: 'string' }, 'holdout-labels': { type: 'string' }, 'latency-aware': { type: 'boolean' },
    force: { type: 'boolean' }, 'no-latency': { type: 'boolean' }, 'ort-check': { type: 'string' }, json: { type: 'boolean' }, ...DATA_OPTIONS,
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    if (str(args, 'max-accuracy-drop') !== undefined) return runMixed(file, args, io);
    const mode = str(args, 'mode') as QuantizeMode | undefined;
    if (!mode || !QUANTIZE_MODES.includes(mode)) throw new CliError(`--mode must be one of ${QUANTIZE_MODES.join(', ')}${mode ? `, got '${mode}'` : ''}`, 2);
    const calibration = (str(args, 'calibration') ?? 'minmax') as CalibrationMethod;
    if (!['minmax', 'percentile', 'entropy'].includes(calibration)) throw new CliError(`--calibration must be minmax, percentile or entropy, got '${calibration}'`, 2);
    const activationType = str(args, 'activation-type') ?? 'uint8';
    if (activationType !== 'uint8' && activationType !== 'int8') throw new CliError(`--activation-type must be uint8 or int8, got '${activationType}'`, 2);
    const form = str(args, 'form') ?? 'onnx';
    if (form !== 'onnx' && form !== 'com.microsoft') throw new CliError(`--form must be onnx or com.microsoft, got '${form}'`, 2);
    const ortCheck = (str(args, 'ort-check') ?? 'auto') as OrtCheck;
    if (!ORT_CHECKS.includes(ortCheck)) throw new CliError(`--ort-check must be auto, always or never, got '${ortCheck}'`, 2);
    const json = flag(args, 'json');
    const warn = (m: string) => io.err(m);
    const data = dataOptions(args, warn);
    const threads = threadsOption(args);
    try {
      const result = await runQuantizeJob(file, {
        mode, out: str(args, 'out'), force: flag(args, 'force'), calib: str(args, 'calib'), calibration,
        percentile: str(args, 'percentile') !== undefined ? parseNumber(str(args, 'percentile')!, 'percentile') : undefined,
        movingAverage: flag(args, 'moving-average'), perChannel: flag(args, 'per-channel') || undefined,
        activationType, dynamicForm: form, blockSize: num(args, 'block-size', 32, { min: 16, max: 1 << 16, integer: true }), symmetric: !flag(args, 'asymmetric'),
        accuracyLevel: num(args, 'accuracy-level', 0, { min: 0, max: 4, integer: true }), keepIoTypes: !flag(args, 'fp16-io'),
        excludeOps: strs(args, 'exclude-op'), excludeNodes: strs(args, 'exclude-node'),
        includeOps: strs(args, 'include-op'), includeNodes: strs(args, 'include-node'),
        evalData: str(args, 'eval'), labels: str(args, 'labels'), preprocess: data, randomCount: data.randomCount,
        skipLatency: flag(args, 'no-latency'), ortCheck, threads, signal: io.signal, progress: io.progress, warn,
      });
      warnNearChance(io, result);
      io.out(json ? JSON.stringify(result, null, 2) : formatResult(result));
      return 0;
    } catch (e) {
      if (e instanceof CancelledError) throw new CliError('cancelled; no output file was left behind', 130);
      throw e;
    }
  },
};

async function runMixed(file: string, args: Parameters<Command['run']>[0], io: Parameters<Command['run']>[1]): Promise<number> {
  const mode = str(args, 'mode') ?? 'static';
  if (mode !== 'static') throw new CliError(`--max-accuracy-drop searches static INT8 layers; --mode must be static, got '${mode}'`, 2);
  const maxDrop = parseNumber(str(args, 'max-accuracy-drop')!, 'max-accuracy-drop');
  const evalData = str(args, 'eval'), labels = str(args, 'labels');
  if (!evalData || !labels) throw new CliError('--max-accuracy-drop needs --eval and --labels (the data the drop is measured on)', 2);
  const hd = str(args, 'holdout'), hl = str(args, 'holdout-labels');
  if (!!hd !== !!hl) throw new CliError('--holdout and --holdout-labels go together', 2);
  const activationType = str(args, 'activation-type') ?? 'uint8';
  if (activationType !== 'uint8' && activationType !== 'int8') throw new CliError(`--activation-type must be uint8 or int8, got '${activationType}'`, 2);
  let r: MixedPrecisionJobResult;
  try {
    r = await runMixedPrecisionJob(file, {
      maxDrop, evalData, labels, calib: str(args, 'calib'), holdout: hd && hl ? { data: hd, labels: hl } : undefined,
      perChannel: flag(args, 'per-channel'), activationType, latencyAware: flag(args, 'latency-aware'), skipLatency: flag(args, 'no-latency'),
      preprocess: dataOptions(args, (m) => io.err(m)),
      out: str(args, 'out'), force: flag(args, 'force'), signal: io.signal, progress: io.progress,
    });
  } catch (e) {
    if (e instanceof CancelledError) throw new CliError('cancelled; no output file was left behind', 130);
    throw e;
  }
  warnNearChance(io, r);
  io.out(flag(args, 'json') ? JSON.stringify(r, null, 2) : formatMixed(r));
  // An accuracy budget on data the float model cannot score is broken, as a recipe's is.
  return r.nearChance ? BUDGET_BROKEN : 0;
}

function formatMixed(r: MixedPrecisionJobResult): string {
  const floats = r.decisions.filter((d) => d.precision === 'float').length;
  const lines = [
    `mixed precision (static INT8, budget ${r.maxDrop} points): ${r.input} -> ${r.output}`,
    `  file: ${formatBytes(r.fileBytesBefore)} -> ${formatBytes(r.fileBytesAfter)}; ${r.decisions.length - floats} layers INT8, ${floats} float (${r.evaluations} builds evaluated)`,
    `  tuning top-1 ${formatPercent(r.floatTop1 / 100, 2)} -> ${formatPercent(r.top1 / 100, 2)} (drop ${formatPoints((r.floatTop1 - r.top1) / 100, 2)}: ${r.nearChance ? 'NOT MEANINGFUL, the float model is at chance' : r.withinBudget ? 'within budget' : 'OVER budget'})`,
  ];
  if (r.latency) lines.push(`  p50 (1 thread, fresh process each): float ${formatNumber(r.latency.floatP50Ms)} ms -> ${formatNumber(r.latency.resultP50Ms)} ms (${formatRatio(r.latency.speedup)}, ${verdictText(r.latency.verdict, r.latency.noiseMs)})`);
  if (r.candidates) lines.push(`  candidates (p50): ${r.candidates.map((c) => `${c.name} ${formatNumber(c.latencyMs)} ms${c.withinBudget ? '' : ' (over budget)'}`).join(', ')}; kept ${r.chosen}`);
  if (r.heldOut) lines.push(`  held-out top-1 ${formatPercent(r.heldOut.floatTop1 / 100, 2)} -> ${formatPercent(r.heldOut.top1 / 100, 2)} (drop ${formatPoints(r.heldOut.drop / 100, 2)}: ${r.heldOut.drop <= r.maxDrop + 1e-9 ? 'within' : 'OVER'} budget)`);
  lines.push('  layers:');
  for (const d of r.decisions) lines.push(`    ${d.precision.padEnd(5)} ${d.layer}: ${d.detail}`);
  return lines.join('\n');
}

export function formatComparison(outputs: OutputComparison[]): string[] {
  return outputs.map((c) =>
    `  ${c.output}: top-1 agreement ${formatPercent(c.top1Agreement, 2)}, cosine ${formatCloseness(c.cosine)}, max |error| ${formatNumber(c.maxAbsError)}, SQNR ${c.sqnrDb === null ? 'exact' : formatDb(c.sqnrDb)}`);
}

export function formatResult(r: QuantizeJobResult): string {
  const rep = r.report;
  const lines = [
    `${r.mode}: ${r.input} -> ${r.output}`,
    `  file: ${formatBytes(r.fileBytesBefore)} -> ${formatBytes(r.fileBytesAfter)} (${formatRatio(r.fileRatio)})`,
  ];
  if (r.calibration) lines.push(`  calibration: ${r.calibration.method} on ${r.calibration.data}, ${r.calibration.tensors} tensors, ${formatDuration(r.calibration.ms)}`);
  if (rep.pass === 'fp16') {
    lines.push(`  converted ${rep.convertedTensors} tensors to float16, ${rep.castsAdded} Casts added, ${rep.clamped} values clamped to ±65504, ${rep.flushedToZero} flushed to zero`);
  } else {
    lines.push(`  quantized ${rep.quantized.length} nodes: ${summarize(rep.quantized.map((n) => n.opType))}`);
  }
  if (rep.pass === 'static-int8' && rep.foldedRelus.length) lines.push(`  folded ${rep.foldedRelus.length} Relu/Clip into the uint8 QuantizeLinear of their producer`);
  if (rep.skipped.length) {
    lines.push(`  skipped ${rep.skipped.length} nodes:`);
    for (const s of rep.skipped.slice(0, 12)) lines.push(`    ${s.node} (${s.opType}): ${s.reason}`);
    if (rep.skipped.length > 12) lines.push(`    ... ${rep.skipped.length - 12} more (see --json)`);
  }
  if (r.fused) {
    const ops = Object.entries(r.fused.quantizedOps).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
    lines.push(`  ORT runs: ${ops}${r.fused.share !== null ? ` (${formatPercent(r.fused.share, 0)} of the ${r.fused.weightedNodesQuantized} quantized Conv/MatMul/Gemm fused)` : ''}${r.fused.qdqLeft ? `, ${r.fused.qdqLeft} Q/DQ left unfused` : ''}`);
  }
  if (r.evaluation) {
    const e = r.evaluation;
    lines.push(`  evaluation on ${e.data}${e.synthetic ? ' (RANDOM: accuracy unknown)' : ''}:`);
    if (e.accuracyBefore && e.accuracyAfter) {
      lines.push(`  top-1 ${formatPercent(e.accuracyBefore.top1, 2)} -> ${formatPercent(e.accuracyAfter.top1, 2)} (${formatPoints(e.accuracyAfter.top1 - e.accuracyBefore.top1, 2)}), top-5 ${formatPercent(e.accuracyBefore.top5, 2)} -> ${formatPercent(e.accuracyAfter.top5, 2)}`);
    }
    lines.push(...formatComparison(e.outputs));
  }
  if (r.latency) {
    const l = r.latency;
    lines.push(`  p50 (${l.note}, ${l.threads} thread): ${formatNumber(l.beforeP50Ms)} ms -> ${formatNumber(l.afterP50Ms)} ms (${formatRatio(l.speedup)}, ${verdictText(l.verdict, l.noiseMs)})`);
  }
  if (r.slowerAdvice) {
    const { unfusedAround, excludeOps } = r.slowerAdvice;
    const around = r.fused?.qdqLeft ? `, with ${r.fused.qdqLeft} Q/DQ left unfused${unfusedAround.length ? ` around ${unfusedAround.map((op) => `${r.fused!.unfusedOps[op]} ${op}`).join(', ')}` : ''}` : '';
    lines.push(`  static INT8 made this model slower${around}. Try instead: --mode dynamic (INT8 weights, activations quantized at run time)` +
      `${excludeOps.length ? `, or keep the quantized ops left unfused in float: ${excludeOps.map((op) => `--exclude-op ${op}`).join(' ')}` : ''}`);
  }
  for (const w of r.warnings) if (!/^WARNING: NO DATA/.test(w)) lines.push(`  note: ${w}`);
  return lines.join('\n');
}

function summarize(ops: string[]): string {
  const counts = new Map<string, number>();
  for (const o of ops) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
}
