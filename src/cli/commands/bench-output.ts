/** Printing for `edgewise bench`: results as text and JSON, where they ran, energy, and the fleet table. */
import type { FleetReport } from '../../core/runtime/devices/fleet';
import { brokenBudgets, type BudgetBreak, type BudgetCheck, type Target } from '../../core/runtime/targets';
import type { BenchmarkResult, EnergyReport, LayerProfile } from '../../core/runtime/types';
import { samplesPerRun } from '../../core/runtime/stats';
import { formatBytes, formatNumber, formatPercent, formatRate } from '../../core/base/units';
import { table } from '../format';

/** A time in ms where the unit is in the column or after the figure. */
const ms = (v: number) => formatNumber(v);

/** Where a result was measured, when not on this machine directly. */
export function deviceLines(r: BenchmarkResult): string[] {
  if (!r.device) return [];
  const m = r.machine;
  const facts = `${m.cpuModel}, ${m.cores} cores, ${formatBytes(m.totalMemBytes)}, ${m.os ?? m.platform}, ${m.arch}, Node ${m.nodeVersion}, onnxruntime ${r.ortVersion}`;
  const lines = [`  on ${r.device.target}${r.device.target === r.device.address ? '' : ` (${r.device.address})`}: ${facts}`];
  if (r.device.emulated) lines.push('  EMULATED (qemu-user): latency below is emulated, not a device\'s; never compared or budgeted');
  return lines;
}

export function formatEnergy(e: EnergyReport): string {
  if (!e.available) return `unavailable (${e.reason})`;
  const j = e.joulesPerInference;
  const value = Math.abs(j) >= 1 ? `${formatNumber(j)} J` : Math.abs(j) >= 1e-3 ? `${formatNumber(j * 1e3)} mJ` : `${formatNumber(j * 1e6)} µJ`;
  return `${value} per inference above idle (${e.source}; ${formatNumber(e.activeWatts)} W during ${e.inferences} runs, ${formatNumber(e.idleWatts)} W idle subtracted)`;
}

function energyCell(e: EnergyReport | undefined): string {
  if (!e) return '-';
  if (!e.available) return 'unavailable';
  return formatEnergy(e).split(' per ')[0];
}

export function formatFleet(report: FleetReport, targets: Target[]): string {
  const rows = [['target', 'where', 'p50 ms', 'p95 ms', 'p99 ms', 'init ms', 'peak RSS', 'energy/inf', 'budgets']];
  const notes: string[] = [];
  for (const e of report.entries) {
    const r = e.results[0];
    const where = r ? (r.device ? `${r.machine.cpuModel} ${r.machine.arch}${e.emulated ? ' (emulated)' : ''}` : 'this machine') : '-';
    if (!r) {
      rows.push([e.target, '-', '-', '-', '-', '-', '-', '-', `ERROR (${e.error?.kind})`]);
      notes.push(`  ${e.target}: ${e.error?.message}`);
      continue;
    }
    const l = r.latency;
    const lat = (v: number) => (e.emulated ? `${ms(v)} emulated` : ms(v));
    const budgets = e.emulated ? 'n/a (emulated)' : targets.find((t) => t.name === e.target && (t.ramBudgetBytes || t.latencyBudgetMs || t.storageBudgetBytes))
      ? (e.budgetBreaks.length ? `FAIL (${e.budgetBreaks.map((b) => b.budget).join(', ')})` : 'pass') : 'none set';
    rows.push([e.target, where, lat(l.p50Ms), lat(l.p95Ms), lat(l.p99Ms), ms(r.initMs), formatBytes(r.peakRssBytes), energyCell(r.energy), budgets]);
    for (const b of e.budgetBreaks) notes.push(`  BUDGET BROKEN (${e.target}): ${b.message}`);
    if (r.energy && !r.energy.available) notes.push(`  ${e.target}: energy: unavailable (${r.energy.reason})`);
  }
  const lines = [report.model, table(rows)];
  if (report.entries.some((e) => e.agreement)) lines.push('', ...agreementLines(report));
  if (notes.length) lines.push('', ...notes);
  const slowest = report.entries.find((e) => e.target === report.slowest);
  lines.push('', slowest
    ? `slowest device: ${slowest.target} (p50 ${ms(slowest.results[0].latency.p50Ms)} ms${slowest.budgetBreaks.length ? ', over budget' : ''}); verdict: ${report.verdict.toUpperCase()}`
    : `no real device measured; verdict: ${report.verdict.toUpperCase()}`);
  return lines.join('\n');
}

function agreementLines(report: FleetReport): string[] {
  const out: string[] = [];
  const ref = report.entries.find((e) => e.agreement)!;
  const refKernels = new Set(ref.results[0].outputCheck!.kernels.map((k) => k.op));
  for (const e of report.entries.filter((x) => x.agreement)) {
    const c = e.results[0].outputCheck!;
    const a = e.agreement!;
    out.push(`${e.target}: top-1 agreement with ${a.with} ${formatPercent(a.share)} (${a.same}/${a.samples} samples of ${c.data.split('/').pop()})`);
    out.push(`  kernels that ran: ${c.kernels.map((k) => `${k.op} x${k.count}`).join(', ')}`);
    const features = e.results[0].machine.int8Features;
    if (features) out.push(`  int8 CPU features (pick ORT's MLAS int8 kernels: U8S8 on x86 AVX2/VNNI, dot-product S8S8/U8U8 on ARM): ${features.join(' ') || 'none'}`);
    if (e !== ref) {
      const own = new Set(c.kernels.map((k) => k.op));
      const only = [...own].filter((k) => !refKernels.has(k));
      const missing = [...refKernels].filter((k) => !own.has(k));
      if (only.length || missing.length) out.push(`  differs from ${ref.target}: ${[...only.map((k) => `+${k}`), ...missing.map((k) => `-${k}`)].join(', ')}`);
    }
  }
  return out;
}

export function jsonFleet(report: FleetReport, targets: Target[]) {
  return {
    model: report.model, verdict: report.verdict, slowest: report.slowest,
    targets: report.entries.map((e) => {
      const t = targets.find((x) => x.name === e.target);
      return {
        target: e.target, emulated: e.emulated, error: e.error, agreement: e.agreement,
        results: e.results.map((r) => jsonResult(r, t, e.emulated ? [] : e.budgetBreaks)),
      };
    }),
  };
}

/** The documented JSON shape: flat latency fields, perNode from the model's own node names. */
export function jsonResult(r: BenchmarkResult, target: Target | undefined, budgetBreaks: BudgetBreak[]) {
  const { samplesMs, ...latency } = r.latency;
  const summary = (p?: LayerProfile) => p && {
    optLevel: p.optLevel, runs: p.runs, droppedRuns: p.droppedRuns, runMeanMs: p.runMeanMs, ortRunMeanMs: p.ortRunMeanMs,
    coverage: p.coverage, coverageOfOrtRun: p.coverageOfOrtRun, unattributedShare: p.unattributedShare,
  };
  return {
    model: r.model, modelBytes: r.modelBytes, threads: r.threads, optLevel: r.optLevel,
    executionProviders: r.executionProviders, spinning: r.spinning, ortVersion: r.ortVersion, machine: r.machine,
    affinity: r.affinity, inputs: r.inputs, warnings: r.warnings, warmup: r.warmup, runs: samplesMs.length,
    ...latency, initMs: r.initMs, firstRunMs: r.firstRunMs,
    peakRssBytes: r.peakRssBytes, rssAfterLoadBytes: r.rssAfterLoadBytes, rssBaselineBytes: r.rssBaselineBytes,
    perNode: r.profile?.nodes.map(({ name, opType, meanUs, share }) => ({ name, opType, meanUs, share })),
    perNodeOptimized: r.profileOptimized?.nodes,
    profile: summary(r.profile), profileOptimized: summary(r.profileOptimized), profilerOverhead: r.profilerOverhead,
    target: target?.name, budgetBreaks: target ? budgetBreaks : undefined, energy: r.energy, device: r.device,
    outputCheck: r.outputCheck && { data: r.outputCheck.data, samples: r.outputCheck.samples, output: r.outputCheck.output, kernels: r.outputCheck.kernels },
    samplesMs,
  };
}


export function formatResults(results: BenchmarkResult[], budgets: BudgetCheck[][], target: Target | undefined, top: number): string {
  const breaks = budgets.map(brokenBudgets);
  const r0 = results[0];
  const lines = [
    `${r0.model}`,
    `  ${formatBytes(r0.modelBytes)}, ${r0.executionProviders[0] === 'tflite-wasm' ? r0.ortVersion : `onnxruntime ${r0.ortVersion} (${r0.executionProviders.join(', ')}), opt level ${r0.optLevel}`}, ` +
      `${r0.machine.cpuModel} (${r0.machine.cores} cores)${r0.affinity ? `, pinned to CPU ${r0.affinity.join(',')}` : ''}`,
    ...deviceLines(r0),
    `  inputs: ${r0.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join('x')}]${i.source === 'generated' ? '' : ` from ${i.source}`}`).join(', ')}`,
  ];
  results.forEach((r, i) => {
    const l = r.latency;
    lines.push(
      '',
      `threads ${r.threads}: p50 ${ms(l.p50Ms)} ms  p90 ${ms(l.p90Ms)}  p95 ${ms(l.p95Ms)}  p99 ${ms(l.p99Ms)}  ` +
        `(min ${ms(l.minMs)}, max ${ms(l.maxMs)}, mean ${ms(l.meanMs)} ± ${ms(l.stdMs)}; ${l.samplesMs.length} runs, ${throughput(r)})`,
      `  session ${ms(r.initMs)} ms, first run ${ms(r.firstRunMs)} ms, peak RSS ${formatBytes(r.peakRssBytes)} ` +
        `(after load ${formatBytes(r.rssAfterLoadBytes)}, Node alone ${formatBytes(r.rssBaselineBytes)})`,
    );
    if (r.energy) lines.push(`  energy: ${formatEnergy(r.energy)}`);
    if (r.profilerOverhead !== undefined) lines.push(`  profiler overhead ${formatPercent(r.profilerOverhead)} on the median run`);
    if (r.profile) lines.push(...formatProfile(r.profile, top, 'model\'s own nodes'));
    if (r.profileOptimized) lines.push(...formatProfile(r.profileOptimized, top, 'as ORT runs it'));
    if (target && r.device?.emulated) {
      lines.push(`  target ${target.name}: emulated, budgets not checked`);
    } else if (target) {
      const checks = budgets[i];
      if (checks.length === 0) lines.push(`  target ${target.name}: no budgets set`);
      else lines.push(`  target ${target.name}: ${breaks[i].length ? `${breaks[i].length} of ${checks.length} budgets BROKEN` : `within every budget`}`, budgetTable(checks));
      for (const b of breaks[i]) lines.push(`  BUDGET BROKEN (${target.name}): ${b.message}`);
    }
  });
  return lines.join('\n');
}

/** Throughput in samples (the batch times runs per second): what a user compares across batch sizes. */
export function throughput(r: BenchmarkResult): string {
  const batch = samplesPerRun(r.inputs);
  const samples = formatRate(batch * r.latency.throughputPerSec, 'samples');
  return batch === 1 ? samples : `${samples} (batch ${batch}, ${formatRate(r.latency.throughputPerSec, 'runs')})`;
}

/** Each budget beside its measured figure: '    p95 latency   0.95 ms   budget 100 ms   ok'. */
function budgetTable(checks: BudgetCheck[]): string {
  const value = (v: number, unit: BudgetCheck['unit']) => (Number.isNaN(v) ? 'n/a' : unit === 'ms' ? `${ms(v)} ms` : formatBytes(v));
  return table(checks.map((c) => [c.what, value(c.measured, c.unit), `budget ${value(c.limit, c.unit)}`, c.message ? 'BROKEN' : 'ok']), '    ');
}

function formatProfile(p: LayerProfile, top: number, what: string): string[] {
  const out = [
    `  per layer, opt level ${p.optLevel} (${what}), ${p.runs} profiled runs of ${ms(p.runMeanMs)} ms${p.droppedRuns ? ` (${p.droppedRuns} preempted runs left out)` : ''}: ` +
      `kernels explain ${formatPercent(p.coverage)} of the run (${formatPercent(p.coverageOfOrtRun)} of ORT's ${ms(p.ortRunMeanMs)} ms), ${formatPercent(p.unattributedShare)} unattributed`,
  ];
  const width = Math.min(48, Math.max(...p.nodes.slice(0, top).map((n) => n.name.length), 4));
  for (const n of p.nodes.slice(0, top)) {
    const orig = n.originalNodes ? `  <- ${n.originalNodes.length ? n.originalNodes.join(', ') : '(added by ORT)'}` : '';
    out.push(`    ${n.name.padEnd(width)}  ${n.opType.padEnd(16)} ${formatNumber(n.meanUs).padStart(9)} µs  ${formatPercent(n.share).padStart(6)}${orig}`);
  }
  if (p.nodes.length > top) out.push(`    ... ${p.nodes.length - top} more`);
  return out;
}
