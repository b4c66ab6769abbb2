/**
 * Device commands: "Benchmark on Target..." (a model on one or more targets: the fleet table in
 * the results panel), and the Targets view's Benchmark Here, Set Up Device and Trust Host Key.
 * All device work runs in the worker; setting up and benchmarking need a trusted workspace.
 */
import * as vscode from 'vscode';
import type { FleetReport } from '../../core/runtime/devices/fleet';
import type { Target } from '../../core/runtime/targets';
import { DeviceHostKeyRequest, DeviceSetupRequest, DeviceTrustRequest, FleetBenchmarkRequest } from '../../worker/protocol';
import type { BenchmarkResultsPanels } from '../benchmark/results-panel';
import { activeModel, resolveModel, type CommandDeps } from '../commands';
import { onConfigChange, readConfig } from '../config';
import { withWorkerProgress } from '../progress';
import { requireTrust } from '../trust';
import { RequestCancelledError } from '../worker-client';
import { TargetItem, TargetsView } from './targets-view';
import { formatNumber } from '../../core/base/units';

export interface DevicesApi {
  view: TargetsView;
  /** Last fleet report per model (URI string). */
  lastFleet: Map<string, FleetReport>;
}

const base = (uri: vscode.Uri) => uri.path.split('/').pop() ?? uri.path;

export function registerDeviceCommands({ worker, log }: CommandDeps, results: BenchmarkResultsPanels): { api: DevicesApi; disposables: vscode.Disposable[] } {
  const view = new TargetsView(worker);
  const api: DevicesApi = { view, lastFleet: new Map() };
  const diagnostics = vscode.languages.createDiagnosticCollection('edgewise-fleet');
  let picked: string[] = ['local'];

  const targetOf = async (arg: unknown): Promise<Target | undefined> => {
    if (arg instanceof TargetItem) return arg.entry.target;
    const name = typeof arg === 'string' ? arg : undefined;
    const all = await view.list();
    if (name) return all.find((e) => e.target.name === name)?.target;
    const pick = await vscode.window.showQuickPick(all.filter((e) => e.kind !== 'local').map((e) => ({ label: e.target.name, description: e.target.ssh ?? 'emulated arm64', target: e.target })), { title: 'Edgewise: which device?' });
    return pick?.target;
  };

  /** After a failure, the step that fixes it: trust an unknown host key, or set the device up. */
  const offerFix = async (target: Target, message: string) => {
    if (/is not known/.test(message)) {
      if (await vscode.window.showErrorMessage(`Edgewise: ${message}`, 'Trust Host Key...') === 'Trust Host Key...') await vscode.commands.executeCommand('edgewise.targets.trust', target.name);
    } else if (/edgewise device setup/.test(message)) {
      if (await vscode.window.showErrorMessage(`Edgewise: ${message}`, 'Set Up Device') === 'Set Up Device') await vscode.commands.executeCommand('edgewise.targets.setup', target.name);
    } else {
      void vscode.window.showErrorMessage(`Edgewise: ${message}`);
    }
  };

  const benchmarkOnTargets = async (arg?: unknown, names?: string[]): Promise<FleetReport | undefined> => {
    const uri = await resolveModel(arg);
    if (!uri || !(await requireTrust('Benchmarking'))) return undefined;
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Edgewise: ${uri.toString()} is not a local file; benchmarks run local model files`);
      return undefined;
    }
    const all = await view.list();
    if (!names) {
      const items = all.map((e) => ({
        label: e.target.name, picked: picked.includes(e.target.name), name: e.target.name,
        description: e.kind === 'ssh' ? e.target.ssh : e.kind === 'emulated' ? 'emulated arm64 (latency not a device\'s)' : 'this machine',
        detail: e.target.description || undefined,
      }));
      const chosen = await vscode.window.showQuickPick(items, { canPickMany: true, title: `Benchmark ${base(uri)} on...`, placeHolder: 'one or more targets: the fleet table' });
      if (!chosen?.length) return undefined;
      names = chosen.map((c) => c.name);
      picked = names;
    }
    const targets = names.map((n) => all.find((e) => e.target.name === n)?.target);
    const unknown = names.filter((_, i) => !targets[i]);
    if (unknown.length) {
      void vscode.window.showErrorMessage(`Edgewise: unknown target ${unknown.join(', ')} (add it to the edgewise.targets setting)`);
      return undefined;
    }
    const cfg = readConfig().benchmark;
    const report = await withWorkerProgress(`benchmarking ${base(uri)} on ${names.join(', ')}`, (options) =>
      worker.request(FleetBenchmarkRequest.type, { file: uri.fsPath, targets: targets as Target[], threads: cfg.threads, runs: cfg.runs, warmup: cfg.warmup }, options));
    if (!report) return undefined;
    log.info(`fleet ${uri.fsPath}: ${report.entries.map((e) => `${e.target} ${e.results[0] ? `p50 ${formatNumber(e.results[0].latency.p50Ms)} ms${e.emulated ? ' (emulated)' : ''}` : `error: ${e.error?.message}`}`).join('; ')}; verdict ${report.verdict}`);
    api.lastFleet.set(uri.toString(), report);
    view.record(report.entries);
    diagnostics.set(uri, report.entries.flatMap((e) => e.budgetBreaks.map((b) => {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `Edgewise: ${b.message}`, vscode.DiagnosticSeverity.Error);
      d.source = 'edgewise fleet';
      d.code = `budget-${b.budget}`;
      return d;
    })));
    results.showFleet(uri, report);
    const failed = report.entries.find((e) => e.error);
    if (failed) void offerFix(targets.find((t) => t!.name === failed.target)!, failed.error!.message);
    return report;
  };

  const setup = async (arg?: unknown) => {
    const target = await targetOf(arg);
    if (!target || !(await requireTrust('Setting up a device'))) return undefined;
    let failure: Error | undefined;
    const report = await withWorkerProgress(`setting up ${target.name}`, async (options) => {
      try {
        return await worker.request(DeviceSetupRequest.type, { target }, options);
      } catch (e) {
        if (e instanceof RequestCancelledError) throw e;
        failure = e as Error;
        return undefined;
      }
    });
    if (failure) void offerFix(target, failure.message);
    if (!report) return undefined;
    view.setFacts(target.name, report.facts);
    const m = report.facts.machine;
    void vscode.window.showInformationMessage(`Edgewise: ${target.name} is ready (${m.cpuModel}, ${m.cores} cores, ${m.arch}, Node ${m.nodeVersion}, onnxruntime ${report.facts.ortVersion})${report.emulated ? '; emulated' : ''}.`);
    return report;
  };

  const trust = async (arg?: unknown) => {
    const target = await targetOf(arg);
    if (!target?.ssh) return undefined;
    const key = await withWorkerProgress(`reading the host key of ${target.name}`, (options) => worker.request(DeviceHostKeyRequest.type, { target }, options));
    if (!key) return undefined;
    if (key.status === 'known') {
      void vscode.window.showInformationMessage(`Edgewise: ${key.host}:${key.port} (${key.keyType} ${key.fingerprint}) is already trusted in ${key.knownHosts}.`);
      return key;
    }
    if (key.status === 'revoked') {
      void vscode.window.showErrorMessage(`Edgewise: the host key of ${key.host}:${key.port} (${key.fingerprint}) is revoked in ${key.knownHosts}.`);
      return undefined;
    }
    const changed = key.status === 'changed';
    const action = changed ? 'Replace the Known Key' : 'Trust';
    // A changed key takes a modal; a new one a notification that shows the fingerprint to compare.
    const answer = changed
      ? await vscode.window.showWarningMessage(`THE HOST KEY OF ${key.host}:${key.port} HAS CHANGED`, {
        modal: true,
        detail: `It now offers ${key.keyType} ${key.fingerprint}; ${key.knownHosts} knows it as ${key.knownFingerprint}. ` +
          'Someone may be intercepting the connection: replace the known key only if you know the device was reinstalled.',
      }, action)
      : await vscode.window.showWarningMessage(`Trust the SSH host key of ${target.name} (${key.host}:${key.port})? ${key.keyType} ${key.fingerprint}: ` +
        `compare it with the device's (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub there). It will be added to ${key.knownHosts}.`, action, 'Cancel');
    if (answer !== action) return undefined;
    const done = await withWorkerProgress(`trusting ${target.name}`, (options) => worker.request(DeviceTrustRequest.type, { target, fingerprint: key.fingerprint, replace: changed }, options));
    if (done) void vscode.window.showInformationMessage(`Edgewise: trusted ${key.host}:${key.port} (${key.fingerprint}).`);
    return done;
  };

  const disposables: vscode.Disposable[] = [
    view, diagnostics,
    vscode.window.createTreeView('edgewise.targets', { treeDataProvider: view }),
    vscode.commands.registerCommand('edgewise.benchmarkOnTarget', benchmarkOnTargets),
    vscode.commands.registerCommand('edgewise.targets.refresh', () => view.refresh()),
    vscode.commands.registerCommand('edgewise.targets.benchmark', async (arg?: unknown) => {
      const target = await targetOf(arg);
      return target && benchmarkOnTargets(activeModel(), [target.name]);
    }),
    vscode.commands.registerCommand('edgewise.targets.setup', setup),
    vscode.commands.registerCommand('edgewise.targets.trust', trust),
    onConfigChange('targets', () => void view.refresh()),
    onConfigChange('benchmark.targets', () => void view.refresh()),
  ];
  return { api, disposables };
}
