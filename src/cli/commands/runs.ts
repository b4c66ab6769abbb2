import * as path from 'node:path';
import { compareRuns, PARETO_AXES, runModel } from '../../core/jobs/runs/compare';
import { findRuns, listRuns, runsRootFor, RUNS_DIR } from '../../core/jobs/runs/store';
import type { RunMetrics, RunRecord } from '../../core/jobs/runs/types';
import { CliError, flag, str, type Command } from '../command';
import { table } from '../format';
import { formatBytes, formatCloseness, formatDuration, formatPercent } from '../../core/base/units';

export const runs: Command = {
  name: 'runs',
  usage: `usage: edgewise runs list [--kind K] [--limit N] [--json]
       edgewise runs show RUN [--json]
       edgewise runs compare RUN RUN... [--json]

Every quantize, prune, train, export, bench, analyze and recipe run leaves a record in
.edgewise/runs/ of its runs root: inputs with content hashes, options, outputs, size, latency,
peak memory, accuracy, agreement, the machine and target, the duration. The root is
EDGEWISE_RUNS_ROOT when set ('off' records nothing), else the nearest folder above the model,
then above the working directory, that has a .edgewise folder, else the working directory.
RUN is an id, a unique prefix of one, or 'latest'. compare marks the runs on the Pareto front of
size, p50 latency and top-1 accuracy (the axes every compared run has).

  --root DIR   read the records of this runs root instead
  --kind K     only runs of this job (quantize, prune, train, export, bench, analyze, recipe...)
  --limit N    at most N runs, newest first (default 50)
  --json       print the records as JSON`,
  options: { root: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const [sub, ...refs] = args.positionals;
    const root = str(args, 'root') ? path.resolve(str(args, 'root')!) : runsRootFor(undefined);
    if (!root) throw new CliError('EDGEWISE_RUNS_ROOT is off: no runs are recorded; pass --root DIR to read some');
    const list = listRuns(root);
    for (const u of list.unreadable) io.err(`skipped ${u.problem}`);
    const json = flag(args, 'json');
    if (sub === 'list') {
      const limit = Number(str(args, 'limit') ?? 50);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a whole number >= 1, got '${str(args, 'limit')}'`, 2);
      const kind = str(args, 'kind');
      const shown = list.records.filter((r) => !kind || r.kind === kind).slice(0, limit);
      if (json) io.out(JSON.stringify(shown, null, 2));
      else if (shown.length === 0) io.out(`no runs in ${path.join(root, RUNS_DIR)}`);
      else io.out(table([['RUN', 'JOB', 'STATUS', 'MODEL', ...FIGURES.map((f) => f.head)], ...shown.map((r) => [r.id, r.kind, r.status, runModel(r), ...FIGURES.map((f) => cell(r.metrics, f.key))])], ''));
      return 0;
    }
    if (sub === 'show') {
      if (refs.length !== 1) throw new CliError('runs show takes one RUN', 2);
      const [r] = findOrFail(list, refs);
      io.out(json ? JSON.stringify(r, null, 2) : showRun(r));
      return 0;
    }
    if (sub === 'compare') {
      if (refs.length < 2) throw new CliError('runs compare takes two or more RUNs', 2);
      const c = compareRuns(findOrFail(list, refs));
      if (json) { io.out(JSON.stringify(c, null, 2)); return 0; }
      io.out(table([['', 'RUN', 'JOB', 'MODEL', ...FIGURES.map((f) => f.head)], ...c.runs.map((r) => [c.front.includes(r.id) ? '*' : '', r.id, r.kind, runModel(r), ...FIGURES.map((f) => cell(r.metrics, f.key))])], ''));
      io.out(c.axes.length
        ? `* on the Pareto front of ${c.axes.map((k) => PARETO_AXES.find((a) => a.key === k)!.label).join(', ')}`
        : '* no figure is shared by every run (size, p50, accuracy), so none beats another');
      return 0;
    }
    throw new CliError(`runs: expected list, show or compare${sub ? `, got '${sub}'` : ''}`, 2);
  },
};

function findOrFail(list: ReturnType<typeof listRuns>, refs: string[]): RunRecord[] {
  try {
    return findRuns(list, refs);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

const FIGURES: { key: keyof RunMetrics; head: string; fmt: (v: number) => string }[] = [
  { key: 'sizeBytes', head: 'SIZE', fmt: formatBytes },
  { key: 'p50Ms', head: 'P50', fmt: formatDuration },
  { key: 'p95Ms', head: 'P95', fmt: formatDuration },
  { key: 'peakRssBytes', head: 'PEAK RSS', fmt: formatBytes },
  { key: 'accuracy', head: 'TOP-1', fmt: (v) => formatPercent(v / 100, 2) },
  { key: 'agreement', head: 'AGREE', fmt: (v) => formatPercent(v / 100, 2) },
];

function cell(m: RunMetrics, key: keyof RunMetrics): string {
  const v = m[key];
  return v === undefined || v === null ? '-' : FIGURES.find((f) => f.key === key)!.fmt(v);
}

function showRun(r: RunRecord): string {
  const files = (fs: RunRecord['inputs']) => fs.map((f) => `    ${f.role.padEnd(10)} ${f.path} (${formatBytes(f.bytes)}, sha256 ${f.sha256.slice(0, 16)})`);
  const lines = [
    `run ${r.id}: ${r.kind}, ${r.status}${r.error ? ` (${r.error})` : ''}`,
    `  started ${r.startedAt}, took ${formatDuration(r.durationMs)} on ${r.machine.host} (${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.platform} ${r.machine.arch}), target ${r.target}`,
  ];
  if (r.summary) lines.push(`  ${r.summary}`);
  lines.push('  inputs', ...files(r.inputs));
  if (r.outputs.length) lines.push('  outputs', ...files(r.outputs));
  const figures = FIGURES.filter((f) => r.metrics[f.key] !== undefined).map((f) => `${f.head.toLowerCase()} ${cell(r.metrics, f.key)}`);
  if (r.metrics.accuracyBefore !== undefined) figures.push(`top-1 before ${formatPercent(r.metrics.accuracyBefore / 100, 2)}`);
  if (r.metrics.cosine !== undefined) figures.push(`cosine ${formatCloseness(r.metrics.cosine)}`);
  if (figures.length) lines.push(`  figures: ${figures.join(', ')}`);
  for (const b of r.budgets ?? []) lines.push(`  ${b.ok ? 'ok    ' : 'BROKEN'} ${b.name}: ${b.message}`);
  lines.push(`  options: ${JSON.stringify(r.options)}`);
  return lines.join('\n');
}
