import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { QuantizeJobResult } from '../../../src/core/jobs/quantize';
import { edgewise, hasUiBridge, screenshot, workspaceFile } from './helpers';

describe('runs in VS Code: the Runs view and Compare Runs', function () {
  this.timeout(180_000);
  const made: string[] = [];
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.explorer');
    for (const f of made) fs.rmSync(f, { force: true });
  });

  it('records the jobs the extension runs, lists them in the Runs view, and compares two with the Pareto front marked', async () => {
    const api = await edgewise();
    const model = workspaceFile('fmnist_cnn.onnx');
    const before = (await api.runs.view.current()).length;
    for (const mode of ['dynamic', 'int8-weights']) {
      const r = await vscode.commands.executeCommand<QuantizeJobResult>('edgewise.quantizeModel', model, { mode, out: path.join(path.dirname(model.fsPath), `runs-e2e.${mode}.onnx`), force: true });
      assert.ok(r, `quantize ${mode} ran`);
      made.push(r.output);
    }
    // The worker runs in the workspace folder, so the records land in its .edgewise/runs.
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await api.runs.view.refresh();
    const runs = await api.runs.view.current();
    assert.equal(runs.length, before + 2, JSON.stringify(runs.map((n) => n.record.id)));
    const [latest, previous] = runs;
    assert.equal(latest.root, ws);
    assert.deepEqual([latest.record.kind, latest.record.options.mode, previous.record.options.mode], ['quantize', 'int8-weights', 'dynamic']);
    assert.ok(fs.existsSync(path.join(ws, '.edgewise', 'runs', `${latest.record.id}.json`)));
    const item = api.runs.view.getTreeItem(latest);
    assert.equal(item.label, 'quantize runs-e2e.int8-weights.onnx');
    assert.match(String(item.description), /^[0-9.]+ KiB · [0-9.]+ (µs|ms|s) · agree \d+\.\d% · /);

    await vscode.commands.executeCommand('workbench.view.extension.edgewise');
    await vscode.commands.executeCommand('edgewise.runs.focus');
    if (hasUiBridge()) await screenshot('runs-view');

    await vscode.commands.executeCommand('edgewise.runs.compare', latest, [latest, previous]);
    const panel = api.runs.panel();
    assert.ok(panel, 'the comparison panel is open');
    assert.equal(panel.webview.title, 'Compare 2 Runs');
    // Strict CSP: nothing by default, only this page's nonce'd script and style.
    const csp = /content="(default-src 'none';[^"]*)"/.exec(panel.html)?.[1] ?? '';
    assert.match(csp, /script-src 'nonce-[^']+'/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal((panel.html.match(/<tr class="front">/g) ?? []).length + (panel.html.match(/<tr>\n<td><span class="dot">/g) ?? []).length, 2, 'two rows');
    assert.ok(panel.html.includes('<tr class="front">'), 'at least one run on the front');
    assert.match(panel.html, /aria-label="size \(lower is better\) against/);
    for (const action of ['open', 'rerun', 'recipe']) assert.match(panel.html, new RegExp(`data-action="${action}" data-index="1"`));
    await new Promise((r) => setTimeout(r, 1500));
    if (hasUiBridge()) await screenshot('runs-compare');

    const recipe = await vscode.commands.executeCommand<vscode.Uri>('edgewise.runs.makeRecipe', previous);
    assert.ok(recipe);
    made.push(recipe.fsPath);
    const text = fs.readFileSync(recipe.fsPath, 'utf8');
    assert.match(text, /"pass": "quantize"/);
    assert.match(text, /"mode": "dynamic"/);
    assert.match(text, /"model": "fmnist_cnn.onnx"/);
  });

  it('the walkthrough "Get started with Edgewise": five steps whose links all run registered commands; its first opens the bundled sample', async () => {
    const ext = vscode.extensions.getExtension('edgewise.edgewise')!;
    const [walk] = ext.packageJSON.contributes.walkthroughs as { title: string; steps: { id: string; description: string; media: { markdown: string } }[] }[];
    assert.equal(walk.title, 'Get started with Edgewise');
    assert.deepEqual(walk.steps.map((s) => s.id), ['open', 'quantize', 'benchmark', 'analyze', 'compare']);
    const known = new Set(await vscode.commands.getCommands(true));
    for (const s of walk.steps) {
      const links = [...s.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.equal(links.length, 1, s.id);
      assert.ok(known.has(links[0]), `${links[0]} is a command`);
      assert.ok(fs.existsSync(path.join(ext.extensionPath, s.media.markdown)), s.media.markdown);
    }
    const api = await edgewise();
    const model = await vscode.commands.executeCommand<vscode.Uri>('edgewise.openSample');
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.equal(model.fsPath, path.join(ws, 'edgewise-sample', 'fmnist_cnn.onnx'));
    for (const f of ['fmnist_cnn.onnx', 'fmnist_train1k_u8.npy', 'fmnist_train1k_labels.npy']) assert.ok(fs.statSync(path.join(ws, 'edgewise-sample', f)).size > 8000, f);
    const panel = api.panels.forFile(model)[0];
    assert.ok(panel, 'the sample\'s graph is open');
    await panel.whenLoaded();
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'edgewise.edgewise#getStarted', false);
    await new Promise((r) => setTimeout(r, 1500));
    if (hasUiBridge()) await screenshot('walkthrough');
    fs.rmSync(path.join(ws, 'edgewise-sample'), { recursive: true, force: true });
  });
});
