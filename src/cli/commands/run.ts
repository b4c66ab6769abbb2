import { runRecipe, RecipeError, type RecipeRunReport } from '../../core/recipe/run';
import { RECIPE_PASSES, type MixedPrecisionPassReport } from '../../core/recipe/passes';
import { measureModel } from '../../core/recipe/measure';
import { checkReportPaths, writeRecipeReports, type ReportRequest } from '../../core/recipe/report/write';
import { REPORT_OVERLAYS, type ReportOverlay } from '../../core/recipe/report/types';
import { CliError, flag, str, type Command } from '../command';
import { formatBytes, formatCloseness, formatPercent } from '../../core/base/units';
import { warnNearChance } from '../format';

/** Exit code when the recipe ran but a budget does not hold (CI gates on it). */
export const BUDGET_BROKEN = 3;

export const run: Command = {
  name: 'run',
  usage: `usage: edgewise run RECIPE [--json] [--force] [--dry-run] [--allow-outside]
                    [--report report.html] [--summary report.md] [--junit budgets.xml] [--overlay error|latency|weights]

RECIPE is JSON (comments allowed) or YAML (.yaml/.yml). Validates it against its model, runs its
passes in order (quantize, prune, mixed-precision: the options of \`edgewise quantize\` and
\`edgewise prune\`, camelCased: --per-channel is perChannel), writes the result ("output", or
<model>.edge.onnx next to the model) and checks every budget: accuracy drop and output cosine on
the "eval" data (else "data"), model size, and latency/RAM on this machine.
A last pass {"pass": "export", "options": {"quantize": "int8"}} writes a .tflite instead
(<model>.edge.tflite), checked in TFLite's interpreter against the float model; its budgets add
"maxFlashBytes" and "maxArenaBytes" (TFLite Micro's tensor arena), and a built-in "target" such as
cortex-m4-256k adds its own flash and arena budgets.

Exit codes: 0 every budget holds; ${BUDGET_BROKEN} a budget is broken; 1 bad recipe (an unknown key
included: reported before any pass runs) or input; 2 usage; 130 cancelled.

  --json      print the run report as JSON only
  --force     overwrite an existing output file
  --dry-run   run and check without writing the output
  --allow-outside   let the recipe's paths (model, output, data, labels) leave its folder:
              absolute paths, '..', links that lead out (refused by default)
  --report FILE     one self-contained HTML file: summary, every pass with its figures, budgets,
              latency histogram (the output timed again with a per-layer profile), per-layer
              error and latency bars, the graph as SVG with an overlay
  --summary FILE    Markdown for a CI job summary (e.g. >> $GITHUB_STEP_SUMMARY)
  --junit FILE      each budget as a JUnit test case (a broken budget is a failure)
  --overlay KIND    the report graph's overlay: error (SQNR per layer; the default when measured),
              latency, weights
Report files are replaced on each run; their folders must exist.`,
  options: {
    json: { type: 'boolean' }, force: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'allow-outside': { type: 'boolean' },
    report: { type: 'string' }, summary: { type: 'string' }, junit: { type: 'string' }, overlay: { type: 'string' },
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing RECIPE argument', 2);
    const overlay = str(args, 'overlay');
    if (overlay !== undefined && !(REPORT_OVERLAYS as readonly string[]).includes(overlay)) throw new CliError(`--overlay must be one of ${REPORT_OVERLAYS.join(', ')}, got '${overlay}'`, 2);
    let reports: ReportRequest;
    try {
      reports = checkReportPaths(file, { html: str(args, 'report'), markdown: str(args, 'summary'), junit: str(args, 'junit'), overlay: overlay as ReportOverlay | undefined });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const t0 = performance.now();
    let report: RecipeRunReport;
    try {
      report = await runRecipe(file, {
        passes: RECIPE_PASSES, measure: measureModel, write: !flag(args, 'dry-run'), force: flag(args, 'force'), allowOutside: flag(args, 'allow-outside'),
        progress: io.progress, signal: io.signal, warn: io.err,
      });
    } catch (e) {
      if (e instanceof RecipeError) throw new CliError(e.message);
      throw e;
    }
    const written = await writeRecipeReports(report, reports, { seconds: (performance.now() - t0) / 1000, allowOutside: flag(args, 'allow-outside'), signal: io.signal, progress: io.progress });
    warnNearChance(io, report);
    if (flag(args, 'json')) io.out(JSON.stringify(report, null, 2));
    else {
      for (const p of report.problems) io.err(`${report.recipe}:${p.line + 1}:${p.column + 1}: ${p.severity}: ${p.message}`);
      io.out(report.output ? `wrote ${report.output} (${formatBytes(report.measured.sizeBytes)})` : `dry run: ${formatBytes(report.measured.sizeBytes)}`);
      for (const p of report.passes) if (p.pass === 'mixed-precision') io.out(formatMixedPass(p.report as MixedPrecisionPassReport));
      for (const c of report.budgets) io.out(`${c.ok ? 'ok    ' : 'BROKEN'} ${c.message}`);
      if (report.budgets.length === 0) io.out('no budgets to check');
      for (const f of written) io.out(`wrote ${f}`);
    }
    return report.ok ? 0 : BUDGET_BROKEN;
  },
};

function formatMixedPass(r: MixedPrecisionPassReport): string {
  const fmt = (v: number) => (r.metric === 'top1' ? formatPercent(v / 100, 2) : formatCloseness(v));
  const lines = [
    `mixed-precision: ${r.int8Layers} layers INT8, ${r.floatLayers} float (${r.evaluations} builds evaluated${r.chosen ? `, ${r.chosen} candidate measured fastest` : ''})`,
    `  tuning ${r.metric === 'top1' ? 'top-1' : 'output cosine'} ${fmt(r.tuning.float)} -> ${fmt(r.tuning.result)}: ${r.nearChance ? 'NOT MEANINGFUL: the float model is at chance on this data' : r.tuning.withinBudget ? 'within the pass\'s budget' : 'OUTSIDE the pass\'s budget'}`,
  ];
  for (const d of r.decisions) lines.push(`    ${d.precision.padEnd(5)} ${d.layer}: ${d.detail}`);
  return lines.join('\n');
}
