/**
 * Devices in VS Code: the Targets view in the Edgewise sidebar, trusting a device's host key in
 * the modal dialog, setting it up and benchmarking on it and here (the fleet table in the results
 * panel), against a real OpenSSH server the test starts on loopback.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FleetReport } from '../../../src/core/runtime/devices/fleet';
import type { HostKeyInfo } from '../../../src/core/runtime/devices/trust';
import { startSshd, type TestSshd } from '../../helpers/sshd';
import { clickNotificationButton, closeAllEditors, edgewise, hasUiBridge, screenshot, workbenchText, workspaceFile } from './helpers';

describe('devices in VS Code (real sshd)', function () {
  this.timeout(300_000);
  const config = () => vscode.workspace.getConfiguration('edgewise');
  let s: TestSshd;

  before(async function () {
    s = await startSshd();
    fs.writeFileSync(s.knownHosts, ''); // the device starts unknown
    await config().update('targets', [{
      name: 'loop', ssh: s.url, identity: s.identity, knownHosts: s.knownHosts, remoteDir: s.deviceDir, latencyBudgetMs: 10_000, latencyMetric: 'p50',
    }], vscode.ConfigurationTarget.Global);
    await config().update('benchmark.runs', 10, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await config().update('targets', undefined, vscode.ConfigurationTarget.Global);
    await config().update('benchmark.runs', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
    await s?.stop();
  });

  it('lists the targets in the Edgewise sidebar: the device from the settings and the built-in ones', async () => {
    const api = await edgewise();
    const entries = await api.devices.view.refresh();
    const loop = entries.find((e) => e.target.name === 'loop');
    assert.equal(loop?.kind, 'ssh');
    assert.equal(loop?.definedIn, 'settings');
    assert.equal(entries.find((e) => e.target.name === 'qemu-arm64')?.kind, 'emulated');
    assert.ok(entries.some((e) => e.target.name === 'local' && e.kind === 'local'));
    const items = await api.devices.view.getChildren();
    assert.equal(items.find((i) => i.entry.target.name === 'loop')?.contextValue, 'edgewise.target.ssh');
    await vscode.commands.executeCommand('workbench.view.extension.edgewise');
    if (hasUiBridge()) {
      const text = await workbenchText('.part.sidebar', 'qemu-arm64');
      assert.match(text, /loop/);
      await screenshot('targets-view');
    }
  });

  it('trusts the host key once the user accepts the fingerprint it shows', async function () {
    if (!hasUiBridge()) return this.skip(); // the button needs a click (runner.mjs's bridge)
    const fp = execFileSync('ssh-keygen', ['-lf', path.join(s.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1];
    const trusting = vscode.commands.executeCommand<HostKeyInfo | undefined>('edgewise.targets.trust', 'loop');
    // Test runs do not pop notifications up as toasts: the notification center shows them.
    await vscode.commands.executeCommand('notifications.showList');
    const dialog = await clickNotificationButton('Trust the SSH host key of loop', 'Trust');
    assert.match(dialog, new RegExp(`Trust the SSH host key of loop \\(127\\.0\\.0\\.1:${s.port}\\)`));
    assert.ok(dialog.includes(fp), dialog);
    const info = await trusting;
    assert.equal(info?.fingerprint, fp);
    assert.equal(fs.readFileSync(s.knownHosts, 'utf8').trim(), `[127.0.0.1]:${s.port} ${s.hostKeyPub.split(' ').slice(0, 2).join(' ')}`);
  });

  it('sets the device up, then benchmarks a model on it and here: the fleet table in the results panel', async () => {
    const api = await edgewise();
    if (!fs.readFileSync(s.knownHosts, 'utf8').trim()) fs.writeFileSync(s.knownHosts, `[127.0.0.1]:${s.port} ${s.hostKeyPub}\n`);
    const setup = await vscode.commands.executeCommand<{ facts: { machine: { arch: string } } } | undefined>('edgewise.targets.setup', 'loop');
    assert.ok(setup, 'setup finished');
    assert.ok(api.devices.view.facts.get('loop'));

    const uri = workspaceFile('fmnist_cnn.onnx');
    const report = await vscode.commands.executeCommand<FleetReport | undefined>('edgewise.benchmarkOnTarget', uri, ['local', 'loop']);
    assert.ok(report, 'the fleet report');
    assert.deepEqual(report.entries.map((e) => e.target), ['local', 'loop']);
    const loop = report.entries[1];
    assert.equal(loop.error, undefined);
    assert.equal(loop.results[0].device?.address, `ssh://${s.user}@127.0.0.1:${s.port}`);
    assert.equal(loop.results[0].latency.samplesMs.length, 10);
    assert.equal(loop.results[0].energy?.available, false);
    assert.equal(report.verdict, 'pass');
    const html = api.benchmark.results.get(uri)?.webview.html ?? '';
    assert.match(html, /aria-label="fleet table"/);
    assert.match(html, /<td class="name">loop/);
    assert.match(html, /Verdict: PASS/);
    const item = (await api.devices.view.getChildren()).find((i) => i.entry.target.name === 'loop');
    assert.match(String(item?.description), /^p50 [\d.]+ ms · fmnist_cnn\.onnx$/);
    if (hasUiBridge()) {
      await workbenchText('.part.sidebar', 'p50');
      await screenshot('fleet');
    }
  });
});
