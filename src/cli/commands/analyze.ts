import type { TensorError } from '../../core/analysis/tensor-error';
import type { Score } from '../../core/analysis/scorer';
import { DEFAULT_THRESHOLDS } from '../../core/analysis/diagnostics';
import { jsonDb } from '../../core/analysis/metrics';
import type { PairLatency } from '../../core/analysis/pair-latency';
import { runAnalyzeJob } from '../../core/jobs/analyze';
import { CliError, flag, num, str, type Command, type Range } from '../command';
import { dataOptions, dataUsage, GIVEN_DATA_OPTIONS, threadsOption } from '../data-options';
import { formatCloseness, formatDb, formatMicros, formatNumber, formatPercent, formatPoints } from '../../core/base/units';
import { warnNearChance } from '../format';

export const analyze: Command = {
  name: 'analyze',
  usage: `usage: edgewise analyze FLOAT QUANT --data X [--labels Y] [--count N] [--min-sqnr DB]
                        [--latency [--runs N] [--hot-share F] [--slower-by US]] [--json]

Runs both models on the same inputs with every matched intermediate tensor exposed and prints,
per layer, the SQNR (dB), cosine similarity and relative error of the quantized model's value
against the float one, plus the end-to-end top-1 accuracy (with --labels) or output agreement.
Tensors are matched through the QDQ structure (DequantizeLinear(QuantizeLinear(t)) carries t).

With --latency, both model files are also profiled with ONNX Runtime (one fresh process each, one
after the other, 1 thread, full graph optimization, generated inputs) and each layer gets its float
and INT8 kernel time (median over the profiled runs), the gain (float - INT8; negative: INT8 is
slower there, keep it in float) and its share of the float model's run time. Q/DQ nodes count
toward the layer they serve. Per-layer times are noisy on a busy machine: raise --runs.

  --data X          model inputs (required; see Data below)
  --labels Y        class ids, one per sample (.npy or text; enables top-1 accuracy)
  --min-sqnr DB     warn below this SQNR (default ${DEFAULT_THRESHOLDS.minSqnrDb})
  --latency         profile both models per layer (adds columns float µs, INT8 µs, gain, share)
  --runs N          profiled runs per model (default 20)
  --hot-share F     inform when a float layer takes over this share of the run (default ${DEFAULT_THRESHOLDS.hotLayerShare})
  --slower-by US    warn when INT8 costs more than US µs over float on a layer (default ${DEFAULT_THRESHOLDS.int8SlowerUs})
  --json            print JSON only
${dataUsage(GIVEN_DATA_OPTIONS, { batch: 100 })}

Exit status: 0 ok, 1 bad input, 2 usage, 130 cancelled.`,
  options: {
    data: { type: 'string' }, labels: { type: 'string' },
    'min-sqnr': { type: 'string' }, latency: { type: 'boolean' }, runs: { type: 'string' }, 'hot-share': { type: 'string' },
    'slower-by': { type: 'string' }, json: { type: 'boolean' }, ...GIVEN_DATA_OPTIONS,
  },
  async run(args, io) {
    const [floatFile, quantFile] = args.positionals;
    if (!floatFile || !quantFile) throw new CliError('expected FLOAT and QUANT model files', 2);
    const data = str(args, 'data');
    if (!data) throw new CliError('--data X is required (inputs to compare the models on)', 2);
    const withLatency = flag(args, 'latency');
    for (const k of ['runs', 'hot-share', 'slower-by']) {
      if (!withLatency && args.values[k] !== undefined) throw new CliError(`--${k} needs --latency`, 2);
    }
    const runs = num(args, 'runs', 20, { min: 1, max: 100_000, integer: true });
    const given = (key: string, range: Range) => (args.values[key] === undefined ? undefined : num(args, key, NaN, range));
    const r = await runAnalyzeJob(floatFile, {
      ...dataOptions(args, (m) => io.err(m)), quantized: quantFile, data, labels: str(args, 'labels'), threads: threadsOption(args),
      minSqnrDb: given('min-sqnr', { min: -1000, max: 1000 }), latency: withLatency, latencyRuns: withLatency ? runs : undefined,
      hotLayerShare: given('hot-share', { min: 0, max: 1 }), int8SlowerUs: given('slower-by', { min: -1e9, max: 1e9 }),
      signal: io.signal,
      progress: io.progress,
    });
    warnNearChance(io, r);
    const { float, quantized: quant, layers, findings, latency, seconds, samples } = r;
    if (flag(args, 'json')) {
      io.out(JSON.stringify({
        float: { file: r.floatFile, score: jsonScore(float) }, quantized: { file: r.quantizedFile, score: jsonScore(quant) },
        samples, seconds, layers: layers.map((l) => ({ ...l, sqnrDb: jsonDb(l.sqnrDb) })), latency, findings,
      }, null, 2));
    } else {
      io.out(summaryLine(float, quant, samples));
      if (latency) io.out(latencyLine(latency));
      io.out(table(layers, latency, r.nodes));
      for (const f of findings) io.out(`${f.severity}: ${f.nodeId ?? '(model)'}: ${f.message}`);
    }
    return 0;
  },
};

function jsonScore(s: Score): object {
  return { ...s, outputSqnrDb: jsonDb(s.outputSqnrDb) };
}

function summaryLine(float: Score, quant: Score, samples: number): string {
  const top1 = float.metric === 'top1';
  const value = (v: number) => (top1 ? formatPercent(v / 100, 2) : formatCloseness(v));
  const drop = top1 ? formatPoints((float.value - quant.value) / 100, 2) : formatCloseness(float.value - quant.value);
  return `${float.metric} on ${samples} samples: float ${value(float.value)}, quantized ${value(quant.value)} ` +
    `(drop ${drop}); output SQNR ${formatDb(quant.outputSqnrDb)}, cosine ${formatCloseness(quant.outputCosine)}`;
}

function latencyLine(l: PairLatency): string {
  const slower = l.gains.filter((g) => g.verdict === 'slower');
  const faster = l.gains.filter((g) => g.verdict === 'faster');
  const lost = slower.reduce((a, g) => a - g.gainUs, 0);
  const saved = faster.reduce((a, g) => a + g.gainUs, 0);
  return `latency (${l.runs} profiled runs each, ${l.threads} thread(s), ${formatNumber(l.seconds)} s): float ${formatNumber(l.float.runMs)} ms, ` +
    `INT8 ${formatNumber(l.quantized.runMs)} ms per profiled run (median; timed p50 ${formatNumber(l.float.p50Ms)} / ${formatNumber(l.quantized.p50Ms)} ms); ` +
    `of ${l.gains.length} timed layers, INT8 is slower on ${slower.length} (${formatMicros(lost)} lost), faster on ${faster.length} (${formatMicros(saved)} saved), ` +
    `within the run-to-run noise on ${l.gains.length - slower.length - faster.length}`;
}

/**
 * One row per compared tensor; with latency, a layer's times on its first row, and timed layers
 * without a compared tensor (a Conv whose Clip carries the error) get their own row, in graph order.
 */
function table(layers: readonly TensorError[], latency: PairLatency | undefined, nodes: readonly { id: string; opType: string }[]): string {
  const gains = new Map(latency?.gains.map((g) => [g.layer, g]));
  const shares = new Map(latency?.shares.map((s) => [s.nodeId, s]));
  const errors = new Map<string, TensorError[]>();
  for (const l of layers) errors.set(l.layer, [...(errors.get(l.layer) ?? []), l]);
  // Graph order; layers the graph does not list (none expected) keep their place at the end.
  const order = [...nodes.map((n) => n.id).filter((id) => errors.has(id) || shares.has(id) || gains.has(id)), ...[...errors.keys()].filter((id) => !nodes.some((n) => n.id === id))];
  const opOf = new Map(nodes.map((n) => [n.id, n.opType]));
  const w = Math.min(60, Math.max(5, ...order.map((n) => n.length)));
  const fit = (n: string) => (n.length > w ? '…' + n.slice(-(w - 1)) : n.padEnd(w));
  const us = (x: number | undefined) => (x === undefined ? '' : formatNumber(x)).padStart(9);
  const timeCols = (layer: string) => {
    if (!latency) return '';
    const g = gains.get(layer), s = shares.get(layer);
    return ` ${us(s?.meanUs ?? g?.floatUs)} ${us(g?.int8Us)} ${us(g?.gainUs)} ${(s ? formatPercent(s.share) : '').padStart(6)}`;
  };
  const timeHead = latency ? ` ${'float µs'.padStart(9)} ${'INT8 µs'.padStart(9)} ${'gain µs'.padStart(9)} ${'share'.padStart(6)}` : '';
  const head = `${'layer'.padEnd(w)}  ${'op'.padEnd(18)} ${'SQNR dB'.padStart(8)} ${'cosine'.padStart(9)} ${'rel.err'.padStart(8)}${timeHead}`;
  const blank = `${''.padStart(8)} ${''.padStart(9)} ${''.padStart(8)}`;
  const rows = order.flatMap((id) => {
    const errs = errors.get(id);
    if (!errs) return [`${fit(id)}  ${(opOf.get(id) ?? '').padEnd(18)} ${blank}${timeCols(id)}`];
    return errs.map((l, i) => `${fit(id)}  ${l.opType.padEnd(18)} ${(Number.isFinite(l.sqnrDb) ? formatNumber(l.sqnrDb) : 'exact').padStart(8)} ${formatCloseness(l.cosine).padStart(9)} ${formatNumber(l.relativeError).padStart(8)}` +
      (i === 0 ? timeCols(id) : '').trimEnd());
  });
  return [head, ...rows].join('\n');
}
