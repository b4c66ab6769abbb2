import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainRequestOptions } from '../core/jobs/train-process';
import { TrainRequest, type TrainResult } from '../worker/protocol';
import { requireAction, resolveModel, type CommandDeps } from './commands';
import { withWorkerProgress } from './progress';
import { askTrainOptions } from './train-picks';
import { TrainCharts, type TrainAction } from './train-panel';
import { requireTrust } from './trust';
import { RequestCancelledError } from './worker-client';
import { formatNumber, formatPercent } from '../core/base/units';

const COMPARE = 'edgewise.compareModels';

/**
 * "Edgewise: Fine-tune Model..." and "Edgewise: Distill Model...": a QuickPick flow (or the
 * options given by a caller), then the job in the worker's training child process, with a
 * cancellable progress notification and the live chart; at the end open, compare or benchmark
 * the result.
 */
export function registerTrainCommands({ panels, worker, log }: CommandDeps, extensionUri: vscode.Uri): { charts: TrainCharts; disposables: vscode.Disposable[] } {
  const charts = new TrainCharts(extensionUri);
  const followUp = async (action: TrainAction, model: vscode.Uri, result: TrainResult) => {
    const out = vscode.Uri.file(result.output);
    if (action === 'open') await panels.open(out);
    else if (action === 'benchmark') await vscode.commands.executeCommand('edgewise.benchmarkModel', out);
    // Compare Models: the original and the result side by side, the retrained layers marked with how far their weights moved.
    else await vscode.commands.executeCommand(COMPARE, model, out);
  };

  const run = async (kind: 'finetune' | 'distill', arg?: unknown, given?: Partial<TrainRequestOptions>): Promise<TrainResult | undefined> => {
    const model = await resolveModel(arg);
    if (!model) return undefined;
    if (!requireAction(model, 'train')) return undefined;
    if (!(await requireTrust(kind === 'distill' ? 'Distillation' : 'Fine-tuning'))) return undefined;
    const options = given?.data ? { kind, ...given } as TrainRequestOptions : await askTrainOptions(model, kind);
    if (!options) return undefined;
    const title = kind === 'distill' ? 'Distilling' : 'Fine-tuning';
    let result: TrainResult | undefined;
    const chart = charts.open(model, kind === 'distill' ? 'Distill' : 'Fine-tune', (action) => {
      if (result) void followUp(action, model, result);
    });
    chart.post({ type: 'start', title: `${title} ${path.basename(model.fsPath)}`, epochs: options.epochs ?? 1 });
    result = await withWorkerProgress(`${title.toLowerCase()} ${path.basename(model.fsPath)}`, async (opts) => {
      try {
        return await worker.request(TrainRequest.type, { file: model.fsPath, options }, {
          ...opts,
          onProgress: (p) => {
            opts.onProgress?.(p);
            if (p.train) chart.post({ type: 'progress', message: p.message, steps: p.train.steps, epochs: p.train.epochs });
          },
        });
      } catch (e) {
        const message = e instanceof RequestCancelledError
          ? 'Cancelled. The checkpoint of the last finished epoch is kept: run again to resume.'
          : `Failed: ${e instanceof Error ? e.message : String(e)}`;
        chart.post({ type: 'stopped', message });
        throw e;
      }
    });
    if (!result) return undefined;
    log.info(`${kind} ${model.fsPath}: ${JSON.stringify({ ...result, changes: undefined })}`);
    const last = result.epochs[result.epochs.length - 1];
    chart.post({ type: 'done', summary: { output: result.output, valTop1Before: result.valTop1Before, valTop1After: last?.valTop1, changes: result.changes } });
    void notify(result, (action) => followUp(action, model, result!));
    return result;
  };

  return {
    charts,
    disposables: [
      charts,
      vscode.commands.registerCommand('edgewise.finetuneModel', (arg?: unknown, options?: Partial<TrainRequestOptions>) => run('finetune', arg, options)),
      vscode.commands.registerCommand('edgewise.distillModel', (arg?: unknown, options?: Partial<TrainRequestOptions>) => run('distill', arg, options)),
    ],
  };
}


async function notify(r: TrainResult, act: (action: TrainAction) => Promise<void>): Promise<void> {
  const last = r.epochs[r.epochs.length - 1];
  const accuracy = last?.valTop1 !== undefined ? `validation top-1 ${formatPercent(r.valTop1Before)} -> ${formatPercent(last.valTop1)}` : `train top-1 ${formatPercent(last?.trainTop1)}`;
  const pick = await vscode.window.showInformationMessage(
    `Edgewise: ${path.basename(r.output)}: ${r.epochs.length} epoch(s), loss ${last ? formatNumber(last.loss, 4) : '-'}, ${accuracy}.`,
    'Open Result', 'Compare with Original', 'Benchmark',
  );
  if (pick) await act(pick === 'Open Result' ? 'open' : pick === 'Benchmark' ? 'benchmark' : 'compare');
}
